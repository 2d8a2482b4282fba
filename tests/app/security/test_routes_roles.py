"""Every security route, as every role of a foreign tenant and anonymously; plus roles inside the tenant."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Attestation, CustomItem, Evidence, OrgKind, ProfileSnapshot, Role
from tests.app.security.helpers import attest_and_accept, build_world, login


def _ids(world):
    attest_and_accept(world, "G2")
    custom = CustomItem(organisation_id=world.opd.id, platform="*", severity="low", interval_days=30,
                        title_id="Butir", title_en="Item")
    snapshot = ProfileSnapshot(organisation_id=world.opd.id, account_id=world.account.id, day="2026-11-01",
                               profile={"display_name": "A"}, changes={"display_name": ["B", "A"]})
    db.session.add_all([custom, snapshot])
    db.session.commit()
    return {"account_id": world.account.id, "org_id": world.opd.id, "custom_item_id": custom.id,
            "profile_snapshot_id": snapshot.id,
            "attestation_id": db.session.scalars(db.select(Attestation.id)).first(),
            "evidence_id": db.session.scalars(db.select(Evidence.id)).first()}


def _security_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("security.")]


def _url(rule, ids):
    return re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)


def test_every_security_route_refuses_anonymous_and_foreign_tenants(factory, app, client):
    world = build_world(factory)
    ids = _ids(world)
    rules = _security_rules(app)
    assert len(rules) >= 12
    for rule in rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(_url(rule, ids), method=method)
            assert response.status_code == 302 and "/login" in response.headers["Location"], rule.rule
    foreign_root = factory.org("Pemkab Lain", kind=OrgKind.DISKOMINFO)
    for role in Role:
        login(client, factory.user(foreign_root, role))
        for rule in rules:
            if not rule.arguments:
                continue
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                response = client.open(_url(rule, ids), method=method, data={"decision": "accept"})
                assert response.status_code == 404, (role, method, rule.rule)


def test_foreign_officer_sees_no_foreign_rows_on_list_pages(factory, app, client):
    world = build_world(factory)
    _ids(world)
    foreign_root = factory.org("Pemkab Lain", kind=OrgKind.DISKOMINFO)
    login(client, factory.user(foreign_root, Role.SECURITY_OFFICER))
    assert world.account.handle not in client.get("/security/").get_data(as_text=True)
    assert world.account.handle not in client.get("/security/review").get_data(as_text=True)


@pytest.mark.parametrize(("role", "expected"), [
    (Role.VIEWER, 403), (Role.REVIEWER, 403), (Role.COORDINATOR, 403), (Role.ADMIN, 200),
    (Role.SECURITY_OFFICER, 200),
])
def test_account_page_roles_inside_the_tenant(factory, app, client, role, expected):
    world = build_world(factory)
    login(client, factory.user(world.opd, role))
    assert client.get(f"/security/accounts/{world.account.id}").status_code == expected


def test_officer_only_actions_refuse_admins(factory, app, client):
    world = build_world(factory)
    ids = _ids(world)
    login(client, world.admin)
    assert client.post(f"/security/accounts/{world.account.id}/applicability",
                       data={"item_id": "G2", "reason": "x"}).status_code == 403
    assert client.post(f"/security/snapshots/{ids['profile_snapshot_id']}/acknowledge").status_code == 403


def test_forms_need_a_csrf_token(factory, app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    from app import create_app

    app = create_app(app_config)
    with app.app_context():
        from tests.factories import Factory

        world = build_world(Factory())
        client = app.test_client()
        login(client, world.officer)
        response = client.post(f"/security/organisations/{world.opd.id}/policy", data={"policy": "block"})
        assert response.status_code == 400
        from tests.conftest import _empty_all_tables

        db.session.remove()
        _empty_all_tables(db)
