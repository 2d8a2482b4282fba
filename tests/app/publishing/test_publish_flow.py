from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import AuditEvent, PostTarget, TargetState, utcnow
from app.publishing import dispatch
from app.redis_conn import get_redis
from tests.app.publishing.helpers import make_desk, scheduled_post
from tests.pipeline_adapters import read_records


def test_due_target_is_published_once(app, factory, run_jobs, tmp_path):
    desk = make_desk(factory, accounts=2)
    post = scheduled_post(factory, desk)
    assert post.state == "scheduled"
    state = dispatch.DispatchState()
    counts = dispatch.run_pass(get_redis(), state, do_repair=True)
    assert counts["queued"] == 2
    assert dispatch.run_pass(get_redis(), state, do_repair=True)["queued"] == 0
    run_jobs()
    db.session.expire_all()
    targets = db.session.query(PostTarget).all()
    assert {t.state for t in targets} == {TargetState.PUBLISHED}
    assert all(t.dispatch_seq == 1 for t in targets)
    records = read_records(str(tmp_path / "platform.log"))
    assert sorted(r["marker"] for r in records) == sorted(f"warta-{t.id}" for t in targets)
    assert db.session.query(AuditEvent).filter_by(action="target.published").count() == 2


def test_future_target_is_not_enqueued_early(app, factory, run_jobs):
    desk = make_desk(factory)
    scheduled_post(factory, desk, when=utcnow() + timedelta(minutes=5))
    assert dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=True)["queued"] == 0
    wake = dispatch.next_wake(utcnow(), timedelta(hours=1))
    assert timedelta(minutes=4) < wake - utcnow() <= timedelta(minutes=5)
