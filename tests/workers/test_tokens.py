"""refresh_expiring_tokens(): refresh, warn 7 days ahead, flag dead grants."""
from __future__ import annotations

from datetime import timedelta

import httpx
import respx

from app.crypto import decrypt_json
from app.events import add_listener
from app.models import AccountStatus, AuditEvent, utcnow
from tests.adapters.graph_fixtures import SETTINGS, V
from workers.tokens import refresh_expiring_tokens


def _events(app) -> list:
    seen: list = []
    add_listener(app, lambda name, organisation_id, payload: seen.append((name, organisation_id, payload)))
    return seen


@respx.mock
def test_refresh_warns_and_flags(app, factory):
    app.config["WARTA_PLATFORMS"]["facebook"] = dict(SETTINGS)
    seen = _events(app)
    org = factory.org()
    soon = (utcnow() + timedelta(days=3)).isoformat()
    expiring = factory.account(org, "facebook", handle="Halaman",
                               credentials={"access_token": "page-1", "extra": {"user_access_token": "u1"}},
                               facts={"data_access_expires_at": soon})
    dead = factory.account(org, "facebook", handle="Mati",
                           credentials={"access_token": "page-2"}, token_expires_at=utcnow() + timedelta(days=1))
    far = factory.account(org, "facebook", handle="Aman",
                          token_expires_at=utcnow() + timedelta(days=40))

    def debug(request):
        valid = request.url.params["input_token"] == "page-1"
        return httpx.Response(200, json={"data": {"is_valid": valid, "scopes": ["pages_manage_posts"],
                                                  "expires_at": 0}})

    respx.get(f"{V}/debug_token").mock(side_effect=debug)
    respx.get(f"{V}/oauth/access_token").mock(return_value=httpx.Response(200, json={
        "access_token": "u2", "expires_in": 5184000}))
    counts = refresh_expiring_tokens()
    assert counts == {"checked": 2, "refreshed": 0, "warned": 1, "flagged": 1, "failed": 0}
    assert decrypt_json(expiring.credentials_encrypted)["extra"]["user_access_token"] == "u2"
    assert dead.status == AccountStatus.NEEDS_RECONNECT and far.status == AccountStatus.ACTIVE
    assert [(name, org_id, payload["account_id"]) for name, org_id, payload in seen] == [
        ("token.expiring", org.id, expiring.id), ("account.needs_reconnect", org.id, dead.id)]
    actions = {e.action for e in app.extensions["sqlalchemy"].session.query(AuditEvent)}
    assert {"account.token_refreshed", "account.needs_reconnect"} <= actions
    # A second run does not warn twice for the same expiry.
    assert refresh_expiring_tokens()["warned"] == 0
