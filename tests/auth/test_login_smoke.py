"""Smoke test of the real sign-in flow: password, then TOTP."""
from __future__ import annotations

import pyotp

from app.auth import mfa
from app.extensions import db
from tests.factories import PASSWORD


def test_sign_in_with_password_and_totp(client, factory):
    org = factory.org(require_2fa=True)
    user = factory.user(org, "admin")
    secret = mfa.new_totp_secret()
    mfa.set_totp_secret(user, secret)
    user.totp_enabled = True
    db.session.commit()

    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/auth/totp")
    assert client.get("/").status_code == 302  # still half signed in

    response = client.post("/auth/totp", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert user.name in page.get_data(as_text=True)
