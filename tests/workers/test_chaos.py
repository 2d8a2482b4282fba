"""Chaos proofs with real Redis and real worker/dispatcher processes (slow).

The platform is `RecordingAdapter`: every publish is one line in a file all
processes share, so duplicates and losses are counted on the platform's side.
"""
from __future__ import annotations

import collections
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Post, PostState, PostTarget, TargetState, utcnow
from app.redis_conn import get_redis
from tests.app.publishing.helpers import make_desk
from tests.pipeline_adapters import read_records
from tests.workers.processes import Processes, process_env

pytestmark = pytest.mark.slow

TARGETS = 300


@pytest.fixture
def procs(app, tmp_path):
    # Every pass with four or more due targets shares jobs (workers/queues.py), so the kills
    # also land in the middle of shared jobs.
    env = process_env(app, {"WARTA_RECORDER_LOG": str(tmp_path / "platform.log"),
                            "WARTA_RECORDER_DELAY": "0.03", "WARTA_RECONCILE_GRACE_SECONDS": "1",
                            "WARTA_PUBLISH_BATCH_MAX": "4", "WARTA_PUBLISH_BURST_MIN_JOBS": "1"})
    processes = Processes(env, tmp_path)
    yield processes
    processes.stop_all()


def _make_due_targets(factory, seconds_from_now: float, spread: float) -> list[int]:
    """TARGETS targets on 10 accounts, approved and scheduled, due within `spread` seconds."""
    desk = make_desk(factory, accounts=10)
    now = utcnow()
    ids = []
    for n in range(TARGETS // 10):
        when = now + timedelta(seconds=seconds_from_now + spread * n / (TARGETS // 10))
        post = Post(organisation_id=desk.org.id, author_id=desk.author.id, body=f"Pengumuman {n}",
                    state=PostState.SCHEDULED, scheduled_at=when)
        db.session.add(post)
        for account in desk.accounts:
            post.targets.append(PostTarget(account_id=account.id, due_at=when, deadline_at=when + timedelta(hours=1)))
    db.session.commit()
    # Approvals are bound to the content version: record them like the review step does.
    from app.models import Approval, Decision

    for post in db.session.scalars(select(Post)):
        db.session.add(Approval(post_id=post.id, organisation_id=post.organisation_id, reviewer_id=desk.reviewer.id,
                                content_version=post.content_version, decision=Decision.APPROVED))
        ids += [t.id for t in post.targets]
    db.session.commit()
    return ids


def _states() -> dict[str, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(PostTarget.state, func.count()).group_by(PostTarget.state)).all())


def _wait_until_settled(timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    states = _states()
    while time.monotonic() < deadline:
        states = _states()
        if states.get(TargetState.PUBLISHED, 0) == TARGETS:
            return states
        time.sleep(0.5)
    return states


def _assert_exactly_once(tmp_path, ids: list[int]) -> None:
    markers = collections.Counter(r["marker"] for r in read_records(str(tmp_path / "platform.log")))
    duplicates = {m: c for m, c in markers.items() if c > 1}
    missing = [i for i in ids if markers[f"warta-{i}"] == 0]
    assert duplicates == {}
    assert missing == []


def _victim_mid_call(workers, timeout: float = 20):
    """A worker process that holds a claim right now (a target in `publishing`)."""
    deadline = time.monotonic() + timeout
    by_pid = {str(w.pid): w for w in workers}
    while time.monotonic() < deadline:
        db.session.rollback()
        for claimant in db.session.scalars(select(PostTarget.claimed_by).where(
                PostTarget.state == TargetState.PUBLISHING)):
            pid = (claimant or "").split("|")[1] if claimant and "|" in claimant else ""
            if pid in by_pid:
                return by_pid[pid]
        time.sleep(0.01)
    raise AssertionError("no worker was mid-call")


def test_sigkill_workers_five_times(app, factory, procs, tmp_path):
    ids = _make_due_targets(factory, seconds_from_now=3, spread=8)
    procs.start("dispatcher")
    # Fewer call slots than the calls its jobs carry: kills also land on claims waiting for a slot.
    shape = ("--processes", "1", "--threads", "4", "--calls", "6")
    workers = [procs.start("worker", *shape) for _ in range(2)]
    for _kill in range(5):
        victim = _victim_mid_call(workers)  # killed while it holds a claim: the platform call's outcome is unknown
        procs.kill(victim)
        workers.remove(victim)
        workers.append(procs.start("worker", *shape))
    states = _wait_until_settled(timeout=90)
    assert states == {TargetState.PUBLISHED: TARGETS}, states
    _assert_exactly_once(tmp_path, ids)
    from app.models import AuditEvent

    paths = collections.Counter(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(["target.unconfirmed", "target.queued"]))))
    print(f"kills: 5, unconfirmed then resolved: {paths['target.unconfirmed']}, "
          f"of which not on the platform and queued again: {paths['target.queued']}")
    assert paths["target.unconfirmed"] >= 5  # every kill left at least one claim to reconcile


def test_redis_flush_mid_run_loses_nothing(app, factory, procs, tmp_path):
    ids = _make_due_targets(factory, seconds_from_now=1, spread=4)
    procs.start("dispatcher")
    procs.start("worker", "--processes", "1", "--threads", "4")
    time.sleep(2.5)
    # FLUSHDB of the database Warta uses: to Warta the same as a restart of an empty Redis, without
    # wiping other runs that share the server (WARTA_TEST_REDIS_DB isolates parallel suites).
    get_redis().flushdb()
    states = _wait_until_settled(timeout=60)
    assert states == {TargetState.PUBLISHED: TARGETS}, states
    _assert_exactly_once(tmp_path, ids)


def test_two_dispatchers_never_enqueue_twice(app, factory, procs, tmp_path):
    ids = _make_due_targets(factory, seconds_from_now=2, spread=3)
    # Both without the lease: only the database's conditional update keeps them apart.
    procs.start("dispatcher", "--no-lease")
    procs.start("dispatcher", "--no-lease")
    procs.start("worker", "--processes", "1", "--threads", "4")
    states = _wait_until_settled(timeout=60)
    assert states == {TargetState.PUBLISHED: TARGETS}, states
    db.session.expire_all()
    seqs = collections.Counter(db.session.scalars(select(PostTarget.dispatch_seq)))
    assert seqs == {1: TARGETS}  # each target handed to the queue exactly once
    _assert_exactly_once(tmp_path, ids)
