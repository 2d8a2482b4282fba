"""The plugin hooks around a platform call, called from exactly one place in `publish.publish_target`.

`before_publish(target, job)` may stop a publish by returning a reason (the target is then held
with that reason, for a person to resume); `after_publish(target, result)` is told about each
success after it was committed. Both are pluggy hooks (plugins/hookspecs.py); the target row is
loaded only when some plugin implements the hook, so the common case costs nothing.
"""
from __future__ import annotations

from adapters.base import PublishJob, PublishResult
from app.extensions import db
from app.models import PostTarget


def _implemented(name: str) -> bool:
    from plugins import plugin_manager

    return bool(getattr(plugin_manager().hook, name).get_hookimpls())


def before_publish(target_id: int, job: PublishJob) -> str | None:
    """The first plugin's reason not to publish now, or None to go ahead."""
    if not _implemented("before_publish"):
        return None
    from plugins import veto_publish

    return veto_publish(db.session.get(PostTarget, target_id), job)


def after_publish(target_id: int, result: PublishResult) -> None:
    """Tell plugins about a committed publish."""
    if not _implemented("after_publish"):
        return
    from plugins import published

    published(db.session.get(PostTarget, target_id), result)
