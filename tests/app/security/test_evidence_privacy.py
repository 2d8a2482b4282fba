"""Evidence files are served only to admins and officers of the owning organisation."""
from __future__ import annotations

from app.extensions import db
from app.models import Evidence, OrgKind, Role
from tests.app.security.helpers import attest_and_accept, build_world, login, png_bytes


def test_evidence_is_served_to_its_tenant_only(factory, app, client):
    world = build_world(factory)
    attest_and_accept(world, "G2")
    evidence = db.session.scalars(db.select(Evidence)).one()
    url = f"/security/evidence/{evidence.id}"

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]

    foreign_root = factory.org("Diskominfo Lain", kind=OrgKind.DISKOMINFO)
    for role in Role:
        login(client, factory.user(foreign_root, role))
        assert client.get(url).status_code == 404, role

    sibling = factory.org("Dinas Sebelah", parent=world.root)
    login(client, factory.user(sibling, Role.ADMIN))
    assert client.get(url).status_code == 404

    login(client, factory.user(world.opd, Role.VIEWER))  # same tenant, not allowed to see evidence
    assert client.get(url).status_code == 403

    login(client, world.officer)
    response = client.get(url)
    assert response.status_code == 200 and response.data == png_bytes()
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "image/png"


def test_evidence_is_not_reachable_as_a_static_file(factory, app, client):
    world = build_world(factory)
    attest_and_accept(world, "G2")
    evidence = db.session.scalars(db.select(Evidence)).one()
    login(client, world.officer)
    assert client.get(f"/static/{evidence.storage_key}").status_code == 404
    assert client.get(f"/static/../instance/security-evidence/{evidence.storage_key}").status_code == 404
