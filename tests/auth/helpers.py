"""Helpers for the sign-in tests: users with TOTP, and the real sign-in flow."""
from __future__ import annotations

import pyotp

from app.auth import mfa
from app.extensions import db
from tests.factories import PASSWORD


def enrol_totp(user) -> str:
    """Give `user` a TOTP seed (encrypted) and return the seed."""
    secret = mfa.new_totp_secret()
    mfa.set_totp_secret(user, secret)
    user.totp_enabled = True
    db.session.commit()
    return secret


def real_sign_in(client, user, secret: str | None = None, password: str = PASSWORD):
    """Sign in through the forms (password, then TOTP when enrolled); returns the last response."""
    response = client.post("/auth/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.status_code
    if secret:
        response = client.post("/auth/totp", data={"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302, response.status_code
    return response


def session_cookie(client, app) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value
