"""Fixtures for page tests: a browser-like client per user.

The `app` fixture keeps one application context open for the whole test, and Flask
reuses an open application context for test-client requests, so `g` (Flask-Login's
current user, the tenancy cache) would leak from one request into the next. `Browser`
runs every request in its own application context, as a real server does, and
expires the test's session afterwards so assertions read what the request wrote.
"""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import AuditEvent, User
from tests.factories import sign_in


class Browser:
    """A test client signed in as one user, one application context per request."""

    def __init__(self, app: Flask, user: User | None = None) -> None:
        self.app = app
        self.client = app.test_client()
        if user is not None:
            sign_in(self.client, user)

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        with self.app.app_context():
            response = self.client.open(url, method=method, **kwargs)
        db.session.expire_all()
        return response

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)


@pytest.fixture
def browser(app: Flask):
    """`browser(user)` → a Browser signed in as `user` (None: anonymous)."""
    return lambda user=None: Browser(app, user)


def audit_actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def last_audit(action: str) -> AuditEvent:
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc()))
    assert event is not None, f"no audit event {action}"
    return event
