"""/api/v1 and campaigns: shown on posts, set on create/update (a label in any state), filter, listing."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import AuditEvent, Post, PostState, utcnow
from tests.app.api.conftest import auth, token_for
from tests.app.posts.test_campaigns import campaign


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_create_and_update_with_a_campaign(client, world):
    city, own = campaign(world.root, "Pilkada Damai 2026"), campaign(world.opd, "Stunting")
    secret = token_for(world.users["opd_admin"], "write")
    response = client.post("/api/v1/posts", json={
        "organisation_id": world.opd.id, "body": "Ayo ke TPS", "account_ids": [world.account.id],
        "campaign_id": city.id}, headers=auth(secret))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["campaign_id"] == city.id
    assert created["campaign"] == {"id": city.id, "name": "Pilkada Damai 2026", "organisation_id": world.root.id}
    patched = client.patch(f"/api/v1/posts/{created['id']}", json={"campaign_id": own.id}, headers=auth(secret))
    assert patched.status_code == 200 and patched.get_json()["campaign"]["name"] == "Stunting"
    assert patched.get_json()["content_version"] == 1  # a label, not content
    cleared = client.patch(f"/api/v1/posts/{created['id']}", json={"campaign_id": None}, headers=auth(secret))
    assert cleared.get_json()["campaign"] is None and cleared.get_json()["campaign_id"] is None


def test_a_campaign_the_post_may_not_carry_is_refused(client, factory, world):
    foreign = campaign(world.foreign, "Samarinda Bersih")
    sibling = campaign(factory.org("Dinas PUPR", parent=world.root), "Jalan Mulus")
    archived = campaign(world.root, "HUT RI ke-80", archived=True)
    secret = token_for(world.users["opd_admin"], "write")
    before = _count(Post)
    for other in (foreign, sibling, archived):
        response = client.post("/api/v1/posts", json={
            "organisation_id": world.opd.id, "body": "Halo", "account_ids": [world.account.id],
            "campaign_id": other.id}, headers=auth(secret))
        assert response.status_code == 400
        assert response.get_json()["error"]["details"]["json"] == {
            "campaign_id": ["Pilih salah satu kampanye yang tersedia untuk organisasi ini."]}
    assert _count(Post) == before


def test_a_scheduled_post_takes_a_new_campaign_alone_without_review(client, world):
    city = campaign(world.root, "HUT RI ke-81")
    sibling_org_campaign = campaign(world.foreign, "Samarinda Bersih")
    world.post.state, world.post.content_version = PostState.SCHEDULED, 4
    world.post.scheduled_at = utcnow() + timedelta(days=3)
    db.session.commit()
    secret = token_for(world.users["admin"], "write")
    url = f"/api/v1/posts/{world.post.id}"
    response = client.patch(url, json={"campaign_id": city.id}, headers=auth(secret))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["state"], body["content_version"], body["campaign_id"]) == ("scheduled", 4, city.id)
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "post.campaign_changed")).one()
    assert event.after["campaign_id"] == city.id and event.after["via_api"]
    assert event.actor_id == world.users["admin"].id
    # Content with it is still refused outside a draft; a foreign campaign is refused whole.
    assert client.patch(url, json={"campaign_id": None, "body": "Baru"}, headers=auth(secret)).status_code == 409
    refused = client.patch(url, json={"campaign_id": sibling_org_campaign.id}, headers=auth(secret))
    assert refused.status_code == 400
    db.session.refresh(world.post)
    assert world.post.campaign_id == city.id and world.post.state == PostState.SCHEDULED
    # A viewer's token cannot set it.
    viewer = token_for(world.users["viewer"], "write")
    assert client.patch(url, json={"campaign_id": None}, headers=auth(viewer)).status_code == 403


def test_posts_filter_by_campaign_and_campaign_listing(client, factory, world):
    city, own = campaign(world.root, "Pilkada Damai 2026"), campaign(world.opd, "Stunting", archived=True)
    foreign = campaign(world.foreign, "Samarinda Bersih")
    world.post.campaign_id = city.id
    factory.post(world.opd, world.users["opd_admin"], body="Tanpa kampanye")
    db.session.commit()
    secret = token_for(world.users["opd_admin"])
    listed = client.get(f"/api/v1/posts?campaign_id={city.id}", headers=auth(secret)).get_json()
    assert [p["id"] for p in listed["items"]] == [world.post.id]
    assert client.get(f"/api/v1/posts?campaign_id={own.id}", headers=auth(secret)).get_json()["items"] == []
    missing = client.get(f"/api/v1/posts?campaign_id={foreign.id}", headers=auth(secret))
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    names = [c["name"] for c in client.get("/api/v1/campaigns", headers=auth(secret)).get_json()["items"]]
    assert names == ["Pilkada Damai 2026", "Stunting"]  # the Pemda's (inherited) and its own; active first
    usable = client.get(f"/api/v1/campaigns?org_id={world.opd.id}&usable=true", headers=auth(secret)).get_json()
    assert [c["id"] for c in usable["items"]] == [city.id]
    assert client.get(f"/api/v1/campaigns?org_id={world.foreign.id}", headers=auth(secret)).status_code == 404
