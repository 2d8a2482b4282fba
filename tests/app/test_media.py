"""Media uploads, signed public links and the production check of WARTA_PUBLIC_URL."""
from __future__ import annotations

from io import BytesIO
from urllib.parse import urlsplit

import pytest

from app.media import UnreachablePublicURL, check_public_base, public_url
from app.models import Media, Role
from tests.e2e.test_meta_connect_publish import jpeg
from tests.factories import sign_in


def _upload(client, org_id, data: bytes, name: str = "a.jpg"):
    return client.post(f"/orgs/{org_id}/media", data={"file": (BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_upload_stores_privately_with_hash_and_dimensions(app, client, factory):
    org = factory.org()
    sign_in(client, factory.user(org, Role.ADMIN))
    response = _upload(client, org.id, jpeg(1200, 900))
    assert response.status_code == 201
    body = response.json
    assert (body["content_type"], body["width"], body["height"]) == ("image/jpeg", 1200, 900)
    import hashlib

    assert body["sha256"] == hashlib.sha256(jpeg(1200, 900)).hexdigest()
    media = app.extensions["sqlalchemy"].session.get(Media, body["id"])
    assert media.storage_key and not media.storage_key.endswith(".jpg")


def test_upload_rejects_unknown_types_and_oversize(app, client, factory):
    org = factory.org()
    sign_in(client, factory.user(org, Role.ADMIN))
    assert _upload(client, org.id, b"#!/bin/sh\necho hi\n", "evil.jpg").status_code == 400
    app.config["WARTA_MEDIA_MAX_IMAGE_BYTES"] = 10
    response = _upload(client, org.id, jpeg(100, 100))
    assert response.status_code == 400 and "MB" in response.json["error"]
    assert app.extensions["sqlalchemy"].session.query(Media).count() == 0


def test_upload_needs_admin_or_coordinator_of_the_organisation(client, factory):
    org, other = factory.org(), factory.org()
    sign_in(client, factory.user(org, Role.VIEWER))
    assert _upload(client, org.id, jpeg(10, 10)).status_code == 403
    assert _upload(client, other.id, jpeg(10, 10)).status_code == 404


def test_signed_link_serves_only_with_a_valid_unexpired_signature(app, client, factory):
    org = factory.org()
    sign_in(client, factory.user(org, Role.COORDINATOR))
    media_id = _upload(client, org.id, jpeg(50, 40)).json["id"]
    anonymous = app.test_client()
    with app.test_request_context():
        url = public_url(app.extensions["sqlalchemy"].session.get(Media, media_id))
    path = urlsplit(url).path
    with app.app_context():  # a fresh `g`: no signed-in user cached from the upload request
        ok = anonymous.get(path)
        wrong_signature = anonymous.get(path[:-2] + "xx")
        wrong_id = anonymous.get(path.replace(f"/{media_id}/", f"/{media_id + 1}/"))
        app.config["WARTA_MEDIA_URL_SECONDS"] = -1
        expired = anonymous.get(path)
    assert ok.status_code == 200 and ok.data == jpeg(50, 40) and ok.mimetype == "image/jpeg"
    assert wrong_signature.status_code == wrong_id.status_code == expired.status_code == 404


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "http://localhost", "http://10.1.2.3", "http://192.168.0.9"])
def test_production_refuses_private_public_url(app, url):
    app.config["WARTA_ENV"] = "production"
    with pytest.raises(UnreachablePublicURL):
        check_public_base(url)
    app.config["WARTA_ENV"] = "development"
    check_public_base(url)


def test_production_accepts_a_public_address(app):
    app.config["WARTA_ENV"] = "production"
    check_public_base("http://8.8.8.8")
