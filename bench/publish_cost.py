"""publish_cost: CPU time and SQL statements of one publish job, measured in this process.

The burst benchmarks measure throughput with real worker processes, which on a shared machine
swings with everyone else's load. This one publishes 300 queued targets directly (PostgreSQL,
zero-latency recording adapter), once as one-target jobs (`publish_target`) and once as the
shared jobs of a burst (`publish_targets`, `WARTA_PUBLISH_BATCH_MAX` targets each), and reports
this process's CPU per publish and the statements per publish: numbers that move with the code,
not the load.
"""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import event, select, update

from bench.pipeline_env import BenchEnv

COUNT = 300


def _measure(ids: list[int], batch: int) -> dict:
    from app.extensions import db
    from app.publishing.publish import publish_targets

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    jobs = [[(target_id, 1) for target_id in ids[i:i + batch]] for i in range(0, len(ids), batch)]
    event.listen(db.engine, "before_cursor_execute", count)
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    outcomes = []
    for pairs in jobs:
        outcomes.extend(publish_targets(pairs))
        db.session.remove()
    cpu = time.process_time() - cpu_started
    wall = time.perf_counter() - wall_started
    event.remove(db.engine, "before_cursor_execute", count)
    return {"publishes": len(ids), "published": outcomes.count("published"),
            "cpu_ms_per_publish": round(1000 * cpu / len(ids), 2),
            "wall_ms_per_publish": round(1000 * wall / len(ids), 2),
            "sql_statements_per_publish": round(len(statements) / len(ids), 2)}


def run() -> dict:
    env = BenchEnv("publish_cost", "tests.pipeline_adapters:RecordingAdapter")
    try:
        from app.extensions import db
        from app.models import PostTarget, utcnow
        from app.publishing.publish import publish_target

        org_id, reviewer_id, accounts = env.seed_accounts("recorder", 20)
        env.seed_targets(org_id, reviewer_id, accounts, [utcnow() - timedelta(seconds=5)] * (2 * COUNT + 1))
        db.session.execute(update(PostTarget).values(state="queued", dispatch_seq=1))
        db.session.commit()
        ids = db.session.scalars(select(PostTarget.id).order_by(PostTarget.id)).all()
        publish_target(ids[0], 1)  # warm up (imports, prepared statements)
        db.session.remove()
        batch = int(env.app.config["WARTA_PUBLISH_BATCH_MAX"])
        single = _measure(ids[1:COUNT + 1], 1)
        shared = _measure(ids[COUNT + 1:], batch)
        return {
            "bench": "publish_cost",
            **single,
            "shared_jobs": {"targets_per_job": batch, **shared},
            "adapter": "zero-latency recording test adapter, in this process",
        }
    finally:
        env.close()
