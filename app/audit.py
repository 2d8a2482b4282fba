"""Writing audit events. Callers add the event in the same transaction as the change."""
from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request
from flask_login import current_user

from app.extensions import db
from app.models import AuditEvent

#: Keys whose values never reach the audit log.
SECRET_MARKERS = ("token", "secret", "password", "credential", "code_hash", "recovery")


def redact(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy of `data` with secret-looking values replaced."""
    if data is None:
        return None
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if any(marker in key.lower() for marker in SECRET_MARKERS):
            clean[key] = "[redacted]"
        elif isinstance(value, dict):
            clean[key] = redact(value)
        else:
            clean[key] = value
    return clean


def record(
    action: str,
    obj: Any = None,
    *,
    organisation_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the current session (committed with the change itself)."""
    if actor_id is None and has_request_context() and current_user and current_user.is_authenticated:
        actor_id = current_user.id
    if organisation_id is None and obj is not None:
        organisation_id = getattr(obj, "organisation_id", None)
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        organisation_id=organisation_id,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else None,
        before=redact(before),
        after=redact(after),
    )
    if has_request_context():
        token = g.get("api_token")
        if token is not None:  # a change made through /api: say with which personal token
            event.after = {**(event.after or {}), "via_api": token.id}
        event.ip = request.remote_addr
        event.user_agent = (request.user_agent.string or "")[:300]
    db.session.add(event)
    return event
