"""Browser fixtures: Debian's Chromium driven by Playwright against the live Warta server and simulator.

The app serves HTTP in a thread (`live_app`), the simulator in another (`sim_server`), and the test
runs the dispatcher and real RQ workers (`pipeline`) when something is due. The database holds the
demo data (`make run`'s organisation tree, users with TOTP, simulator accounts), seeded for each test.

Playwright's own browser download needs the internet, which CI does not have: Chromium comes from
Debian (`.ci/run` installs the `chromium` package) and is launched by path. Without it the tests fail
under CI or `make test` (CI / WARTA_REQUIRE_BROWSER set) and are skipped with the reason elsewhere.
The `playwright` package itself is a test requirement (requirements-dev.txt), like pytest.
"""
from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.e2e.browser.support import DESKTOP, Demo, Ui

CHROMIUM = os.environ.get("WARTA_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Waits on a page condition give up after this (a shared 2-core machine can be slow; nothing sleeps).
WAIT_MS = 15_000


def _browser_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("WARTA_REQUIRE_BROWSER"))


def _unavailable(reason: str) -> None:
    if _browser_required():
        pytest.fail(f"browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Chromium for these tests; each person gets their own context (cookies, storage).

    Playwright's `launch` gives the browser a fresh temporary user-data directory and removes it on close.
    """
    from playwright.sync_api import expect, sync_playwright

    executable = shutil.which(CHROMIUM) or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if executable is None:
        _unavailable(f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install -y chromium) "
                     "or set WARTA_CHROMIUM to its path")
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """As in production, every form carries its CSRF token (the other tests switch the check off)."""
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


@functools.cache
def _demo_password_hash() -> str:
    from app.auth.passwords import hash_password
    from app.demo import DEMO_PASSWORD

    return hash_password(DEMO_PASSWORD)


@pytest.fixture
def demo(live_app: Flask, app: Flask, sim_server: str, monkeypatch: pytest.MonkeyPatch) -> Demo:
    """`make run`'s demo data in the database the live server reads (emptied after the test by `app`)."""
    from app.auth.mfa import totp_secret
    from app.demo import DEMO_DOMAIN, seed_demo
    from app.extensions import db
    from app.models import Organisation, SocialAccount, User

    monkeypatch.setattr("app.demo.hash_password", lambda _password: _demo_password_hash())  # argon2 once
    seed_demo()
    db.session.commit()
    demo = Demo(base_url=live_app.config["WARTA_PUBLIC_URL"], sim_url=sim_server, app=live_app, ui=Ui(live_app))
    for user in db.session.scalars(db.select(User).where(User.email.like(f"%@{DEMO_DOMAIN}"))):
        key = user.email.split("@")[0]
        demo.users[key] = {"id": user.id, "email": user.email, "name": user.name, "secret": totp_secret(user)}
    for account in db.session.scalars(db.select(SocialAccount)):
        demo.accounts[(account.platform, account.handle)] = account.id
    demo.organisations = {o.name: o.id for o in db.session.scalars(db.select(Organisation))}
    return demo


#: htmx logs a request it aborts for a newer one (hx-sync, live validation while typing) as an error;
#: a request that really fails is logged as htmx:responseError or htmx:sendError, which still count.
HTMX_ABORT_LOGS = ("htmx:sendAbort", "htmx:afterRequest")


def _expected_console_error(text: str, location: dict) -> bool:
    """Console errors that are no fault of the page: the browser's own favicon request, aborted htmx calls."""
    return location.get("url", "").endswith("/favicon.ico") or text.startswith(HTMX_ABORT_LOGS)


@pytest.fixture
def person(browser: Any, demo: Demo) -> Iterator[Callable[[str], Any]]:
    """`person("reviewer")`: a signed-in page of that demo user, in a browser context of their own.

    Console errors and uncaught page errors (a CSP violation shows up as one) fail the test.
    """
    from tests.e2e.browser.pages import sign_in

    contexts, problems = [], []

    def open_as(key: str) -> Any:
        context = browser.new_context(base_url=demo.base_url, locale="id-ID", timezone_id="Asia/Makassar",
                                      viewport=DESKTOP)
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: problems.append(f"{key}: console: {msg.text} ({msg.location})")
                if msg.type == "error" and not _expected_console_error(msg.text, msg.location) else None)
        page.on("pageerror", lambda exc: problems.append(f"{key}: page error: {exc}"))
        sign_in(page, demo.ui, demo.users[key])
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert not problems, problems


@pytest.fixture
def evidence_png(tmp_path: Path) -> bytes:
    """A small real PNG (no QR code) for evidence uploads."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 120), "white")
    ImageDraw.Draw(image).text((10, 50), "Facebook: 2FA aktif", fill="black")
    path = tmp_path / "bukti.png"
    image.save(path)
    return path.read_bytes()
