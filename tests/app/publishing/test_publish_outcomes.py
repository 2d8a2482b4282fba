"""Recording a publish outcome: one conditional UPDATE per outcome, audited once, and the SQL cost of a publish."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from adapters.base import AuthExpired, OutcomeUnknown, Permanent, RateLimited, Transient
from app.extensions import db
from app.models import AuditEvent, PostTarget, TargetState, utcnow
from app.publishing import dispatch
from app.redis_conn import get_redis
from tests.app.publishing.helpers import make_desk, scheduled_post
from tests.pipeline_adapters import RecordingAdapter

#: SQL statements one successful publish costs (claim + re-checks, then the outcome with its
#: notifications to the admin and the author). A regression guard that does not depend on timing:
#: when a change adds a statement on purpose, update the number and say why in the commit.
#: SQLite inserts the two notification rows one by one, PostgreSQL in one statement.
#: (Before the outcome UPDATEs and the per-job organisation cache: 23 on PostgreSQL.)
STATEMENTS_PER_PUBLISH = {"postgresql": 14, "sqlite": 14}


@contextmanager
def counted_statements():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split())[:90])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _queue_one(factory, **post_fields):
    desk = make_desk(factory)
    post = scheduled_post(factory, desk, **post_fields)
    assert dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)["queued"] == 1
    return desk, post.targets[0].id


def _target_audit(target_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "PostTarget", AuditEvent.object_id == str(target_id)).order_by(AuditEvent.id)))


def test_one_publish_costs_a_fixed_number_of_statements(app, factory, run_jobs):
    _queue_one(factory)
    with counted_statements() as statements:
        run_jobs()
    db.session.expire_all()
    assert db.session.scalar(select(PostTarget.state)) == TargetState.PUBLISHED
    expected = STATEMENTS_PER_PUBLISH[db.engine.dialect.name]
    assert len(statements) == expected, "\n".join(statements)


@pytest.mark.parametrize(("error", "state"), [
    (RateLimited("429", retry_at=utcnow() + timedelta(minutes=5)), TargetState.SCHEDULED),
    (Transient("502", platform_message="Bad gateway"), TargetState.SCHEDULED),
    (AuthExpired("401", platform_message="Token revoked"), TargetState.NEEDS_RECONNECT),
    (Permanent("400", platform_message="Text too long"), TargetState.FAILED),
    (OutcomeUnknown("timeout after send"), TargetState.UNCONFIRMED),
    (None, TargetState.PUBLISHED),
])
def test_each_outcome_moves_once_and_is_audited_once(app, factory, run_jobs, monkeypatch, error, state):
    if error is not None:
        def fail(self, job):
            raise error

        monkeypatch.setattr(RecordingAdapter, "publish", fail)
    _desk, target_id = _queue_one(factory)
    run_jobs()
    db.session.expire_all()
    target = db.session.get(PostTarget, target_id)
    assert target.state == state
    moves = [(e.action, e.before["state"], e.after["state"]) for e in _target_audit(target_id)]
    assert moves[-2:] == [("target.publishing", "queued", "publishing"), (f"target.{state}", "publishing", state)]
    assert _target_audit(target_id)[-1].organisation_id == target.post.organisation_id


def test_deferral_past_the_deadline_expires_and_tells_the_author(app, factory, run_jobs, monkeypatch):
    def rate_limited(self, job):
        raise RateLimited("429", retry_at=utcnow() + timedelta(hours=3))

    monkeypatch.setattr(RecordingAdapter, "publish", rate_limited)
    emitted = []
    monkeypatch.setattr("app.publishing.publish.emit", lambda name, **kw: emitted.append((name, kw)))
    _desk, target_id = _queue_one(factory, not_after=utcnow() + timedelta(minutes=30))
    run_jobs()
    db.session.expire_all()
    target = db.session.get(PostTarget, target_id)
    assert target.state == TargetState.EXPIRED
    assert [name for name, _kw in emitted] == ["target.expired"]
    assert emitted[0][1]["author_id"] == target.post.author_id
    assert emitted[0][1]["reason"] == "rate_limited_past_deadline"


def test_an_outcome_for_a_target_that_moved_on_is_not_recorded(app, factory, run_jobs, monkeypatch):
    """A person (or the dispatcher) moved the target while the platform call ran: nothing is overwritten."""
    def publish_while_moved(self, job):
        db.session.execute(update(PostTarget).where(PostTarget.id == job.target_id)
                           .values(dispatch_seq=PostTarget.dispatch_seq + 1))
        db.session.commit()
        raise Permanent("400", platform_message="late answer")

    monkeypatch.setattr(RecordingAdapter, "publish", publish_while_moved)
    _desk, target_id = _queue_one(factory)
    from app.publishing.publish import publish_target

    seq = db.session.get(PostTarget, target_id).dispatch_seq
    assert publish_target(target_id, seq) == "lost_race"
    db.session.expire_all()
    target = db.session.get(PostTarget, target_id)
    assert target.state == TargetState.PUBLISHING and target.last_error is None
    assert [e.action for e in _target_audit(target_id)][-1] == "target.publishing"


def test_an_unconfirmed_target_the_platform_cannot_be_asked_about_fails_after_the_cap(
        app, factory, run_jobs, monkeypatch):
    app.config["WARTA_RECONCILE_MAX_ATTEMPTS"] = 3

    def unknown(self, job):
        raise OutcomeUnknown("timeout after send")

    def cannot_ask(self, job):
        raise Transient("503", platform_message="Service Unavailable")

    monkeypatch.setattr(RecordingAdapter, "publish", unknown)
    monkeypatch.setattr(RecordingAdapter, "find_published", cannot_ask)
    emitted = []
    monkeypatch.setattr("app.publishing.publish.emit", lambda name, **kw: emitted.append(name))
    _desk, target_id = _queue_one(factory)
    run_jobs()
    from app.publishing.publish import reconcile_target

    seq = db.session.get(PostTarget, target_id).dispatch_seq
    assert [reconcile_target(target_id, seq) for _ in range(3)] == ["unresolved", "unresolved", "unresolved_failed"]
    db.session.expire_all()
    target = db.session.get(PostTarget, target_id)
    assert target.state == TargetState.FAILED and target.reconcile_attempts == 3
    assert "Service Unavailable" in target.last_error and "Periksa akun" in target.last_error
    assert emitted == ["target.unconfirmed", "target.failed"]  # the author is told
    last = _target_audit(target_id)[-1]
    assert (last.action, last.before, last.after["reason"]) == ("target.failed", {"state": "unconfirmed"},
                                                               "reconcile_exhausted")
    assert reconcile_target(target_id, seq) == "stale"


def test_a_new_unknown_outcome_starts_the_count_again(app, factory, run_jobs, monkeypatch):
    monkeypatch.setattr(RecordingAdapter, "publish", lambda self, job: (_ for _ in ()).throw(OutcomeUnknown("t")))
    _desk, target_id = _queue_one(factory)
    db.session.execute(update(PostTarget).where(PostTarget.id == target_id).values(reconcile_attempts=7))
    db.session.commit()
    run_jobs()
    db.session.expire_all()
    target = db.session.get(PostTarget, target_id)
    assert target.state == TargetState.UNCONFIRMED and target.reconcile_attempts == 0
