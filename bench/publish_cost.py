"""publish_cost: CPU time and SQL statements of one publish job, measured in this process.

The burst benchmarks measure throughput with real worker processes, which on a shared machine
swings with everyone else's load. This one calls `publish_target` directly for 300 queued
targets (PostgreSQL, zero-latency recording adapter) and reports this process's CPU per
publish and the statements one publish sends: numbers that move with the code, not the load.
"""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import event, select, update

from bench.pipeline_env import BenchEnv

COUNT = 300


def run() -> dict:
    env = BenchEnv("publish_cost", "tests.pipeline_adapters:RecordingAdapter")
    try:
        from app.extensions import db
        from app.models import PostTarget, utcnow
        from app.publishing.publish import publish_target

        org_id, reviewer_id, accounts = env.seed_accounts("recorder", 20)
        env.seed_targets(org_id, reviewer_id, accounts, [utcnow() - timedelta(seconds=5)] * COUNT)
        db.session.execute(update(PostTarget).values(state="queued", dispatch_seq=1))
        db.session.commit()
        ids = db.session.scalars(select(PostTarget.id).order_by(PostTarget.id)).all()
        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany) -> None:
            statements.append(statement)

        publish_target(ids[0], 1)  # warm up (imports, prepared statements)
        db.session.remove()
        event.listen(db.engine, "before_cursor_execute", count)
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        outcomes = []
        for target_id in ids[1:]:
            outcomes.append(publish_target(target_id, 1))
            db.session.remove()
        cpu = time.process_time() - cpu_started
        wall = time.perf_counter() - wall_started
        event.remove(db.engine, "before_cursor_execute", count)
        measured = len(ids) - 1
        return {
            "bench": "publish_cost",
            "publishes": measured,
            "published": outcomes.count("published"),
            "cpu_ms_per_publish": round(1000 * cpu / measured, 2),
            "wall_ms_per_publish": round(1000 * wall / measured, 2),
            "sql_statements_per_publish": round(len(statements) / measured, 2),
            "adapter": "zero-latency recording test adapter, in this process",
        }
    finally:
        env.close()
