"""End-to-end fixtures: a simulator, the Warta app serving HTTP, and a pipeline driver."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app.extensions import db
from app.models import PostTarget, TargetState
from app.publishing.dispatch import DispatchState, run_pass
from app.redis_conn import get_redis
from tests.e2e.helpers import sim_app  # noqa: F401
from tests.simulator.server import serve_in_background, sim_server  # noqa: F401

T = TargetState
FINAL = {T.PUBLISHED, T.FAILED, T.NEEDS_RECONNECT, T.UNCONFIRMED, T.EXPIRED, T.HELD}


@pytest.fixture
def live_app(sim_app: Flask) -> Iterator[Flask]:  # noqa: F811 - the fixture imported above
    """The Warta app serving HTTP on an ephemeral port; its public URL is that server."""
    server = make_server("127.0.0.1", 0, sim_app, threaded=True)
    thread = serve_in_background(server)
    sim_app.config["WARTA_PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield sim_app
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def pipeline(live_app: Flask) -> Iterator[Callable[..., dict[int, str]]]:
    """`run(target_ids, settled=...)`: dispatcher passes and burst SimpleWorker drains until the targets settle."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from workers import jobs
    from workers.queues import platform_queue_names

    jobs.set_app(live_app)
    state = DispatchState()

    def run(target_ids: list[int], settled: Callable[[list[PostTarget]], bool] | None = None,
            timeout: float = 20.0) -> dict[int, str]:
        settled = settled or (lambda targets: all(t.state in FINAL for t in targets))
        deadline = time.monotonic() + timeout
        while True:
            run_pass(get_redis(), state, do_repair=True)
            SimpleWorker(platform_queue_names(), connection=get_redis(), serializer=JSONSerializer).work(
                burst=True, logging_level="WARNING")
            db.session.expire_all()
            targets = list(db.session.scalars(db.select(PostTarget).where(PostTarget.id.in_(target_ids))))
            if settled(targets):
                return {t.id: t.state for t in targets}
            assert time.monotonic() < deadline, f"targets did not settle: {[(t.id, t.state) for t in targets]}"
            time.sleep(0.1)

    yield run
    jobs.set_app(None)


