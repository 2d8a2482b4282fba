"""Every object route of the organisation, member, account and post pages, requested by every role
of another tenant and anonymously: never 200, never 500, nothing changed."""
from __future__ import annotations

from app.extensions import db
from app.models import AccountStatus, Media, Membership, Organisation, OrgKind, Post, Role, SocialAccount

BLUEPRINTS = {"orgs", "members", "accounts", "posts"}
OBJECT_PARAMS = {"org_id", "post_id", "account_id", "membership_id"}


def test_foreign_tenants_get_403_or_404_and_anonymous_users_the_login(app, browser, factory):
    home = factory.org("Diskominfo Kota Balikpapan", kind=OrgKind.DISKOMINFO)
    admin = factory.user(home, "admin")
    ids = {
        "org_id": home.id,
        "post_id": factory.post(home, admin, body="Asli").id,
        "account_id": factory.account(home, "instagram").id,
        "membership_id": db.session.scalar(db.select(Membership.id).where(Membership.user_id == admin.id)),
    }
    media = Media(organisation_id=home.id, uploaded_by_id=admin.id, filename="a.jpg", content_type="image/jpeg",
                  size_bytes=1, sha256="0" * 64, storage_key="page-tenancy/a.jpg")
    db.session.add(media)
    db.session.commit()
    ids["media_id"] = media.id  # composer media routes (/posts/<post_id>/media/<media_id>/...)
    foreign = factory.org("Diskominfo Kota Jayapura", kind=OrgKind.DISKOMINFO)
    visitors = {role.value: browser(factory.user(foreign, role)) for role in Role}
    anonymous = browser()
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.split(".")[0] in BLUEPRINTS and set(r.arguments) & OBJECT_PARAMS]
    assert len(rules) >= 10
    adapter = app.url_map.bind("localhost")
    checked = 0
    for rule in rules:
        url = adapter.build(rule.endpoint, {name: ids[name] for name in rule.arguments})
        for method in sorted(rule.methods & {"GET", "POST"}):
            for role, client in visitors.items():
                status = client.request(method, url, data={"role": "admin", "name": "x", "body": "x"}).status_code
                assert status in (403, 404), (method, url, role, status)
                checked += 1
            response = anonymous.request(method, url)
            assert response.status_code == 302 and "/auth/login" in response.location, (method, url)
    assert checked >= 50
    assert db.session.get(Post, ids["post_id"]).body == "Asli"
    assert db.session.get(SocialAccount, ids["account_id"]).status == AccountStatus.ACTIVE
    assert db.session.get(Membership, ids["membership_id"]) is not None
    assert db.session.get(Organisation, home.id).name == "Diskominfo Kota Balikpapan"
