"""Shared pieces of the browser tests: the one database backend, endpoint checks, translations, screenshots.

Kept apart from the page helpers (pages.py) so the lead can adapt selectors without touching set-up.
"""
from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from playwright.sync_api import Page

#: The browser tests run on PostgreSQL only. The web server thread, the test's dispatcher and RQ worker
#: and the test's own set-up write at the same time, as in production, where PostgreSQL is the database;
#: the SQLite leg of the other tests already covers the queries these pages run, and a second leg would
#: double the slowest part of the suite (a real browser) for no new browser behaviour.
ONE_BACKEND = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

REPO = Path(__file__).resolve().parents[3]
#: Where the suite writes its screenshots (git-ignored); the best are copied to docs/screenshots/.
SCREENSHOT_DIR = Path(os.environ.get("WARTA_SCREENSHOT_DIR") or REPO / "build" / "screenshots")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


@functools.cache
def app_endpoints() -> frozenset[str]:
    """Endpoint names in the URL map of an app built from this tree (no database or Redis is touched)."""
    from app import create_app
    from tests.conftest import _base_config

    with tempfile.TemporaryDirectory(prefix="warta-endpoints-") as folder:
        instance = Path(folder)
        app = create_app(_base_config(f"sqlite:///{instance / 'unused.db'}", "redis://127.0.0.1:1/0", instance))
        return frozenset(rule.endpoint for rule in app.url_map.iter_rules())


def needs_endpoint(endpoint: str) -> pytest.MarkDecorator:
    """Skip until `endpoint` is in app.url_map (pages another helper is building); then the test runs."""
    return pytest.mark.skipif(endpoint not in app_endpoints(),
                              reason=f"{endpoint} is not in app.url_map yet: runs once that page is merged")


class Ui:
    """The interface's words as a person sees them: English msgids translated into the page's language."""

    def __init__(self, app: Flask, locale: str = "id") -> None:
        self.app = app
        self.locale = locale

    def __call__(self, msgid: str, **params: object) -> str:
        with self.app.test_request_context(), force_locale(self.locale):
            return gettext(msgid, **params)


def screenshot(page: Page, name: str) -> list[Path]:
    """Full-page PNGs of the current page at desktop (1280 px) and phone (360 px) width."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.activeElement && document.activeElement.blur()")  # no caret or focus ring
    paths = []
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        path = SCREENSHOT_DIR / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        paths.append(path)
    page.set_viewport_size(DESKTOP)
    return paths


@dataclass
class Demo:
    """The seeded demo data, as ids and names (rows belong to the set-up session)."""

    base_url: str
    sim_url: str
    app: Flask
    ui: Ui
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → id, email, name, secret
    accounts: dict[tuple[str, str], int] = field(default_factory=dict)  # (platform, handle) → id
    organisations: dict[str, int] = field(default_factory=dict)  # name → id

    def path(self, endpoint: str, **values: Any) -> str:
        """The URL path of `endpoint` (for pages reached by address, e.g. from a notification)."""
        from flask import url_for

        with self.app.test_request_context():
            return url_for(endpoint, **values)
