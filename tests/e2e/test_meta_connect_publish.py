"""End to end against a simulator on an ephemeral port: connect Instagram and Facebook accounts through
the real OAuth pages, upload media, then publish a carousel with a collaborator and a Page photo post
by calling the adapters (the scheduler pipeline drives the same calls once it is merged)."""
from __future__ import annotations

import re
from io import BytesIO
from urllib.parse import urlsplit

from adapters import get_adapter
from adapters.base import AccountRef, Collaboration, PublishJob, Variant
from app.crypto import decrypt_json
from app.extensions import db
from app.media import media_item
from app.models import AuditEvent, Media, Role, SocialAccount
from tests.e2e.helpers import connect as _connect
from tests.e2e.helpers import jpeg
from tests.factories import sign_in
from tests.simulator.server import record


def test_connect_then_publish_carousel_and_page_photo(sim_app, factory, sim_server):
    with sim_app.app_context():
        org = factory.org("Diskominfo")
        admin = factory.user(org, Role.ADMIN)
        client = sim_app.test_client()
        sign_in(client, admin)

        html, choose_url = _connect(client, "facebook")
        names = re.findall(r"<td>(instagram|facebook)</td>", html)
        assert names.count("facebook") == 3 and names.count("instagram") == 3
        form = {"key": urlsplit(choose_url).query.split("key=")[1]}
        form.update({f"org_{i}": str(org.id) for i in range(6)})
        saved = client.post(urlsplit(choose_url).path, data=form)
        assert saved.status_code == 302

        accounts = {(a.platform, a.handle): a for a in db.session.scalars(db.select(SocialAccount))}
        assert len(accounts) == 6
        ig = accounts[("instagram", "diskominfobpp")]
        fb = accounts[("facebook", "Diskominfo Balikpapan")]
        assert ig.credentials_encrypted and b"sim-page" not in ig.credentials_encrypted
        assert ig.facts["token_valid"] is True and "instagram_content_publish" in ig.facts["scopes"]
        assert ig.facts["businesses"][0]["two_factor_type"] == "admin_required"
        assert ig.facts["page_roles"][0]["tasks"] == ["MANAGE", "CREATE_CONTENT"]
        assert fb.facts["profile"]["verified"] is True and fb.facts["data_access_expires_at"]
        actions = [e.action for e in db.session.scalars(db.select(AuditEvent))]
        assert actions.count("account.connected") == 6

        ids = []
        for width in (1080, 1350):
            upload = client.post(f"/orgs/{org.id}/media", data={
                "file": (BytesIO(jpeg(width, 1080)), f"foto{width}.jpg"), "alt_text": "Posyandu"},
                content_type="multipart/form-data")
            assert upload.status_code == 201, upload.json
            ids.append(upload.json["id"])
        with sim_app.test_request_context():
            items = tuple(media_item(db.session.get(Media, i)) for i in ids)
        assert items[0].width == 1080 and items[0].url.startswith("http://warta.test/public/media/")
        assert client.get(urlsplit(items[0].url).path).status_code == 200  # the signed link serves the file

        instagram = get_adapter("instagram")
        carousel = PublishJob(
            target_id=1, idempotency_marker="t1",
            account=AccountRef(ig.id, ig.external_id, ig.handle, decrypt_json(ig.credentials_encrypted)),
            variant=Variant(text="Posyandu serentak! #BalikpapanSehat", media=items,
                            collaborations=(Collaboration(handle="@rina.influencer"),)))
        assert instagram.validate(carousel.variant) == []
        ig_result = instagram.publish(carousel)

        facebook = get_adapter("facebook")
        photo = PublishJob(
            target_id=2, idempotency_marker="t2",
            account=AccountRef(fb.id, fb.external_id, fb.handle, decrypt_json(fb.credentials_encrypted)),
            variant=Variant(text="Posyandu serentak Sabtu ini.", media=items[:1]))
        fb_result = facebook.publish(photo)

    entries = {r["platform"]: r for r in record(sim_server)}
    assert set(entries) == {"instagram", "facebook"}
    assert entries["instagram"]["remote_id"] == ig_result.remote_id and entries["instagram"]["kind"] == "CAROUSEL"
    assert entries["instagram"]["collaborators"] == ["rina.influencer"]
    assert [m["alt_text"] for m in entries["instagram"]["media"]] == ["Posyandu", "Posyandu"]
    assert entries["instagram"]["text"] == "Posyandu serentak! #BalikpapanSehat"
    assert entries["facebook"]["remote_id"] == fb_result.remote_id and entries["facebook"]["kind"] == "photo"
    assert entries["facebook"]["media"][0]["url"] == items[0].url


def test_callback_with_wrong_state_is_refused(sim_app, factory):
    with sim_app.app_context():
        org = factory.org()
        admin = factory.user(org, Role.ADMIN)
        client = sim_app.test_client()
        sign_in(client, admin)
        assert client.get("/connect/facebook").status_code == 302
        response = client.get("/connect/facebook/callback?code=abc&state=forged")
        assert response.status_code == 400
        assert db.session.scalar(db.select(db.func.count()).select_from(SocialAccount)) == 0


def test_connect_requires_an_admin_and_a_known_platform(sim_app, factory):
    with sim_app.app_context():
        org = factory.org()
        viewer = factory.user(org, Role.VIEWER)
        client = sim_app.test_client()
        sign_in(client, viewer)
        assert client.get("/connect/facebook").status_code == 403
        assert client.get("/connect/myspace").status_code == 404


def test_connect_index_lists_platforms_for_admins(sim_app, factory):
    with sim_app.app_context():
        org = factory.org()
        client = sim_app.test_client()
        sign_in(client, factory.user(org, Role.ADMIN))
        page = client.get("/connect/")
        assert page.status_code == 200
        assert "/connect/instagram" in page.text and "/connect/facebook" in page.text
