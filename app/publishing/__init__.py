"""The publishing pipeline: post and target lifecycle, holds, quotas, the publish step, health.

The state machines live in `lifecycle` (docs/PIPELINE.md lists every transition);
the RQ side (dispatcher, worker, thin jobs) lives in the top-level `workers` package.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the pipeline into the app: dispatcher wake-ups, hold banner, routes, metrics."""
    from app.publishing import holds, notify, views

    notify.init_app(app)
    holds.init_app(app)
    views.init_app(app)
