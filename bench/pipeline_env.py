"""Shared harness for the pipeline benchmarks: a PostgreSQL database built by the
migrations, a Redis database, bulk-seeded targets and real dispatcher/worker processes.

Environment: `WARTA_BENCH_PG_URL` (default postgres@127.0.0.1:5432), `WARTA_BENCH_REDIS_URL`
(default redis://127.0.0.1:6379/15), `WARTA_BENCH_PG_PREFIX` (default `warta_bench_`: the
databases are `<prefix><bench name>`, so parallel runs on one server can keep apart).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class BenchEnv:
    """One fresh database + Redis db, an app bound to them, and started processes."""

    def __init__(self, name: str, adapters: str, extra_config: dict[str, Any] | None = None,
                 extra_env: dict[str, str] | None = None) -> None:
        from app import create_app

        base = make_url(os.environ.get("WARTA_BENCH_PG_URL", PG_DEFAULT))
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        db_name = f"{os.environ.get('WARTA_BENCH_PG_PREFIX', 'warta_bench_')}{name}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{db_name}"'))
        admin.dispose()
        self.database_url = base.set(database=db_name).render_as_string(hide_password=False)
        self.redis_url = os.environ.get("WARTA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
        self.tmp = Path(tempfile.mkdtemp(prefix=f"warta-bench-{name}-"))
        self.env = dict(os.environ, DATABASE_URL=self.database_url, REDIS_URL=self.redis_url,
                        SECRET_KEY="bench",  # noqa: S106 - a throw-away benchmark app
                        WARTA_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
                        WARTA_EXTRA_ADAPTERS=adapters, PYTHONPATH=str(ROOT),
                        WARTA_RECORDER_LOG=str(self.tmp / "platform.log"), **(extra_env or {}))
        os.environ.update({k: self.env[k] for k in ("WARTA_RECORDER_LOG",)})
        config = {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url, "SECRET_KEY": "bench",
                  "WARTA_ENCRYPTION_KEYS": self.env["WARTA_ENCRYPTION_KEYS"], "WARTA_EXTRA_ADAPTERS": adapters,
                  "INSTANCE_PATH": str(self.tmp / "instance"), **(extra_config or {})}
        self.app = create_app(config)
        self.ctx = self.app.app_context()
        self.ctx.push()
        from flask_migrate import upgrade

        from app.redis_conn import get_redis

        upgrade()
        get_redis().flushdb()
        self.procs: list[subprocess.Popen] = []

    # -- data ------------------------------------------------------------------------------------
    def seed_accounts(self, platform: str, count: int) -> tuple[int, int, list[int]]:
        """An organisation with an author, a reviewer and `count` accounts; returns their ids."""
        from app.crypto import encrypt_json
        from app.extensions import db
        from app.models import Membership, Organisation, SocialAccount, User

        org = Organisation(name="Bench", kind="opd", timezone="Asia/Makassar", settings={})
        db.session.add(org)
        db.session.flush()
        org.path = f"/{org.id}/"
        author = User(email="author@bench.test", name="Author", password_hash="!")  # noqa: S106 - no sign-in
        reviewer = User(email="reviewer@bench.test", name="Reviewer", password_hash="!")  # noqa: S106
        db.session.add_all([author, reviewer, Membership(user=reviewer, organisation=org, role="reviewer")])
        credentials = encrypt_json({"access_token": "bench"})
        accounts = [SocialAccount(organisation=org, platform=platform, handle=f"a{n}", external_id=f"{platform}-{n}",
                                  credentials_encrypted=credentials) for n in range(count)]
        db.session.add_all(accounts)
        db.session.commit()
        return org.id, reviewer.id, [a.id for a in accounts]

    def seed_targets(self, org_id: int, reviewer_id: int, account_ids: list[int], times: list[datetime],
                     approved: bool = True) -> None:
        """One scheduled post and target per time (round-robin over accounts), inserted in bulk."""
        from app.extensions import db
        from app.models import Approval, Post, PostTarget

        author_id = db.session.scalar(text("select id from \"user\" where email='author@bench.test'"))
        chunk = 5000
        for start in range(0, len(times), chunk):
            part = times[start:start + chunk]
            post_ids = db.session.scalars(insert(Post).returning(Post.id), [
                {"organisation_id": org_id, "author_id": author_id, "body": f"Bench {start + i}", "title": "",
                 "variants": {}, "state": "scheduled", "scheduled_at": when, "content_version": 1}
                for i, when in enumerate(part)]).all()
            db.session.execute(insert(PostTarget), [
                {"post_id": pid, "account_id": account_ids[(start + i) % len(account_ids)], "state": "scheduled",
                 "due_at": when, "deadline_at": when + timedelta(hours=2), "attempts": 0, "dispatch_seq": 0}
                for i, (pid, when) in enumerate(zip(post_ids, part, strict=True))])
            if approved:
                db.session.execute(insert(Approval), [
                    {"post_id": pid, "organisation_id": org_id, "reviewer_id": reviewer_id, "content_version": 1,
                     "decision": "approved", "comment": ""} for pid in post_ids])
            db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()

    def published_count(self, since_id: int = 0) -> int:
        from app.extensions import db
        from app.models import PostTarget

        db.session.rollback()
        return len(db.session.scalars(select(PostTarget.id).where(PostTarget.state == "published",
                                                                  PostTarget.id > since_id)).all())

    # -- processes -------------------------------------------------------------------------------
    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.tmp / f"{args[0]}-{len(self.procs)}.log", "w")
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def rss_mb(self, procs: list[subprocess.Popen]) -> float:
        """Resident memory of `procs` and all their children, in MB."""
        total = 0
        for proc in procs:
            try:
                parent = psutil.Process(proc.pid)
                for p in [parent, *parent.children(recursive=True)]:
                    total += p.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total / 1024 / 1024

    @staticmethod
    def _tree(procs: list[subprocess.Popen]) -> list[psutil.Process]:
        found = []
        for proc in procs:
            try:
                parent = psutil.Process(proc.pid)
                found += [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return found

    def cpu_seconds(self, procs: list[subprocess.Popen]) -> float:
        """User + system CPU time of `procs` and their children so far."""
        total = 0.0
        for p in self._tree(procs):
            try:
                times = p.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
        return total

    def pss_mb(self, procs: list[subprocess.Popen]) -> float:
        """Proportional set size (shared pages split between processes): the honest total for forks."""
        total = 0
        for p in self._tree(procs):
            try:
                total += p.memory_full_info().pss
            except (psutil.NoSuchProcess, AttributeError):
                continue
        return total / 1024 / 1024

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
        self.ctx.pop()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def wait_for(predicate, timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False
