"""Organisation tree pages: visibility, detail, creating and editing organisations."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEvent, Organisation, OrgKind
from tests.app.conftest import last_audit


@pytest.fixture
def tree(factory):
    top = factory.org("Diskominfo Kota Balikpapan", kind=OrgKind.DISKOMINFO, timezone="Asia/Makassar")
    opd = factory.org("Dinas Kesehatan", parent=top, timezone="Asia/Makassar")
    foreign = factory.org("Diskominfo Kota Jayapura", kind=OrgKind.DISKOMINFO, timezone="Asia/Jayapura")
    return top, opd, foreign


def test_tree_shows_visible_organisations_with_zone_and_counts(browser, factory, tree):
    top, opd, foreign = tree
    admin = factory.user(top, "admin")
    factory.user(opd, "viewer")
    factory.account(opd, "instagram")
    factory.account(foreign, "instagram")
    page = browser(admin).get("/organisations")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Diskominfo Kota Balikpapan" in html and "Dinas Kesehatan" in html
    assert "Jayapura" not in html
    assert "WITA" in html
    assert "1 akun" in html and "1 anggota" in html  # Indonesian by default


def test_tree_of_opd_admin_starts_at_the_opd(browser, factory, tree):
    _top, opd, _foreign = tree
    html = browser(factory.user(opd, "admin")).get("/organisations").get_data(as_text=True)
    assert "Dinas Kesehatan" in html and "Diskominfo Kota Balikpapan" not in html


def test_detail_of_foreign_or_ancestor_organisation_is_404(browser, factory, tree):
    top, opd, foreign = tree
    client = browser(factory.user(opd, "admin"))
    assert client.get(f"/organisations/{foreign.id}").status_code == 404
    assert client.get(f"/organisations/{top.id}").status_code == 404
    assert client.get(f"/organisations/{opd.id}").status_code == 200


def test_detail_shows_inherited_2fa_requirement(browser, factory, tree):
    top, opd, _foreign = tree
    top.require_2fa = True
    db.session.commit()
    html = browser(factory.user(top, "viewer")).get(f"/organisations/{opd.id}").get_data(as_text=True)
    assert "Wajib (ditetapkan oleh Diskominfo Kota Balikpapan)" in html
    assert f"/organisations/{opd.id}/edit" not in html  # a viewer gets no edit button


def test_admin_creates_child_with_path_and_audit(browser, factory, tree):
    top, opd, _foreign = tree
    client = browser(factory.user(top, "admin"))
    response = client.post(f"/organisations/{opd.id}/children/new", data={
        "name": "  Puskesmas   Klandasan ", "kind": "opd", "timezone": "Asia/Jayapura", "require_2fa": "y"})
    assert response.status_code == 302
    child = db.session.scalar(db.select(Organisation).where(Organisation.name == "Puskesmas Klandasan"))
    assert child is not None
    assert child.parent_id == opd.id
    assert child.path == f"{opd.path}{child.id}/"
    assert child.timezone == "Asia/Jayapura" and child.require_2fa is True
    event = last_audit("organisation.created")
    assert event.organisation_id == child.id and event.after["path"] == child.path
    assert response.location.endswith(f"/organisations/{child.id}")


def test_any_iana_zone_is_accepted(browser, factory, tree):
    top, _opd, _foreign = tree
    response = browser(factory.user(top, "admin")).post(f"/organisations/{top.id}/children/new", data={
        "name": "Kantor Penghubung Belanda", "kind": "opd", "timezone": "Europe/Amsterdam"})
    assert response.status_code == 302
    child = db.session.scalar(db.select(Organisation).where(Organisation.name == "Kantor Penghubung Belanda"))
    assert child.timezone == "Europe/Amsterdam" and child.require_2fa is False


@pytest.mark.parametrize("data", [
    {"name": "X", "kind": "opd", "timezone": "Mars/Olympus"},
    {"name": "X", "kind": "opd", "timezone": "WITA"},
    {"name": "", "kind": "opd", "timezone": "Asia/Makassar"},
    {"name": "X", "kind": "kingdom", "timezone": "Asia/Makassar"},
])
def test_invalid_organisation_is_refused_and_nothing_written(browser, factory, tree, data):
    top, _opd, _foreign = tree
    before = db.session.scalar(db.select(db.func.count()).select_from(Organisation))
    response = browser(factory.user(top, "admin")).post(f"/organisations/{top.id}/children/new", data=data)
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Organisation)) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 0
    if data["timezone"] == "Mars/Olympus":
        assert "Pilih zona waktu yang valid" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["viewer", "reviewer", "coordinator", "security_officer"])
def test_non_admin_cannot_create_or_edit(browser, factory, tree, role):
    top, opd, _foreign = tree
    client = browser(factory.user(top, role))
    assert client.get(f"/organisations/{opd.id}/children/new").status_code == 403
    assert client.post(f"/organisations/{opd.id}/edit", data={
        "name": "Hacked", "kind": "opd", "timezone": "Asia/Makassar"}).status_code == 403
    assert db.session.get(Organisation, opd.id).name == "Dinas Kesehatan"


def test_foreign_admin_gets_404_on_create_and_edit(browser, factory, tree):
    _top, opd, foreign = tree
    client = browser(factory.user(foreign, "admin"))
    assert client.get(f"/organisations/{opd.id}/children/new").status_code == 404
    assert client.post(f"/organisations/{opd.id}/edit", data={
        "name": "Hacked", "kind": "opd", "timezone": "Asia/Makassar"}).status_code == 404


def test_admin_edits_organisation_with_audit_before_after(browser, factory, tree):
    _top, opd, _foreign = tree
    path = opd.path
    client = browser(factory.user(opd, "admin"))
    form = client.get(f"/organisations/{opd.id}/edit").get_data(as_text=True)
    assert 'value="Asia/Makassar"' in form and '<datalist id="zones">' in form
    response = client.post(f"/organisations/{opd.id}/edit", data={
        "name": "Dinas Kesehatan Kota", "kind": "opd", "timezone": "Asia/Jakarta", "require_2fa": "y"})
    assert response.status_code == 302
    opd = db.session.get(Organisation, opd.id)
    assert (opd.name, opd.timezone, opd.require_2fa, opd.path) == ("Dinas Kesehatan Kota", "Asia/Jakarta", True, path)
    event = last_audit("organisation.updated")
    assert event.before["name"] == "Dinas Kesehatan" and event.after["name"] == "Dinas Kesehatan Kota"
    assert event.before["timezone"] == "Asia/Makassar" and event.after["timezone"] == "Asia/Jakarta"


def test_unchanged_edit_writes_no_audit_event(browser, factory, tree):
    _top, opd, _foreign = tree
    response = browser(factory.user(opd, "admin")).post(f"/organisations/{opd.id}/edit", data={
        "name": "Dinas Kesehatan", "kind": "opd", "timezone": "Asia/Makassar"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 0


def test_tree_in_english_after_switching_language(browser, factory, tree):
    top, _opd, _foreign = tree
    client = browser(factory.user(top, "admin"))
    assert "<h1>Organisasi</h1>" in client.get("/organisations").get_data(as_text=True)
    client.post("/language", data={"locale": "en"})
    html = client.get("/organisations").get_data(as_text=True)
    assert "<h1>Organisations</h1>" in html and "1 members" in html
