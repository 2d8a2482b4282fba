"""The dispatcher's repair: a job a dying worker popped but never started is found and queued again."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import PostTarget, TargetState
from app.publishing import dispatch
from app.redis_conn import get_redis
from tests.app.publishing.helpers import make_desk, scheduled_post
from tests.pipeline_adapters import read_records


def test_a_job_popped_by_a_dead_worker_is_queued_again_once(app, factory, run_jobs, tmp_path):
    desk = make_desk(factory)
    post = scheduled_post(factory, desk)
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    target = db.session.get(PostTarget, post.targets[0].id)
    job_id = f"publish-{target.id}-{target.dispatch_seq}"
    # What BLPOP across several queues does just before its worker is SIGKILLed: the job leaves every
    # list and its status stays "queued".
    assert get_redis().lrem("rq:queue:publish-recorder", 0, job_id) == 1
    state = dispatch.DispatchState()
    later = dispatch.utcnow() + timedelta(minutes=1)
    assert dispatch.repair(get_redis(), state, later)["requeued"] == 0  # once could be a worker starting it
    assert dispatch.repair(get_redis(), state, later + timedelta(seconds=2))["requeued"] == 1
    run_jobs()
    db.session.expire_all()
    target = db.session.get(PostTarget, target.id)
    assert target.state == TargetState.PUBLISHED and target.dispatch_seq == 2
    assert [r["marker"] for r in read_records(str(tmp_path / "platform.log"))] == [f"warta-{target.id}"]


def test_a_job_waiting_in_its_queue_is_left_alone(app, factory):
    desk = make_desk(factory)
    scheduled_post(factory, desk)
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    state = dispatch.DispatchState()
    later = dispatch.utcnow() + timedelta(minutes=1)
    for step in range(3):
        assert dispatch.repair(get_redis(), state, later + timedelta(seconds=2 * step))["requeued"] == 0


def test_a_claim_older_than_any_job_may_run_becomes_unconfirmed_even_with_its_worker_alive(app, factory):
    desk = make_desk(factory)
    post = scheduled_post(factory, desk)
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    target = db.session.get(PostTarget, post.targets[0].id)
    target.state, target.claimed_by, target.claimed_at = TargetState.PUBLISHING, "host|4242|0", dispatch.utcnow()
    db.session.commit()
    get_redis().set(f"{dispatch.ALIVE_PREFIX}host|4242", "1")  # the worker is alive, its job ended unrecorded
    state = dispatch.DispatchState()
    within = target.claimed_at + dispatch.longest_job() - timedelta(seconds=1)
    assert dispatch.repair(get_redis(), state, within)["unconfirmed"] == 0
    assert dispatch.repair(get_redis(), state, within + timedelta(seconds=2))["unconfirmed"] == 1
    db.session.expire_all()
    assert db.session.get(PostTarget, target.id).state == TargetState.UNCONFIRMED
