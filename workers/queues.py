"""RQ queues: one per platform, JSON serializer, explicit connection, deterministic job ids.

A job id is `publish-<target id>-<dispatch_seq>` (or `reconcile-...`, `native-...`). `dispatch_seq`
grows by one in the same database update that hands the target to the queue, so an
id is never reused: RQ runs a re-used id twice (RQ.md "Ids and exactly-once").

A burst shares jobs: when many targets of one platform come due together, one publish job
carries up to `WARTA_PUBLISH_BATCH_MAX` of them (RQ's own cost, ~16 Redis round trips, is paid
once per job), keeping at least `WARTA_PUBLISH_BURST_MIN_JOBS` jobs so every worker thread gets work.
Such a job is named after its first target; `in-job:<target>-<seq>` keys (written in the same
pipeline) name it for the others, so the dispatcher's repair finds every target's job.
"""
from __future__ import annotations

from collections.abc import Iterable
from itertools import zip_longest

from flask import current_app
from rq import Queue
from rq.serializers import JSONSerializer

from app.redis_conn import get_redis

PUBLISH_FUNC = "workers.jobs.publish_targets"
MAINTENANCE_QUEUE = "maintenance"  # periodic jobs (workers/periodic.py)
RECONCILE_FUNC = "workers.jobs.reconcile_target"
NATIVE_FUNC = "workers.jobs.native_target"  # natively scheduled targets: cancel, update, confirm
IN_JOB_PREFIX = "warta:in-job:"


def queue_name(platform: str) -> str:
    return f"publish-{platform}"


def get_queue(platform: str) -> Queue:
    return Queue(queue_name(platform), connection=get_redis(), serializer=JSONSerializer)


def job_id(kind: str, target_id: int, seq: int) -> str:
    return f"{kind}-{target_id}-{seq}"


def _job_options() -> dict:
    config = current_app.config
    return {
        "timeout": int(config.get("WARTA_PUBLISH_TIMEOUT", 120)),
        "result_ttl": 600,  # RQ keeps finished jobs 500 s by default; say it explicitly
        "failure_ttl": 7 * 24 * 3600,  # RQ's default is a year
    }


def batch_size(count: int) -> int:
    """Targets per publish job when `count` of one platform are due together: 1 unless it is a burst."""
    config = current_app.config
    min_jobs = max(1, int(config.get("WARTA_PUBLISH_BURST_MIN_JOBS", 64)))
    return max(1, min(int(config.get("WARTA_PUBLISH_BATCH_MAX", 1)), count // min_jobs))


def job_ids_of(redis, pairs: list[tuple[int, int]]) -> list[str]:
    """The publish job that carries each (target id, seq): its own, or the shared job that names it."""
    pipe = redis.pipeline(transaction=False)
    for target_id, seq in pairs:
        pipe.get(f"{IN_JOB_PREFIX}{target_id}-{seq}")
    shared = pipe.execute() if pairs else []
    return [jid.decode() if jid else job_id("publish", target_id, seq)
            for (target_id, seq), jid in zip(pairs, shared, strict=True)]


def _chunks(pairs: list[tuple[int, int]], size: int, account_of: dict[int, int] | None) -> list[list[tuple[int, int]]]:
    """Split into jobs of `size`. With `account_of`, a full job holds one account's targets and the
    full jobs take the accounts in turn, so the jobs workers claim at the same time lock different
    accounts for their quota checks (and no account's posts all wait behind another's); what is
    left of each account shares the last jobs."""
    if size == 1 or account_of is None:
        return [pairs[start:start + size] for start in range(0, len(pairs), size)]
    by_account: dict[int, list[tuple[int, int]]] = {}
    for pair in pairs:
        by_account.setdefault(account_of.get(pair[0], 0), []).append(pair)
    full, rest = [], []
    for group in by_account.values():
        cut = len(group) - len(group) % size
        full.append([group[i:i + size] for i in range(0, cut, size)])
        rest.extend(group[cut:])
    chunks = [chunk for turn in zip_longest(*full) for chunk in turn if chunk is not None]
    return chunks + [rest[start:start + size] for start in range(0, len(rest), size)]


def enqueue_publish(items: Iterable[tuple[int, int, str]], kind: str = "publish",
                    account_of: dict[int, int] | None = None) -> int:
    """Enqueue (target id, seq, platform) triples in one pipeline; returns how many targets.

    Publish jobs take a list of [target id, seq] pairs (several in a burst, grouped by account when
    `account_of` maps target ids to accounts); reconcile and native jobs take one target each.
    """
    by_platform: dict[str, list[tuple[int, int]]] = {}
    for target_id, seq, platform in items:
        by_platform.setdefault(platform, []).append((target_id, seq))
    options = _job_options()
    count = 0
    redis = get_redis()
    with redis.pipeline() as pipe:
        for platform, pairs in by_platform.items():
            datas = []
            size = batch_size(len(pairs)) if kind == "publish" else 1
            for chunk in _chunks(pairs, size, account_of):
                jid = job_id(kind, *chunk[0])
                if kind == "publish":
                    for target_id, seq in chunk[1:]:
                        pipe.set(f"{IN_JOB_PREFIX}{target_id}-{seq}", jid, ex=7 * 24 * 3600)
                    args: tuple = ([list(pair) for pair in chunk],)
                    description = f"publish targets {', '.join(str(t) for t, _s in chunk)}"
                else:
                    args, description = chunk[0], f"{kind} target {chunk[0][0]}"
                datas.append(Queue.prepare_data(
                    {"reconcile": RECONCILE_FUNC, "native": NATIVE_FUNC}.get(kind, PUBLISH_FUNC), args=args,
                    job_id=jid, description=description,
                    **dict(options, timeout=options["timeout"] * len(chunk))))
            get_queue(platform).enqueue_many(datas, pipeline=pipe)
            count += len(pairs)
        pipe.execute()
    return count


def worker_queue_names() -> list[str]:
    """What `flask --app wsgi worker` serves by default: every platform queue, then maintenance."""
    return [*platform_queue_names(), MAINTENANCE_QUEUE]


def platform_queue_names() -> list[str]:
    import adapters

    return [queue_name(slug) for slug in sorted(adapters.adapter_classes())]
