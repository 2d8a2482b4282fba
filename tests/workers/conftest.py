from __future__ import annotations

import pytest


@pytest.fixture
def app_config(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("WARTA_RECORDER_LOG", str(tmp_path / "platform.log"))
    app_config["WARTA_EXTRA_ADAPTERS"] = "tests.pipeline_adapters:RecordingAdapter"
    return app_config


@pytest.fixture
def run_jobs(app):
    """Drain the queues in-process with an RQ SimpleWorker (burst), as a worker would."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from app.redis_conn import get_redis
    from workers import jobs
    from workers.queues import platform_queue_names

    jobs.set_app(app)

    def drain() -> None:
        SimpleWorker(platform_queue_names(), connection=get_redis(), serializer=JSONSerializer).work(
            burst=True, logging_level="WARNING")

    yield drain
    jobs.set_app(None)
