"""No bypass of the second factor: a half-signed-in user reaches only the 2FA pages (generated from url_map)."""
from __future__ import annotations

import pytest

from app.auth.guard import PRE_MFA_ENDPOINTS
from app.extensions import db
from tests.auth.helpers import enrol_totp
from tests.factories import sign_in
from tests.role_tenant import CHECKED_METHODS, build_tenant, checkable_rules
from tests.route_params import ROUTE_PARAMS

#: The only pages a user may reach between password and second factor (checked, not imported).
ALLOWED_BEFORE_2FA = {"auth.login", "auth.totp", "auth.enrol", "auth.logout", "static", "main.set_language"}


def test_the_pre_2fa_allow_list_is_short():
    assert PRE_MFA_ENDPOINTS == ALLOWED_BEFORE_2FA


@pytest.mark.parametrize("enrolled", [True, False])
def test_every_route_waits_for_the_second_factor(app, factory, enrolled):
    tenant = build_tenant(factory, "A")  # the user's own tenant: even own data needs 2FA first
    user = tenant.users["admin"]
    tenant.root.require_2fa = True
    db.session.commit()
    if enrolled:
        enrol_totp(user)
    expected_step = "/auth/totp" if enrolled else "/auth/enrol"
    checked, problems = 0, []
    for rule in checkable_rules(app, only=lambda r: r.endpoint not in ALLOWED_BEFORE_2FA):
        values = {name: ROUTE_PARAMS[name](tenant) for name in rule.arguments if name in ROUTE_PARAMS}
        built = rule.build(values, append_unknown=False)
        if built is None or set(rule.arguments) - set(values):
            continue  # unknown parameters are reported by tests/test_role_tenant.py
        for method in CHECKED_METHODS:
            if method not in (rule.methods or ()):
                continue
            client = app.test_client()
            sign_in(client, user, mfa_ok=False)
            response = client.open(built[1], method=method)
            checked += 1
            if rule.rule.startswith("/api/"):  # the API ignores sessions: only a token of a 2FA user opens it
                if response.status_code != 401:  # (tests/app/api/test_tokens.py)
                    problems.append(f"{method} {built[1]}: {response.status_code} (expected 401)")
                continue
            if not (response.status_code == 302 and response.location.startswith(expected_step)):
                problems.append(f"{method} {built[1]}: {response.status_code} {response.location}")
    assert checked > 0
    assert not problems, "\n".join(problems)
