"""Templates and hashtag sets: admins manage them, descendants use them, others never see them."""
from __future__ import annotations

from app.extensions import db
from app.models import OrgKind, PostTemplate, TemplateKind
from tests.app.conftest import last_audit


def _tree(factory):
    top = factory.org("Pemkot Balikpapan", kind=OrgKind.DISKOMINFO, timezone="Asia/Makassar")
    opd = factory.org("Dinas Kesehatan", parent=top, timezone="Asia/Makassar")
    sibling = factory.org("Dinas Perhubungan", parent=top, timezone="Asia/Makassar")
    return top, opd, sibling


def test_admin_creates_edits_and_deletes_a_template_audited(browser, factory):
    top, _opd, _sibling = _tree(factory)
    client = browser(factory.user(top, "admin"))
    response = client.post(f"/orgs/{top.id}/templates/new", data={
        "name": "Tagar kota", "kind": "hashtags", "body": "#BalikpapanKotaku #Madinatul"})
    assert response.status_code == 302
    template = db.session.scalar(db.select(PostTemplate))
    assert (template.organisation_id, template.kind) == (top.id, TemplateKind.HASHTAGS)
    assert last_audit("post_template.created").after["body"] == "#BalikpapanKotaku #Madinatul"
    assert "Tagar kota" in client.get("/templates").get_data(as_text=True)
    assert client.post(f"/templates/{template.id}/edit", data={
        "name": "Tagar kota", "kind": "hashtags", "body": "#Balikpapan"}).status_code == 302
    assert last_audit("post_template.updated").before["body"] == "#BalikpapanKotaku #Madinatul"
    assert client.post(f"/templates/{template.id}/delete").status_code == 302
    assert db.session.scalar(db.select(PostTemplate)) is None
    assert last_audit("post_template.deleted").before["name"] == "Tagar kota"


def test_bad_input_is_refused_with_a_message(browser, factory):
    top, _opd, _sibling = _tree(factory)
    client = browser(factory.user(top, "admin"))
    response = client.post(f"/orgs/{top.id}/templates/new", data={"name": "", "kind": "sms", "body": ""})
    assert response.status_code == 400
    assert db.session.scalar(db.select(PostTemplate)) is None


def test_children_use_ancestor_templates_but_cannot_change_them(browser, factory):
    top, opd, sibling = _tree(factory)
    parent_template = PostTemplate(organisation_id=top.id, kind=TemplateKind.TEMPLATE, name="Pengumuman resmi",
                                   body="Pemerintah Kota Balikpapan mengumumkan:")
    sibling_template = PostTemplate(organisation_id=sibling.id, kind=TemplateKind.HASHTAGS, name="Tagar dishub",
                                    body="#Dishub")
    db.session.add_all([parent_template, sibling_template])
    db.session.commit()
    opd_admin = factory.user(opd, "admin")
    factory.account(opd, "facebook")
    client = browser(opd_admin)
    page = client.get(f"/posts/new?org_id={opd.id}").get_data(as_text=True)
    assert "Pengumuman resmi" in page and 'data-text="Pemerintah Kota Balikpapan mengumumkan:"' in page
    assert "Tagar dishub" not in page  # a sibling's template is not ours
    prefilled = client.get(f"/posts/new?org_id={opd.id}&template_id={parent_template.id}").get_data(as_text=True)
    assert "Pemerintah Kota Balikpapan mengumumkan:</textarea>" in prefilled
    assert client.get(f"/posts/new?org_id={opd.id}&template_id={sibling_template.id}").status_code == 404
    # The OPD admin may use the Pemda's template but neither edit nor delete it.
    assert client.get(f"/templates/{parent_template.id}/edit").status_code == 404
    assert client.post(f"/templates/{parent_template.id}/delete").status_code == 404
    assert "Pengumuman resmi" not in client.get("/templates").get_data(as_text=True)


def test_reviewers_and_viewers_do_not_manage_templates(browser, factory):
    top, _opd, _sibling = _tree(factory)
    template = PostTemplate(organisation_id=top.id, kind=TemplateKind.TEMPLATE, name="T", body="B")
    db.session.add(template)
    db.session.commit()
    for role in ("reviewer", "viewer"):
        client = browser(factory.user(top, role))
        assert client.get("/templates").status_code == 403
        assert client.get(f"/orgs/{top.id}/templates/new").status_code == 403
        assert client.post(f"/templates/{template.id}/delete").status_code == 403
