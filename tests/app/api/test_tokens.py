"""Personal API tokens: made on /account with a TOTP code, shown once, stored hashed, revocable."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pyotp

from app.api import tokens
from app.extensions import db
from app.models import ApiToken, AuditEvent, utcnow
from tests.app.api.conftest import auth, token_for
from tests.auth.helpers import enrol_totp
from tests.factories import sign_in


def _create(client, secret_seed: str, **fields):
    data = {"name": "Dashboard Diskominfo", "scopes": ["read"], "expires_in_days": "90",
            "code": pyotp.TOTP(secret_seed).now(), **fields}
    return client.post("/account/api-tokens", data=data)


def test_token_is_made_with_a_totp_code_shown_once_and_stored_hashed(client, world):
    user = world.users["viewer"]
    seed = enrol_totp(user)
    sign_in(client, user)
    assert _create(client, seed, code="000000").status_code == 401
    response = _create(client, seed)
    assert response.status_code == 201
    secret = re.search(r"wt_[A-Za-z0-9_-]{43}", response.get_data(as_text=True)).group(0)
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in repr(row.__dict__)
    assert row.scopes == "read" and row.expires_at > utcnow() + timedelta(days=89)
    page = client.get("/account").get_data(as_text=True)
    assert row.prefix in page and secret not in page  # never shown again
    actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["api_token.create_failed", "api_token.created"]
    assert secret not in str([(e.before, e.after) for e in db.session.scalars(db.select(AuditEvent))])

    assert client.get("/api/v1/posts", headers=auth(secret)).status_code == 200
    db.session.refresh(row)
    assert row.last_used_at is not None


def test_approve_scope_only_for_reviewers(client, world):
    viewer = world.users["viewer"]
    seed = enrol_totp(viewer)
    sign_in(client, viewer)
    assert "approve" not in client.get("/account").get_data(as_text=True).split('id="api-tokens"')[1] \
        .split("</form>")[0].replace("Approve and reject", "")
    assert _create(client, seed, scopes=["read", "approve"]).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
    reviewer = world.users["reviewer"]
    assert tokens.create_token(reviewer, "ok", {"approve"}).token.scopes == "approve"


def test_revoked_expired_and_no_2fa_tokens_are_refused(client, world):
    user = world.users["viewer"]
    secret = token_for(user)
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == user.id))
    sign_in(client, user)
    other = token_for(world.users["reviewer"])
    other_row = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == world.users["reviewer"].id))
    assert client.post(f"/account/api-tokens/{other_row.id}/revoke").status_code == 404  # not yours
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 302
    response = client.get("/api/v1/posts", headers=auth(secret))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"
    actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["api_token.revoked", "api_token.rejected"]
    assert db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first().after == \
        {"reason": "revoked"}

    other_row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/posts", headers=auth(other)).status_code == 401

    fresh = token_for(world.users["admin"])
    world.users["admin"].totp_enabled = False
    db.session.commit()
    assert client.get("/api/v1/posts", headers=auth(fresh)).status_code == 401
    world.users["admin"].totp_enabled = True
    world.users["admin"].active = False
    db.session.commit()
    assert client.get("/api/v1/posts", headers=auth(fresh)).status_code == 401
    assert client.get("/api/v1/posts", headers=auth("wt_" + "x" * 43)).status_code == 401
    assert client.get("/api/v1/posts", headers={"Authorization": f"Token {fresh}"}).status_code == 401


def test_a_session_cookie_never_opens_the_api(client, world):
    sign_in(client, world.users["admin"])
    response = client.get("/api/v1/posts")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthenticated"
    assert "Set-Cookie" not in response.headers
    created = client.post("/api/v1/posts", json={"organisation_id": world.opd.id, "body": "x"})
    assert created.status_code == 401


def test_api_responses_set_no_cookie_and_are_not_cached(client, world):
    response = client.get("/api/v1/organisations", headers=auth(token_for(world.users["viewer"])))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers and response.headers["Cache-Control"] == "no-store"


def test_rate_limit_per_token_answers_429_in_the_error_format(make_app):
    _app, client, user = make_app(RATELIMIT_ENABLED=True, WARTA_API_RATE_LIMIT="3 per minute")
    secret, other = token_for(user), token_for(user)
    statuses = [client.get("/api/v1/organisations", headers=auth(secret)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/organisations", headers=auth(secret))
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert client.get("/api/v1/organisations", headers=auth(other)).status_code == 200  # per token


def test_token_requests_need_no_csrf_token_but_pages_still_do(make_app):
    _app, client, user = make_app(WTF_CSRF_ENABLED=True)
    secret = token_for(user, "write")
    response = client.post("/api/v1/holds", json={"organisation_id": 999, "scope": "organisation", "reason": "x"},
                           headers=auth(secret))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"  # reached the view
    sign_in(client, user)
    assert client.post("/account/language", data={"locale": "en"}).status_code == 400  # CSRF on pages


def test_a_crash_under_api_answers_json_500_without_details(make_app):
    app, client, _user = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    def crash():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v1/test-crash", "test_api_crash", crash)
    response = client.get("/api/v1/test-crash")
    body = response.get_json()
    assert response.status_code == 500 and body["error"]["code"] == "server_error"
    assert "secret internals" not in response.get_data(as_text=True)


def test_password_change_revokes_every_api_token(client, world):
    from tests.factories import PASSWORD

    user = world.users["viewer"]
    secret = token_for(user)
    sign_in(client, user)
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "a new long phrase",
                                                      "confirm_password": "a new long phrase"})
    assert response.status_code == 302
    assert client.get("/api/v1/posts", headers=auth(secret)).status_code == 401
    actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["api_token.revoked", "auth.password_changed", "api_token.rejected"]


def test_guessing_tokens_is_slowed_down_per_client_address(make_app):
    _app, client, user = make_app(RATELIMIT_ENABLED=True, WARTA_LIMIT_PER_IP="2 per minute")
    guesses = [client.get("/api/v1/posts", headers=auth(f"wt_guess{n:039d}")).status_code for n in range(3)]
    assert guesses == [401, 401, 429]
    assert client.get("/api/v1/posts", headers=auth(token_for(user))).status_code == 429  # a window, not a lock-out
