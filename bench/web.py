"""web: p95 latency of the calendar month view and the activity dashboard under concurrent load,
each divided by the p95 of a trivial signed-in page (`/account`) measured in the same run.

Setup: a fresh PostgreSQL database `warta_bench_web` built by the migrations and seeded with COPY:
500 organisations (a Diskominfo and 499 OPDs, two accounts each), 100,000 posts with one target each,
published over the last year at rates that differ per organisation (some inactive), 10 % scheduled
in the next 30 days. The app runs under gunicorn (`WARTA_BENCH_WEB_WORKERS`, default 4 sync workers)
on loopback; `WARTA_BENCH_WEB_CONCURRENCY` client threads request the three pages in a
shuffled mix signed in as a leadership viewer of the whole tree (default 4 client threads: each
request finds a free worker, so the figures are the pages' cost under contention rather than the
length of gunicorn's queue). After a warm-up, every page is requested 20 times one at a time (the
`alone_*` reference figures) and then `WARTA_BENCH_WEB_REQUESTS` times (default 150) concurrently.

The run is done twice: with the dashboard's Redis cache as configured in production (default 300 s;
after warm-up every request is a hit) and with the cache off (`WARTA_ACTIVITY_CACHE_SECONDS=0`: every
dashboard request recomputes the figures from PostgreSQL) — both are reported.

The calendar page is the month view of the whole tree (`calendar.index`, `view=month`) for the current
month, as the viewer (leadership) sees it.
"""
from __future__ import annotations

import http.client
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ORGS = 500
SEQUENTIAL = 20  # requests per page one at a time, before the concurrent run
POSTS = 100_000
DB_NAME = "warta_bench_web"
#: Activity level (organisation id % 5) → ages in days of its published posts: silent for months,
#: steady all year (about 3.5 a week), or busy lately.
AGE_RANGES = {0: (120, 365), 1: (0, 365), 2: (0, 365), 3: (0, 90), 4: (0, 30)}


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fresh_database() -> str:
    base = make_url(os.environ.get("WARTA_BENCH_PG_URL", PG_DEFAULT))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    return base.set(database=DB_NAME).render_as_string(hide_password=False)


def _seed(app: Any, now: datetime) -> dict[str, Any]:
    """Organisations, accounts and users through the ORM; posts and targets with COPY."""
    from app.extensions import db
    from app.models import Membership, Organisation, SocialAccount, User

    root = Organisation(name="Pemerintah Kabupaten Bench", kind="diskominfo", timezone="Asia/Makassar", settings={})
    db.session.add(root)
    db.session.flush()
    root.path = f"/{root.id}/"
    opds = [Organisation(name=f"Dinas {n:03d}", kind="opd", parent_id=root.id, timezone="Asia/Makassar",
                         settings={}) for n in range(ORGS - 1)]
    db.session.add_all(opds)
    db.session.flush()
    for opd in opds:
        opd.path = f"{root.path}{opd.id}/"
    organisations = [root, *opds]
    accounts = [SocialAccount(organisation_id=org.id, platform=platform, handle=f"{platform}{org.id}",
                              external_id=f"{platform}-{org.id}")
                for org in organisations for platform in ("instagram", "x")]
    db.session.add_all(accounts)
    viewer = User(email="pimpinan@bench.test", name="Pimpinan", password_hash="!")  # noqa: S106 - no sign-in
    author = User(email="admin@bench.test", name="Admin", password_hash="!")  # noqa: S106
    db.session.add_all([viewer, author, Membership(user=viewer, organisation=root, role="viewer"),
                        Membership(user=author, organisation=root, role="admin")])
    db.session.commit()
    # Plain values only from here: touching an expired ORM object would query on the connection busy with COPY.
    org_ids = [org.id for org in organisations]
    author_id, root_id, viewer_token = author.id, root.id, viewer.session_token
    by_org: dict[int, list[int]] = {}
    for account in accounts:
        by_org.setdefault(account.organisation_id, []).append(account.id)

    rng = random.Random(9)
    naive_now = now.replace(tzinfo=None)
    raw = db.session.connection().connection.driver_connection  # psycopg 3
    with raw.cursor() as cur:
        with cur.copy("COPY post (id, organisation_id, author_id, title, body, variants, state, scheduled_at, "
                      "content_version, created_at, updated_at) FROM STDIN") as post_copy:
            targets = []
            for post_id in range(1, POSTS + 1):
                org_id = org_ids[post_id % ORGS]
                level = org_id % 5  # 0: inactive for months … 4: posts every day
                if rng.random() < 0.1:
                    when, state, target_state = naive_now + timedelta(minutes=rng.randrange(30 * 24 * 60)), \
                        "scheduled", "scheduled"
                else:
                    newest, oldest = AGE_RANGES[level]
                    age = rng.uniform(newest, oldest)
                    when, state, target_state = naive_now - timedelta(days=age), "scheduled", "published"
                post_copy.write_row((post_id, org_id, author_id, f"Kabar {post_id}", "Informasi layanan publik",
                                     "{}", state, when, 1, when, when))
                targets.append((post_id, rng.choice(by_org[org_id]), target_state, when))
        with cur.copy("COPY post_target (post_id, account_id, state, published_at, due_at, attempts, dispatch_seq, "
                      "updated_at) FROM STDIN") as target_copy:
            for post_id, account_id, target_state, when in targets:
                published = when if target_state == "published" else None
                target_copy.write_row((post_id, account_id, target_state, published, when, 0, 0, when))
        cur.execute("SELECT setval('post_id_seq', (SELECT max(id) FROM post))")
    db.session.commit()
    # What autovacuum does after a bulk load in production (statistics and the visibility map that
    # index-only scans need); this machine's PostgreSQL runs with autovacuum off.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return {"root_id": root_id, "viewer_token": viewer_token}


def _session_cookie(app: Any, token: str) -> str:
    now = int(time.time())
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": token, "_fresh": True, "auth_at": now, "seen_at": now, "mfa_ok": True,
                              "locale": "id"})
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def _calendar_path(app: Any, root_id: int, now: datetime) -> tuple[str, str]:
    """The calendar's month view of the whole tree, for the current month."""
    from flask import url_for

    with app.test_request_context():
        return "calendar.index", url_for("calendar.index", org_id=root_id, view="month", date=now.strftime("%Y-%m-01"))


class Server:
    """gunicorn serving wsgi:app on a loopback port."""

    def __init__(self, env: dict[str, str], workers: int) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--backlog", "256", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def _get(port: int, path: str, cookie: str) -> tuple[float, int]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "Connection": "close"})
        response = conn.getresponse()
        response.read()
        status = response.status
    finally:
        conn.close()
    return time.perf_counter() - started, status


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _load(port: int, paths: dict[str, str], cookie: str, per_page: int, concurrency: int) -> dict[str, Any]:
    """Warm up, then request each page `per_page` times in a shuffled mix from `concurrency` threads."""
    warm = [name for name in paths for _ in range(max(concurrency, 10))]
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda name: _get(port, paths[name], cookie), warm))
    # Reference without load: one request at a time (the pages' own service time on this machine).
    alone = {name: [_get(port, path, cookie)[0] for _ in range(SEQUENTIAL)] for name, path in paths.items()}
    plan = [name for name in paths for _ in range(per_page)]
    random.Random(1).shuffle(plan)
    timings: dict[str, list[float]] = {name: [] for name in paths}
    errors: dict[str, int] = dict.fromkeys(paths, 0)
    lock = threading.Lock()

    def one(name: str) -> None:
        seconds, status = _get(port, paths[name], cookie)
        with lock:
            timings[name].append(seconds)
            if status != 200:
                errors[name] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, plan))
    elapsed = time.perf_counter() - started
    result: dict[str, Any] = {"seconds": round(elapsed, 1), "errors": errors}
    for name, values in alone.items():
        result[f"alone_{name}_p95_ms"] = round(_p(values, 0.95) * 1000, 1)
    for name, values in timings.items():
        result[f"{name}_p50_ms"] = round(_p(values, 0.50) * 1000, 1)
        result[f"{name}_p95_ms"] = round(_p(values, 0.95) * 1000, 1)
    for name in ("calendar", "dashboard"):
        result[f"{name}_p95_ratio"] = round(result[f"{name}_p95_ms"] / result["trivial_p95_ms"], 2)
    return result


def run() -> dict[str, Any]:
    from app import create_app

    database_url = _fresh_database()
    redis_url = os.environ.get("WARTA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    tmp = Path(tempfile.mkdtemp(prefix="warta-bench-web-"))
    keys = Fernet.generate_key().decode()
    config = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "bench",
              "WARTA_ENCRYPTION_KEYS": keys, "INSTANCE_PATH": str(tmp / "instance")}
    app = create_app(config)
    now = datetime.now(UTC)
    with app.app_context():
        from flask_migrate import upgrade

        from app.extensions import db
        from app.redis_conn import get_redis

        upgrade()
        get_redis().flushdb()
        seed_started = time.perf_counter()
        seeded = _seed(app, now)
        seed_seconds = time.perf_counter() - seed_started
        calendar_endpoint, calendar_path = _calendar_path(app, seeded["root_id"], now)
        db.engine.dispose()
    cookie = _session_cookie(app, seeded["viewer_token"])
    paths = {"trivial": "/account", "calendar": calendar_path, "dashboard": "/activity/"}
    per_page = _env_int("WARTA_BENCH_WEB_REQUESTS", 150)
    concurrency = _env_int("WARTA_BENCH_WEB_CONCURRENCY", 4)
    workers = _env_int("WARTA_BENCH_WEB_WORKERS", 4)
    base_env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
                    SECRET_KEY="bench",  # noqa: S106 - a throw-away benchmark app
                    WARTA_ENCRYPTION_KEYS=keys, PYTHONPATH=str(ROOT))
    runs = {}
    for label, cache_seconds in (("cached", os.environ.get("WARTA_ACTIVITY_CACHE_SECONDS", "300")),
                                 ("uncached", "0")):
        server = Server(dict(base_env, WARTA_ACTIVITY_CACHE_SECONDS=cache_seconds), workers)
        try:
            runs[label] = _load(server.port, paths, cookie, per_page, concurrency)
        finally:
            server.stop()
    cached, uncached = runs["cached"], runs["uncached"]
    return {
        "bench": "web",
        "organisations": ORGS,
        "posts": POSTS,
        "seed_seconds": round(seed_seconds, 1),
        "gunicorn_workers": workers,
        "concurrency": concurrency,
        "requests_per_page": per_page,
        "trivial_endpoint": "account.index (/account)",
        "calendar_endpoint": calendar_endpoint,
        "calendar_p95_ratio": cached["calendar_p95_ratio"],
        "dashboard_p95_ratio": cached["dashboard_p95_ratio"],
        "trivial_p95_ms": cached["trivial_p95_ms"],
        "calendar_p95_ms": cached["calendar_p95_ms"],
        "dashboard_p95_ms": cached["dashboard_p95_ms"],
        "dashboard_cache_seconds": int(os.environ.get("WARTA_ACTIVITY_CACHE_SECONDS", "300")),
        "uncached_dashboard_p95_ratio": uncached["dashboard_p95_ratio"],
        "uncached_calendar_p95_ratio": uncached["calendar_p95_ratio"],
        "uncached_trivial_p95_ms": uncached["trivial_p95_ms"],
        "uncached_dashboard_p95_ms": uncached["dashboard_p95_ms"],
        "runs": runs,
        "goal_met": cached["calendar_p95_ratio"] <= 5 and cached["dashboard_p95_ratio"] <= 5,
    }
