"""CSRF protection is global: a state-changing POST without the token is refused with 400."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import AuditEvent
from tests.factories import PASSWORD, sign_in


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def _token(page: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def test_login_without_token_is_400(client, factory):
    user = factory.user(factory.org(), "viewer")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not signed in


def test_login_with_token_works(client, factory):
    user = factory.user(factory.org(), "viewer")
    token = _token(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.location == "/"


@pytest.mark.parametrize(("path", "data"), [
    ("/auth/logout", {}),
    ("/account/password", {"current_password": PASSWORD, "new_password": "x" * 20, "confirm_password": "x" * 20}),
    ("/account/language", {"locale": "en"}),
    ("/language", {"locale": "en"}),
])
def test_state_changes_without_token_are_400_and_change_nothing(client, factory, path, data):
    user = factory.user(factory.org(), "viewer")
    sign_in(client, user)
    token, password_hash = user.session_token, user.password_hash
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "Muat ulang halaman" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.session_token, user.password_hash, user.locale) == (token, password_hash, "id")
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 0


def test_account_forms_carry_the_token_and_work_with_it(client, factory):
    user = factory.user(factory.org(), "viewer")
    sign_in(client, user)
    page = client.get("/account").get_data(as_text=True)
    tokens = re.findall(r'<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)">', page)
    assert len(tokens) == 2  # password and language (recovery codes only once 2FA is on)
    response = client.post("/account/language", data={"locale": "en", "csrf_token": tokens[-1]})
    assert response.status_code == 302
    assert user.locale == "en"
