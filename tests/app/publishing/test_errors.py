"""Typed adapter errors → target states; worker death → unconfirmed → reconciled."""
from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.base import AuthExpired, OutcomeUnknown, Permanent, RateLimited, Transient
from app.extensions import db
from app.models import AccountStatus, PostTarget, TargetState, utcnow
from app.publishing import dispatch
from app.redis_conn import get_redis
from tests.app.publishing.helpers import make_desk, scheduled_post
from tests.pipeline_adapters import RecordingAdapter

REAL_PUBLISH = RecordingAdapter.publish


def _publish_with(monkeypatch, app, factory, run_jobs, error):
    def fail(self, job):
        raise error

    monkeypatch.setattr(RecordingAdapter, "publish", fail)
    desk = make_desk(factory)
    post = scheduled_post(factory, desk)
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    run_jobs()
    db.session.expire_all()
    return db.session.get(PostTarget, post.targets[0].id)


def test_rate_limited_requeues_at_reset(app, factory, run_jobs, monkeypatch):
    reset = utcnow() + timedelta(minutes=7)
    target = _publish_with(monkeypatch, app, factory, run_jobs, RateLimited("429", retry_at=reset))
    assert target.state == TargetState.SCHEDULED
    assert abs((target.due_at - reset).total_seconds()) < 0.01


def test_transient_backs_off_then_fails(app, factory, run_jobs, monkeypatch):
    target = _publish_with(monkeypatch, app, factory, run_jobs, Transient("502", platform_message="Bad gateway"))
    assert target.state == TargetState.SCHEDULED
    assert timedelta(seconds=14) < target.due_at - utcnow() <= timedelta(seconds=31)
    target.attempts = 5
    target.state, target.due_at = TargetState.SCHEDULED, utcnow()
    db.session.commit()
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    run_jobs()
    db.session.expire_all()
    target = db.session.get(PostTarget, target.id)
    assert target.state == TargetState.FAILED and "Bad gateway" in target.last_error


def test_auth_expired_flags_account(app, factory, run_jobs, monkeypatch):
    target = _publish_with(monkeypatch, app, factory, run_jobs, AuthExpired("401", platform_message="Token revoked"))
    assert target.state == TargetState.NEEDS_RECONNECT
    assert target.account.status == AccountStatus.NEEDS_RECONNECT
    assert "Token revoked" in target.last_error


def test_permanent_fails_with_platform_message(app, factory, run_jobs, monkeypatch):
    target = _publish_with(monkeypatch, app, factory, run_jobs, Permanent("400", platform_message="Text too long"))
    assert target.state == TargetState.FAILED and "Text too long" in target.last_error


@pytest.mark.parametrize("found", [True, False])
def test_unknown_outcome_is_reconciled(app, factory, run_jobs, monkeypatch, found):
    app.config["WARTA_RECONCILE_GRACE_SECONDS"] = 0
    target = _publish_with(monkeypatch, app, factory, run_jobs, OutcomeUnknown("timeout after send"))
    assert target.state == TargetState.UNCONFIRMED
    assert "check the account" in target.last_error or "periksa" in target.last_error.lower()
    monkeypatch.setattr(RecordingAdapter, "publish", REAL_PUBLISH)
    if found:  # the call did go out before the outcome was lost
        monkeypatch.setattr(RecordingAdapter, "find_published", lambda self, job: REAL_PUBLISH(self, job))
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=True)
    run_jobs()  # the reconcile job, then (when absent) the new publish job
    db.session.expire_all()
    target = db.session.get(PostTarget, target.id)
    assert target.state == TargetState.PUBLISHED
    assert target.dispatch_seq == (2 if found else 3)


def test_unapproved_post_expires_at_its_time(app, factory):
    desk = make_desk(factory)
    post = factory.post(desk.org, desk.author, scheduled_at=utcnow() - timedelta(seconds=1))
    db.session.add(PostTarget(post=post, account_id=desk.accounts[0].id))
    db.session.commit()
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    db.session.expire_all()
    assert post.targets[0].state == TargetState.EXPIRED


def test_live_quota_reading_defers(app, factory, run_jobs, monkeypatch):
    used_up = {"used": 50, "total": 50, "window_seconds": 86400}  # adapters.base publishing_quota contract
    monkeypatch.setattr(RecordingAdapter, "publishing_quota", lambda self, account: used_up, raising=False)
    desk = make_desk(factory)
    post = scheduled_post(factory, desk)
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    run_jobs()
    db.session.expire_all()
    target = db.session.get(PostTarget, post.targets[0].id)
    assert target.state == TargetState.SCHEDULED
    assert target.due_at > utcnow() + timedelta(minutes=14)
