"""Periodic maintenance jobs, started by the active dispatcher.

Each job runs at most once per interval across every dispatcher: a Redis key set
with NX and the interval as its expiry is the ticket. The jobs are idempotent
(after a Redis flush one may run early; that is harmless) and go to the
`maintenance` queue, which every `flask --app wsgi worker` also serves.
"""
from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer

from workers.queues import MAINTENANCE_QUEUE


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: str  # dotted path of a thin job in workers.jobs
    every_seconds: int


#: Token refresh well inside the 7-day warning window; the security checklist's API checks daily;
#: audience figures (followers, views per post) four times a day.
PERIODIC_JOBS = (
    PeriodicJob("refresh_tokens", "workers.jobs.refresh_tokens", 3600),
    PeriodicJob("verify_accounts", "workers.jobs.verify_accounts", 24 * 3600),
    PeriodicJob("collect_audience", "workers.jobs.collect_audience", 6 * 3600),  # activity dashboard figures
    # Instagram collaborator invites: accepted / declined, asked hourly for 14 days after publishing.
    PeriodicJob("collaborator_invites", "workers.jobs.poll_collaborator_invites", 3600),
)


def enqueue_due(redis: Redis, jobs: tuple[PeriodicJob, ...] = PERIODIC_JOBS) -> list[str]:
    """Enqueue every periodic job whose interval has passed; returns the names enqueued."""
    queue = Queue(MAINTENANCE_QUEUE, connection=redis, serializer=JSONSerializer)
    started = []
    for job in jobs:
        if redis.set(f"warta:periodic:{job.name}", "1", nx=True, ex=job.every_seconds):
            queue.enqueue(job.func, job_timeout=900, result_ttl=3600, failure_ttl=7 * 24 * 3600)
            started.append(job.name)
    return started
