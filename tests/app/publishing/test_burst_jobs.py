"""A burst shares publish jobs (workers/queues.py): every target still published exactly once,
and the dispatcher's repair finds the shared job of every target."""
from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from app.extensions import db
from app.models import PostTarget, TargetState
from app.publishing import dispatch
from app.redis_conn import get_redis
from tests.app.publishing.helpers import make_desk, scheduled_post
from tests.pipeline_adapters import read_records
from workers import queues


@pytest.fixture
def small_bursts(app):
    """Seven targets count as a burst: at most three per job, at least two jobs."""
    app.config["WARTA_PUBLISH_BURST_MIN_JOBS"] = 2
    app.config["WARTA_PUBLISH_BATCH_MAX"] = 3


def _jobs() -> list:
    queue = Queue("publish-recorder", connection=get_redis(), serializer=JSONSerializer)
    return [queue.fetch_job(jid) for jid in queue.job_ids]


def test_batch_size_is_one_unless_a_burst(app):
    app.config["WARTA_PUBLISH_BATCH_MAX"] = 8
    assert [queues.batch_size(n) for n in (1, 63, 127, 128, 300, 5000)] == [1, 1, 1, 2, 4, 8]
    app.config["WARTA_PUBLISH_BATCH_MAX"] = 1
    assert queues.batch_size(5000) == 1


def test_a_burst_shares_jobs_and_publishes_each_target_once(app, factory, run_jobs, small_bursts, tmp_path):
    desk = make_desk(factory, accounts=7)
    scheduled_post(factory, desk)
    assert dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)["queued"] == 7
    jobs = _jobs()
    assert sorted(len(job.args[0]) for job in jobs) == [1, 3, 3]
    targets = db.session.query(PostTarget).order_by(PostTarget.id).all()
    job_of = dict(zip([t.id for t in targets], queues.job_ids_of(get_redis(), [(t.id, t.dispatch_seq)
                                                                                for t in targets]), strict=True))
    for job in jobs:  # every target's lookup names the job that carries it
        assert {job_of[target_id] for target_id, _seq in job.args[0]} == {job.id}
    run_jobs()
    db.session.expire_all()
    assert {t.state for t in db.session.query(PostTarget)} == {TargetState.PUBLISHED}
    markers = [r["marker"] for r in read_records(str(tmp_path / "platform.log"))]
    assert sorted(markers) == sorted(f"warta-{t.id}" for t in targets)


def test_repair_requeues_the_targets_of_a_shared_job_that_vanished(app, factory, run_jobs, small_bursts, tmp_path):
    desk = make_desk(factory, accounts=7)
    scheduled_post(factory, desk)
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    lost = next(job for job in _jobs() if len(job.args[0]) == 3)
    lost_ids = {target_id for target_id, _seq in lost.args[0]}
    lost.delete()  # as if Redis lost it
    later = dispatch.utcnow() + timedelta(minutes=1)  # past the repair grace
    counts = dispatch.repair(get_redis(), dispatch.DispatchState(), later)
    assert counts["requeued"] == 3
    db.session.expire_all()
    seqs = {t.id: t.dispatch_seq for t in db.session.query(PostTarget)}
    assert {t for t, seq in seqs.items() if seq == 2} == lost_ids
    run_jobs()
    db.session.expire_all()
    assert {t.state for t in db.session.query(PostTarget)} == {TargetState.PUBLISHED}
    markers = [r["marker"] for r in read_records(str(tmp_path / "platform.log"))]
    assert sorted(markers) == sorted(f"warta-{t}" for t in seqs)  # none twice, none lost


def test_a_burst_groups_each_accounts_targets_and_takes_the_accounts_in_turn():
    account_of = {t: "a" if t < 10 else "b" if t < 20 else "c" for t in range(22)}
    pairs = [(t, 1) for t in range(22)]
    chunks = queues._chunks(pairs, 4, account_of)
    accounts = [{account_of[t] for t, _seq in chunk} for chunk in chunks]
    # Full jobs hold one account each, the accounts alternating; the leftovers (2 + 2 + 2) share the last jobs.
    assert accounts[:4] == [{"a"}, {"b"}, {"a"}, {"b"}]
    assert [len(chunk) for chunk in chunks] == [4, 4, 4, 4, 4, 2]
    assert sorted(pair for chunk in chunks for pair in chunk) == pairs  # every target once
    assert queues._chunks(pairs, 4, None)[0] == pairs[:4]
