"""The two publish hooks, called from exactly one place in `publish.publish_target`.

`before_publish(job)` may veto a publish by returning a message (the target fails
with it); `after_publish(job, result)` is told about each success. Until the plugin
system wires them to pluggy hooks of the same names, listeners are plain callables
kept on the app (`add_before_publish`, `add_after_publish`).
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from adapters.base import PublishJob, PublishResult

BeforePublish = Callable[[PublishJob], str | None]
AfterPublish = Callable[[PublishJob, PublishResult], None]


def add_before_publish(app: Flask, listener: BeforePublish) -> None:
    app.extensions.setdefault("warta_before_publish", []).append(listener)


def add_after_publish(app: Flask, listener: AfterPublish) -> None:
    app.extensions.setdefault("warta_after_publish", []).append(listener)


def before_publish(job: PublishJob) -> str | None:
    """The first veto message from a listener, or None to go ahead."""
    for listener in current_app.extensions.get("warta_before_publish", []):
        veto = listener(job)
        if veto:
            return veto
    return None


def after_publish(job: PublishJob, result: PublishResult) -> None:
    for listener in current_app.extensions.get("warta_after_publish", []):
        listener(job, result)
