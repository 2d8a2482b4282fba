"""The security checklist's publish gate inside the pipeline: blocked accounts are held, then released."""
from __future__ import annotations

from datetime import timedelta

from app.events import emit
from app.extensions import db
from app.models import PostTarget, TargetState, utcnow
from app.publishing import dispatch, holds
from app.redis_conn import get_redis
from app.security import gate
from tests.app.publishing.helpers import make_desk, scheduled_post
from tests.pipeline_adapters import read_records


def _overdue_and_blocked(desk) -> None:
    account = desk.accounts[0]
    account.created_at = utcnow() - timedelta(days=30)  # every critical checklist item is overdue
    desk.org.settings = {**(desk.org.settings or {}), gate.POLICY_KEY: "block"}
    db.session.commit()


def test_blocked_account_is_held_with_the_reason_and_released_by_the_gate(app, factory, run_jobs, tmp_path):
    desk = make_desk(factory)
    _overdue_and_blocked(desk)
    scheduled_post(factory, desk)
    assert dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=True)["queued"] == 1
    run_jobs()
    db.session.expire_all()
    target = db.session.query(PostTarget).one()
    assert target.state == TargetState.HELD
    assert target.last_error.startswith("Daftar periksa keamanan")  # the author sees why
    assert read_records(str(tmp_path / "platform.log")) == []  # nothing reached the platform

    desk.org.settings = {**desk.org.settings, gate.POLICY_KEY: "warn"}
    emit("security.gate_released", organisation_id=desk.org.id, account_id=desk.accounts[0].id)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(PostTarget, target.id).state == TargetState.SCHEDULED
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=True)
    run_jobs()
    db.session.expire_all()
    assert db.session.get(PostTarget, target.id).state == TargetState.PUBLISHED
    assert len(read_records(str(tmp_path / "platform.log"))) == 1


def test_gate_release_leaves_crisis_held_targets_alone(app, factory, run_jobs):
    desk = make_desk(factory)
    scheduled_post(factory, desk)
    holds.start_hold(desk.admin, desk.org, "organisation", "Banjir: semua unggahan ditahan")
    db.session.commit()
    db.session.expire_all()
    target = db.session.query(PostTarget).one()
    assert target.state == TargetState.HELD
    assert holds.release_security_gate(desk.accounts[0].id) == 0
    db.session.expire_all()
    assert db.session.get(PostTarget, target.id).state == TargetState.HELD
