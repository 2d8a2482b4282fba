"""Sign-in and TOTP throttling: per account and per IP, in Redis, not fooled by X-Forwarded-For."""
from __future__ import annotations

import re

import pyotp
import pytest

from app.auth import mfa
from app.extensions import db, limiter
from tests.factories import PASSWORD, sign_in


@pytest.fixture
def app_config(app_config, request):
    # Flask-Limiter reads RATELIMIT_ENABLED once, in init_app (config.setdefault), so it must be
    # in the config before create_app runs.
    app_config.update(RATELIMIT_ENABLED=True, WARTA_LIMIT_PER_ACCOUNT="3 per minute",
                      WARTA_LIMIT_PER_IP="6 per minute")
    app_config.update(getattr(request, "param", {}))
    return app_config


WRONG = "wrong password!"


def _login(client, email, password=WRONG, **environ):
    return client.post("/auth/login", data={"email": email, "password": password}, environ_base=environ)


def test_limiter_is_enabled_and_stores_in_redis(app):
    assert limiter.enabled and app.config["RATELIMIT_ENABLED"] is True
    assert app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "redis+unix://"))


def test_brute_force_on_one_account_gets_429(client, factory):
    user = factory.user(factory.org(), "viewer")
    statuses = [_login(client, user.email).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    blocked = _login(client, user.email, password=PASSWORD)  # even the right password waits now
    assert blocked.status_code == 429
    text = blocked.get_data(as_text=True)
    assert "Terlalu banyak percobaan" in text  # Indonesian by default
    assert "Retry-After" in blocked.headers
    english = client.post("/auth/login", data={"email": user.email, "password": WRONG},
                          headers={"Accept-Language": "en"})
    assert english.status_code == 429
    # The wait is rounded up to whole minutes; which window reports it depends on timing.
    assert re.search(r"Too many attempts\. Please wait \d+ minutes? and try again", english.get_data(as_text=True))


def test_per_account_limit_holds_across_ip_addresses_and_forged_headers(client, factory):
    user = factory.user(factory.org(), "viewer")
    for n in range(3):
        response = _login(client, user.email, REMOTE_ADDR=f"10.0.0.{n + 1}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        assert response.status_code == 401
    assert _login(client, user.email, REMOTE_ADDR="10.0.0.99").status_code == 429


def test_per_ip_limit_stops_password_spraying(client, factory):
    org = factory.org()
    users = [factory.user(org, "viewer") for _ in range(7)]
    statuses = [_login(client, u.email).status_code for u in users]
    assert statuses == [401] * 6 + [429]


def test_forged_x_forwarded_for_does_not_reset_the_ip_limit(client, factory):
    org = factory.org()
    users = [factory.user(org, "viewer") for _ in range(7)]
    statuses = [_login(client, u.email, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
                for n, u in enumerate(users)]
    assert statuses[-1] == 429


@pytest.mark.parametrize("app_config", [{"WARTA_PROXY_HOPS": "1"}], indirect=True)
def test_behind_one_proxy_only_the_proxy_added_address_counts(app_config, client, factory):
    # The client forges a first entry; the proxy appends the real address (always 198.51.100.7 here).
    org = factory.org()
    users = [factory.user(org, "viewer") for _ in range(7)]
    statuses = [_login(client, u.email, REMOTE_ADDR="10.0.0.1",
                       HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7").status_code
                for n, u in enumerate(users)]
    assert statuses[-1] == 429
    # Another real client behind the same proxy is not affected.
    assert _login(client, users[0].email, REMOTE_ADDR="10.0.0.1",
                  HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 401


def test_successful_sign_ins_do_not_count(client, factory):
    user = factory.user(factory.org(), "viewer")
    for _ in range(5):
        assert _login(client, user.email, password=PASSWORD).status_code == 302
        client.post("/auth/logout")


def test_totp_guessing_is_limited_per_user(client, factory):
    user = factory.user(factory.org(require_2fa=True), "admin")
    secret = mfa.new_totp_secret()
    mfa.set_totp_secret(user, secret)
    user.totp_enabled = True
    db.session.commit()
    assert _login(client, user.email, password=PASSWORD).status_code == 302
    statuses = [client.post("/auth/totp", data={"code": "000000"}, environ_base={"REMOTE_ADDR": f"10.1.0.{n}"})
                .status_code for n in range(3)]
    assert statuses == [401, 401, 401]
    response = client.post("/auth/totp", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 429


def test_password_change_guessing_is_limited(client, factory):
    user = factory.user(factory.org(), "viewer")
    sign_in(client, user)
    new = "a long new passphrase"
    data = {"current_password": WRONG, "new_password": new, "confirm_password": new}
    assert [client.post("/account/password", data=data).status_code for _ in range(3)] == [401, 401, 401]
    data["current_password"] = PASSWORD
    assert client.post("/account/password", data=data).status_code == 429
