"""Periodic maintenance: each job is enqueued once per interval, and a worker runs it in an app context."""
from __future__ import annotations

from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from app.redis_conn import get_redis
from workers import jobs, periodic
from workers.queues import MAINTENANCE_QUEUE, worker_queue_names


def test_each_periodic_job_is_enqueued_once_per_interval(app):
    redis = get_redis()
    assert periodic.enqueue_due(redis) == ["refresh_tokens", "verify_accounts", "collect_audience",
                                           "collaborator_invites"]
    assert periodic.enqueue_due(redis) == []  # a second dispatcher pass (or dispatcher) starts nothing
    queue = Queue(MAINTENANCE_QUEUE, connection=redis, serializer=JSONSerializer)
    assert [job.func_name for job in queue.jobs] == ["workers.jobs.refresh_tokens", "workers.jobs.verify_accounts",
                                                     "workers.jobs.collect_audience",
                                                     "workers.jobs.poll_collaborator_invites"]
    assert MAINTENANCE_QUEUE in worker_queue_names()


def test_worker_runs_the_maintenance_jobs(app, factory):
    factory.account(factory.org(), "instagram")
    redis = get_redis()
    periodic.enqueue_due(redis)
    jobs.set_app(app)
    try:
        queue = Queue(MAINTENANCE_QUEUE, connection=redis, serializer=JSONSerializer)
        finished = [job.id for job in queue.jobs]
        SimpleWorker([queue], connection=redis, serializer=JSONSerializer).work(burst=True, logging_level="WARNING")
        results = [queue.fetch_job(job_id).return_value() for job_id in finished]
    finally:
        jobs.set_app(None)
    assert all(isinstance(result, dict) for result in results), results
