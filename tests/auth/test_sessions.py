"""Sessions end for real: logout and password change kill captured cookies; time-outs; replays."""
from __future__ import annotations

import time

import pyotp
import pytest

from app.auth import mfa
from app.extensions import db
from app.models import AuditEvent
from tests.auth.helpers import enrol_totp, real_sign_in, session_cookie
from tests.factories import PASSWORD, sign_in


def _replay(app, cookie_value: str):
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie_value)
    return thief.get("/")


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.location


def test_captured_cookie_is_dead_after_logout(app, client, factory):
    user = factory.user(factory.org(), "viewer")
    real_sign_in(client, user)
    captured = session_cookie(client, app)
    assert _replay(app, captured).status_code == 200  # the copy works while the session lives
    client.post("/auth/logout")
    assert _is_login_redirect(_replay(app, captured))


def test_logout_ends_sessions_on_other_devices(app, factory):
    user = factory.user(factory.org(), "viewer")
    laptop, phone = app.test_client(), app.test_client()
    real_sign_in(laptop, user)
    real_sign_in(phone, user)
    phone.post("/auth/logout")
    assert _is_login_redirect(laptop.get("/"))


def test_password_change_in_one_session_ends_the_others(app, factory):
    user = factory.user(factory.org(), "viewer")
    laptop, phone = app.test_client(), app.test_client()
    real_sign_in(laptop, user)
    real_sign_in(phone, user)
    captured = session_cookie(laptop, app)
    new = "a new long passphrase"
    response = phone.post("/account/password",
                          data={"current_password": PASSWORD, "new_password": new, "confirm_password": new})
    assert response.status_code == 302
    assert _is_login_redirect(laptop.get("/"))
    assert _is_login_redirect(_replay(app, captured))
    assert phone.get("/").status_code == 200  # the session that changed it stays signed in


def test_totp_code_cannot_be_used_twice(app, factory):
    user = factory.user(factory.org(require_2fa=True), "admin")
    secret = enrol_totp(user)
    code = pyotp.TOTP(secret).now()
    first = app.test_client()
    first.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert first.post("/auth/totp", data={"code": code}).status_code == 302
    second = app.test_client()  # e.g. an attacker who watched the code being typed
    second.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert second.post("/auth/totp", data={"code": code}).status_code == 401
    assert second.get("/").location.endswith("/auth/totp")  # still only half signed in


def test_verify_totp_rejects_old_steps_and_accepts_the_next(app, factory):
    user = factory.user()
    secret = enrol_totp(user)
    totp = pyotp.TOTP(secret)
    now = time.time()
    assert mfa.verify_totp(user, totp.at(now), now=now)
    assert not mfa.verify_totp(user, totp.at(now), now=now)
    assert not mfa.verify_totp(user, totp.at(now - 30), now=now)  # earlier step, also spent
    assert mfa.verify_totp(user, totp.at(now + 30), now=now + 30)


def test_recovery_code_works_once(app, factory):
    user = factory.user(factory.org(require_2fa=True), "admin")
    enrol_totp(user)
    codes = mfa.new_recovery_codes(user)
    db.session.commit()
    for expected in (302, 401):
        client = app.test_client()
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert client.post("/auth/totp", data={"code": codes[0]}).status_code == expected
    client = app.test_client()
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert client.post("/auth/totp", data={"code": codes[1].upper()}).status_code == 302
    methods = db.session.scalars(db.select(AuditEvent.after).where(AuditEvent.action == "auth.login")).all()
    assert [m["method"] for m in methods] == ["recovery_code", "recovery_code"]


@pytest.mark.parametrize(("auth_ago", "seen_ago", "alive"), [
    (60, 29 * 60, True),  # idle for 29 minutes: still signed in
    (60, 31 * 60, False),  # idle time-out (30 minutes)
    (11 * 3600, 60, True),  # busy for 11 hours
    (12 * 3600 + 60, 10, False),  # absolute time-out (12 hours) even while active
])
def test_idle_and_absolute_time_outs(client, factory, auth_ago, seen_ago, alive):
    user = factory.user(factory.org(), "viewer")
    sign_in(client, user)
    now = int(time.time())
    with client.session_transaction() as session:
        session["auth_at"] = now - auth_ago
        session["seen_at"] = now - seen_ago
    response = client.get("/")
    assert (response.status_code == 200) is alive
    if not alive:
        assert _is_login_redirect(response)
        assert client.get("/").status_code == 302  # and the session is really gone


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "/\\/evil.example", "/\t/evil.example",
    "http:/evil.example", "javascript:alert(1)", "\\\\evil.example",
])
def test_next_never_leaves_the_site(client, factory, target):
    user = factory.user(factory.org(), "viewer")
    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/"


def test_next_to_a_local_page_is_followed(client, factory):
    user = factory.user(factory.org(), "viewer")
    response = client.post("/auth/login", query_string={"next": "/account?tab=1"},
                           data={"email": user.email, "password": PASSWORD})
    assert response.location == "/account?tab=1"


def test_sign_in_and_failed_sign_in_are_audited(client, factory):
    user = factory.user(factory.org(), "viewer")
    client.post("/auth/login", data={"email": user.email, "password": "not the password"},
                environ_base={"REMOTE_ADDR": "192.0.2.10"})
    client.post("/auth/login", data={"email": "nobody@example.org", "password": "whatever it is"})
    real_sign_in(client, user)
    events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["auth.login_failed", "auth.login_failed", "auth.login"]
    failed, unknown, ok = events
    assert failed.actor_id == user.id and failed.ip == "192.0.2.10"
    assert unknown.actor_id is None and unknown.after == {"email": "nobody@example.org"}
    assert ok.actor_id == user.id and ok.after == {"method": "password"}
    assert all("not the password" not in str(e.after) for e in events)


def test_session_cookie_flags(app, client, factory):
    user = factory.user(factory.org(), "viewer")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(app.config["SESSION_COOKIE_NAME"]))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert not any(h.startswith("remember_token") for h in response.headers.getlist("Set-Cookie"))
