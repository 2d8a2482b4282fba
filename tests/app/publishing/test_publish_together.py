"""A shared publish job (app/publishing/publish.py `publish_targets`): its targets are claimed in one
transaction, their platform calls made at the same time, their outcomes recorded in one transaction."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from rq.timeouts import JobTimeoutException, TimerDeathPenalty
from sqlalchemy import event, select

from adapters.base import Permanent
from app.extensions import db
from app.models import AuditEvent, PostTarget, QuotaUsage, TargetState, utcnow
from app.publishing import dispatch, publish
from app.redis_conn import get_redis
from tests.app.publishing.helpers import make_desk, scheduled_post
from tests.pipeline_adapters import RecordingAdapter, read_records


def _queued_pairs(factory, accounts: int) -> list[tuple[int, int]]:
    desk = make_desk(factory, accounts=accounts)
    scheduled_post(factory, desk)
    assert dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)["queued"] == accounts
    return [(t.id, t.dispatch_seq) for t in db.session.scalars(select(PostTarget).order_by(PostTarget.id))]


def _states() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(PostTarget.state).order_by(PostTarget.id)))


def test_the_calls_of_a_shared_job_are_made_at_the_same_time(app, factory, monkeypatch, tmp_path):
    pairs = _queued_pairs(factory, 4)
    # Each call waits until all four are in flight: made one after another, the first would time out.
    everyone_calling = threading.Barrier(4, timeout=10)
    original = RecordingAdapter.publish

    def publish_when_all_call(self, job):
        everyone_calling.wait()
        return original(self, job)

    monkeypatch.setattr(RecordingAdapter, "publish", publish_when_all_call)
    assert publish.publish_targets(pairs) == ["published"] * 4
    assert _states() == [TargetState.PUBLISHED] * 4
    markers = sorted(r["marker"] for r in read_records(str(tmp_path / "platform.log")))
    assert markers == sorted(f"warta-{target_id}" for target_id, _seq in pairs)


#: Statements one job with six targets sends (claim, calls, outcomes).
STATEMENTS_FOR_SIX = {"postgresql": 14, "sqlite": 29}


def test_a_shared_job_claims_and_records_once_for_all_its_targets(app, factory):
    pairs = _queued_pairs(factory, 6)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split())[:80])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert publish.publish_targets(pairs) == ["published"] * 6
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # One claim UPDATE for all six, one UPDATE publishing all six (each conditional on its own row).
    assert sum(s.startswith("UPDATE") for s in statements) == 2
    # Six separate jobs cost 6 × 14 = 84 (test_publish_outcomes.py). Here the claim reads each kind of
    # row once for all six, and the rows a transaction adds (audit events, notifications) are inserted
    # together at its commit — SQLite inserts them one by one. When a change moves this on purpose, say why.
    assert len(statements) == STATEMENTS_FOR_SIX[db.engine.dialect.name], "\n".join(statements)
    audited = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "PostTarget")).all()
    assert sorted(audited) == sorted(["target.publishing"] * 6 + ["target.published"] * 6)


def test_a_stale_or_taken_target_in_a_shared_job_is_skipped_and_the_rest_published(app, factory):
    pairs = _queued_pairs(factory, 3)
    stale = (pairs[1][0], pairs[1][1] + 1)  # a newer job owns this target
    outcomes = publish.publish_targets([pairs[0], stale, pairs[2]])
    assert outcomes == ["published", "not_claimed", "published"]
    assert _states() == [TargetState.PUBLISHED, TargetState.QUEUED, TargetState.PUBLISHED]


def test_each_target_of_a_shared_job_gets_its_own_outcome(app, factory, monkeypatch):
    pairs = _queued_pairs(factory, 3)
    refused = f"warta-{pairs[1][0]}"
    original = RecordingAdapter.publish

    def refuse_one(self, job):
        if job.idempotency_marker == refused:
            raise Permanent("Teks terlalu panjang")
        return original(self, job)

    monkeypatch.setattr(RecordingAdapter, "publish", refuse_one)
    assert publish.publish_targets(pairs) == ["published", "failed", "published"]
    assert _states() == [TargetState.PUBLISHED, TargetState.FAILED, TargetState.PUBLISHED]
    failed = db.session.get(PostTarget, pairs[1][0])
    assert "Teks terlalu panjang" in failed.last_error


def test_a_target_moved_during_the_calls_does_not_undo_the_others(app, factory, monkeypatch):
    pairs = _queued_pairs(factory, 3)
    moved_id = pairs[0][0]
    original = RecordingAdapter.publish

    def someone_moves_the_first(self, job):
        if job.target_id == moved_id:  # as if the dispatcher marked it unconfirmed and a reconcile requeued it
            with db.engine.begin() as conn:
                conn.execute(PostTarget.__table__.update().where(PostTarget.id == moved_id)
                             .values(dispatch_seq=PostTarget.dispatch_seq + 1, state=TargetState.QUEUED))
        return original(self, job)

    monkeypatch.setattr(RecordingAdapter, "publish", someone_moves_the_first)
    assert publish.publish_targets(pairs) == ["lost_race", "published", "published"]
    assert _states() == [TargetState.QUEUED, TargetState.PUBLISHED, TargetState.PUBLISHED]


def test_when_recording_together_fails_each_outcome_is_recorded_on_its_own(app, factory, monkeypatch):
    pairs = _queued_pairs(factory, 3)
    original = publish.finish_published
    failures = iter([RuntimeError("database hiccup")])

    def fail_once_together(claimed, result):
        if publish._recording_together() and claimed.target_id == pairs[2][0]:
            raise next(failures)
        return original(claimed, result)

    monkeypatch.setattr(publish, "finish_published", fail_once_together)
    assert publish.publish_targets(pairs) == ["published"] * 3
    assert _states() == [TargetState.PUBLISHED] * 3
    published = db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "target.published")).all()
    assert sorted(published) == sorted(str(target_id) for target_id, _seq in pairs)  # each once


def _time_out_while_calls_hang(monkeypatch, pairs: list[tuple[int, int]], hangs) -> None:
    """Run the job under RQ's 1-second job timeout while the calls `hangs(job)` picks wait (released after)."""
    release = threading.Event()
    original = RecordingAdapter.publish

    def publish_or_hang(self, job):
        if hangs(job):
            release.wait(10)
        return original(self, job)

    monkeypatch.setattr(RecordingAdapter, "publish", publish_or_hang)
    try:
        with pytest.raises(JobTimeoutException), TimerDeathPenalty(1, JobTimeoutException, job_id="test"):
            publish.publish_targets(pairs)
    finally:
        release.set()


def test_a_job_timeout_during_the_calls_leaves_unanswered_calls_unconfirmed(app, factory, monkeypatch):
    pairs = _queued_pairs(factory, 2)
    _time_out_while_calls_hang(monkeypatch, pairs, lambda job: job.target_id == pairs[1][0])
    assert _states() == [TargetState.PUBLISHED, TargetState.UNCONFIRMED]


def test_targets_of_one_account_in_a_shared_job_share_its_quota(app, factory):
    app.config["WARTA_QUOTAS"] = {"recorder": [{"scope": "account", "window_s": 900, "limit": 2}]}
    desk = make_desk(factory, accounts=1)
    for body in ("Satu", "Dua", "Tiga", "Empat"):
        scheduled_post(factory, desk, body=body)
    assert dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)["queued"] == 4
    pairs = [(t.id, t.dispatch_seq) for t in db.session.scalars(select(PostTarget).order_by(PostTarget.id))]
    outcomes = publish.publish_targets(pairs)
    assert outcomes == ["published", "published", "deferred_quota", "deferred_quota"]
    db.session.expire_all()
    deferred = [db.session.get(PostTarget, target_id) for target_id, _seq in pairs[2:]]
    uses = sorted(db.session.scalars(select(QuotaUsage.used_at)))
    assert len(uses) == 2
    for target in deferred:  # the earliest time the cap allows: when the first use leaves the 15-minute window
        assert target.state == TargetState.SCHEDULED
        assert target.due_at == uses[0] + timedelta(minutes=15, milliseconds=1)


def test_each_account_in_a_shared_job_is_held_to_its_own_cap(app, factory):
    app.config["WARTA_QUOTAS"] = {"recorder": [{"scope": "account", "window_s": 900, "limit": 2}]}
    pairs = _queued_pairs(factory, 3)
    full = db.session.get(PostTarget, pairs[1][0]).account_id
    for minutes in (10, 5):  # the second account already made its two calls in the window
        db.session.add(QuotaUsage(platform="recorder", account_id=full, kind="post",
                                  used_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()
    assert publish.publish_targets(pairs) == ["published", "deferred_quota", "published"]
    assert _states() == [TargetState.PUBLISHED, TargetState.SCHEDULED, TargetState.PUBLISHED]


@pytest.fixture
def call_limit():
    """Set this process's limit of platform calls in flight (as the worker does); lifted afterwards."""
    yield publish.limit_calls_in_flight
    publish.limit_calls_in_flight(None)


def test_calls_beyond_the_process_limit_wait_for_a_free_slot(app, factory, monkeypatch, call_limit):
    call_limit(2)
    pairs = _queued_pairs(factory, 5)
    lock, in_flight, most = threading.Lock(), [0], [0]
    original = RecordingAdapter.publish

    def count_in_flight(self, job):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.2)  # long enough for every waiting call to try
        with lock:
            in_flight[0] -= 1
        return original(self, job)

    monkeypatch.setattr(RecordingAdapter, "publish", count_in_flight)
    assert publish.publish_targets(pairs) == ["published"] * 5
    assert most[0] == 2


def test_a_call_given_up_before_it_started_is_not_sent_and_goes_out_again(app, factory, monkeypatch, call_limit,
                                                                          tmp_path):
    call_limit(1)
    pairs = _queued_pairs(factory, 2)
    _time_out_while_calls_hang(monkeypatch, pairs, lambda job: True)  # the call with the one slot hangs
    states = _states()
    assert sorted(states) == [TargetState.SCHEDULED, TargetState.UNCONFIRMED]  # the slot went to one of them
    waited = db.session.get(PostTarget, pairs[states.index(TargetState.SCHEDULED)][0])
    assert waited.due_at <= utcnow()  # due again at once: the dispatcher queues it on its next pass
    time.sleep(0.3)  # the hung call, released, finishes (and its answer is ignored)
    markers = [r["marker"] for r in read_records(str(tmp_path / "platform.log"))]
    assert f"warta-{waited.id}" not in markers


def test_a_hold_started_while_a_call_waits_for_a_slot_stops_that_call(app, factory, monkeypatch, call_limit,
                                                                     tmp_path):
    call_limit(1)
    desk = make_desk(factory, accounts=2)
    scheduled_post(factory, desk)
    assert dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)["queued"] == 2
    pairs = [(t.id, t.dispatch_seq) for t in db.session.scalars(select(PostTarget).order_by(PostTarget.id))]
    admin_id, org_id = desk.admin.id, desk.org.id
    original = RecordingAdapter.publish
    holds_started = []

    def first_call_starts_a_hold(self, job):
        if not holds_started:  # the call in flight goes out; the one waiting for the slot must not
            from app.models import Organisation, User
            from app.publishing.holds import start_hold

            holds_started.append(start_hold(db.session.get(User, admin_id), db.session.get(Organisation, org_id),
                                            "everything", "Krisis: banjir").id)
            db.session.commit()
        return original(self, job)

    monkeypatch.setattr(RecordingAdapter, "publish", first_call_starts_a_hold)
    outcomes = publish.publish_targets(pairs)
    assert sorted(outcomes) == ["deferred_not_sent", "published"]
    stopped_id = pairs[outcomes.index("deferred_not_sent")][0]
    assert db.session.get(PostTarget, stopped_id).state == TargetState.SCHEDULED
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)  # the dispatcher applies the hold
    db.session.expire_all()
    assert db.session.get(PostTarget, stopped_id).state == TargetState.HELD
    markers = [r["marker"] for r in read_records(str(tmp_path / "platform.log"))]
    assert markers == [f"warta-{pairs[outcomes.index('published')][0]}"]
