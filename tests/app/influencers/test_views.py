"""Coordinator pages: roles and tenancy, audit events, private documents, tagging, reports and CSV."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from flask import g
from sqlalchemy import select

from app.events import add_listener
from app.extensions import db
from app.models import (
    Agreement,
    AuditEvent,
    ConsentRecord,
    DisclosurePolicy,
    Influencer,
    InfluencerDocument,
    PostCollaboration,
    PostState,
    utcnow,
)
from tests.app.influencers.builders import agreement, collaborate, consent, influencer, target
from tests.factories import sign_in

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def tenants(factory):
    """Two Pemda trees; `home` has an OPD below it."""
    home = factory.org("Diskominfo A")
    opd = factory.org("Dinkes A", parent=home)
    foreign = factory.org("Diskominfo B")
    return home, opd, foreign


def _signed(client, factory, org, role):
    """Sign a new user in. The `app` fixture's app context (and so `g`) outlives requests, so
    Flask-Login's cached user and the tenancy cache are dropped to switch users mid-test."""
    user = factory.user(org, role, locale="en")
    for name in [n for n in vars(g) if n == "_login_user" or n.startswith("_warta_memberships")]:
        delattr(g, name)
    sign_in(client, user)
    return user


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_coordinator_creates_edits_and_sets_handles_with_audit(client, factory, tenants):
    home, opd, _foreign = tenants
    _signed(client, factory, home, "coordinator")
    response = client.post("/influencers/new", data={"organisation_id": opd.id, "name": "Ayu", "contact": "0812"})
    assert response.status_code == 302
    person = db.session.scalars(select(Influencer)).one()
    assert person.organisation_id == opd.id
    assert _events("influencer.create")[0].organisation_id == opd.id

    data = {"platform": "instagram", "handle": "@Ayu.Bpp", "platform_user_id": "1784"}
    assert client.post(f"/influencers/{person.id}/handles", data=data).status_code == 302
    assert client.post(f"/influencers/{person.id}/handles",
                       data={"platform": "x", "handle": "not valid!"}).status_code == 400
    db.session.expire_all()
    assert [(h.platform, h.handle, h.platform_user_id) for h in person.handles] == [("instagram", "ayu.bpp", "1784")]
    assert _events("influencer.handle_set")[0].after == {"platform": "instagram", "handle": "ayu.bpp",
                                                        "platform_user_id": "1784"}

    response = client.post(f"/influencers/{person.id}/edit",
                           data={"organisation_id": opd.id, "name": "Ayu Lestari", "contact": "0813"})
    assert response.status_code == 302
    event = _events("influencer.update")[0]
    assert event.before["name"] == "Ayu" and event.after == {"name": "Ayu Lestari", "organisation_id": opd.id,
                                                            "contact_changed": True, "notes_changed": False}
    removal = {"platform": "instagram", "remove": "y"}
    assert client.post(f"/influencers/{person.id}/handles", data=removal).status_code == 302
    db.session.expire_all()
    assert person.handles == [] and len(_events("influencer.handle_removed")) == 1


def test_foreign_tenant_gets_404_and_read_only_roles_get_403(client, factory, tenants):
    home, opd, foreign = tenants
    person = influencer(opd, instagram=("ayu", None))
    deal = agreement(person, date(2026, 1, 1), date(2026, 12, 31))
    post = factory.post(opd, factory.user(opd, "admin"))
    reads = [f"/influencers/{person.id}", f"/influencers/{person.id}/report", f"/influencers/{person.id}/report.csv",
             f"/posts/{post.id}/collaborations"]
    writes = [(f"/influencers/{person.id}/handles", {"platform": "x", "handle": "ayu"}),
              (f"/influencers/{person.id}/consents", {}), (f"/influencers/{person.id}/agreements", {}),
              (f"/influencers/{person.id}/agreements/{deal.id}/documents", {}),
              (f"/influencers/{person.id}/agreements/{deal.id}/edit", {"starts_on": "2026-01-01"}),
              (f"/posts/{post.id}/collaborations", {"influencer_id": person.id, "kind": "mention"})]
    for role in ("admin", "coordinator", "reviewer", "viewer", "security_officer"):
        _signed(client, factory, foreign, role)
        for url in [*reads, f"/influencers/{person.id}/edit", f"/influencers/policy/{opd.id}"]:
            assert client.get(url).status_code == 404, (role, url)
        for url, data in writes:
            assert client.post(url, data=data).status_code == 404, (role, url)
    for role in ("reviewer", "viewer"):
        _signed(client, factory, home, role)
        for url in reads:
            assert client.get(url).status_code == 200, (role, url)
        page = client.get(f"/influencers/{person.id}").get_data(as_text=True)
        assert "0812-0000" not in page  # contact details are for coordinators only
        for url, data in writes:
            assert client.post(url, data=data).status_code == 403, (role, url)
        assert client.get("/influencers/new").status_code == 403
    _signed(client, factory, home, "security_officer")
    assert client.get("/influencers/").status_code == 403
    assert client.get(f"/influencers/{person.id}").status_code == 403
    assert PostCollaboration.query.count() == 0 and len(person.handles) == 1


def test_registry_list_is_scoped_searchable_and_filterable(client, factory, tenants):
    home, opd, foreign = tenants
    ayu = influencer(opd, "Ayu", instagram=("ayu.bpp", None))
    budi = influencer(home, "Budi", tiktok=("budi", None))
    influencer(foreign, "Citra Asing")
    today = date.today()
    agreement(ayu, today - timedelta(days=5), today + timedelta(days=5), paid=True)
    agreement(budi, today - timedelta(days=5), today + timedelta(days=5), paid=False)
    _signed(client, factory, opd, "coordinator")
    page = client.get("/influencers/").get_data(as_text=True)
    assert "Ayu" in page and "Budi" not in page and "Citra" not in page  # an OPD sees only its subtree
    _signed(client, factory, home, "coordinator")

    def names(query):
        text = client.get(f"/influencers/?{query}").get_data(as_text=True)
        return {n for n in ("Ayu", "Budi", "Citra") if f">{n}<" in text}

    assert names("") == {"Ayu", "Budi"}
    assert names("q=ayu.b") == {"Ayu"}
    assert names("platform=tiktok") == {"Budi"}
    assert names("agreement=active") == {"Ayu", "Budi"}
    assert names("paid=yes") == {"Ayu"}
    assert names("paid=no") == {"Budi"}


def test_consent_agreement_and_private_documents(client, factory, tenants, app):
    _home, opd, foreign = tenants
    person = influencer(opd)
    _signed(client, factory, opd, "coordinator")
    response = client.post(f"/influencers/{person.id}/consents", data={
        "given_by": "Ayu", "given_on": date.today().isoformat(), "method": "signed_form",
        "document": (io.BytesIO(PDF), "consent form.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    record = db.session.scalars(select(ConsentRecord)).one()
    document = record.document
    assert document.filename == "consent_form.pdf" and len(document.sha256) == 64
    assert _events("influencer.consent_recorded")[0].after["document_sha256"] == document.sha256

    # Refused uploads write nothing: wrong type, and a future consent date.
    response = client.post(f"/influencers/{person.id}/agreements", data={
        "starts_on": "2026-12-01", "ends_on": "2026-12-31", "paid": "y",
        "document": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "contract.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400
    future = (date.today() + timedelta(days=3)).isoformat()
    assert client.post(f"/influencers/{person.id}/consents", data={
        "given_by": "Ayu", "given_on": future, "method": "email"}).status_code == 400
    assert client.post(f"/influencers/{person.id}/agreements", data={
        "starts_on": "2026-12-31", "ends_on": "2026-12-01"}).status_code == 400
    assert db.session.scalars(select(Agreement)).all() == [] and InfluencerDocument.query.count() == 1

    response = client.post(f"/influencers/{person.id}/agreements", data={
        "starts_on": "2026-12-01", "ends_on": "2026-12-31", "paid": "y", "scope": "Kampanye imunisasi",
        "document": (io.BytesIO(PDF), "kontrak.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    deal = db.session.scalars(select(Agreement)).one()
    assert deal.paid and len(deal.documents) == 1
    created = _events("influencer.agreement_created")[0]
    assert created.after["paid"] is True and created.after["document_sha256"] == deal.documents[0].sha256
    assert [e.after["filename"] for e in _events("influencer.document_uploaded")] == ["consent_form.pdf", "kontrak.pdf"]
    edit_url = f"/influencers/{person.id}/agreements/{deal.id}/edit"
    assert client.get(edit_url).status_code == 200
    assert client.post(edit_url, data={"starts_on": "2026-12-31", "ends_on": "2026-12-01"}).status_code == 400
    assert client.post(edit_url, data={"starts_on": "2026-12-01", "ends_on": "2026-12-15", "paid": "y",
                                       "scope": "Kampanye imunisasi"}).status_code == 302
    updated = _events("influencer.agreement_updated")[0]
    assert (updated.before["ends_on"], updated.after["ends_on"]) == ("2026-12-31", "2026-12-15")
    other = influencer(opd, "Budi")
    upload = {"document": (io.BytesIO(PDF), "x.pdf")}
    assert client.post(f"/influencers/{other.id}/agreements/{deal.id}/documents", data=upload,
                       content_type="multipart/form-data").status_code == 404  # not this influencer's agreement
    assert client.get(f"/influencers/{other.id}/agreements/{deal.id}/edit").status_code == 404
    upload = {"document": (io.BytesIO(PDF), "lampiran.pdf")}
    assert client.post(f"/influencers/{person.id}/agreements/{deal.id}/documents", data=upload,
                       content_type="multipart/form-data").status_code == 302
    db.session.expire_all()
    assert [d.filename for d in deal.documents] == ["kontrak.pdf", "lampiran.pdf"]
    stored = deal.documents[0]
    path = app.instance_path + "/private/influencer_documents/" + stored.storage_key
    with open(path, "rb") as fh:
        assert fh.read() == PDF

    response = client.get(f"/influencers/documents/{stored.id}")
    assert response.status_code == 200 and response.data == PDF
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert _events("influencer.document_downloaded")[0].after == {"sha256": stored.sha256}

    _signed(client, factory, opd, "reviewer")
    assert client.get(f"/influencers/documents/{stored.id}").status_code == 403
    _signed(client, factory, foreign, "coordinator")
    assert client.get(f"/influencers/documents/{stored.id}").status_code == 404
    client.post("/auth/logout")
    anonymous = client.get(f"/influencers/documents/{stored.id}")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.location
    assert app.instance_path not in (app.static_folder or "")


def test_withdrawing_consent_is_audited_and_announced(client, factory, tenants, app):
    _home, opd, _foreign = tenants
    person = influencer(opd)
    record = consent(person)
    author = factory.user(opd, "admin")
    pending, published = factory.post(opd, author), factory.post(opd, author)
    collaborate(pending, person, "mention")
    collaborate(published, person, "mention")
    done = target(published, factory.account(opd, "instagram"))
    done.state = "published"
    db.session.commit()
    heard = []
    add_listener(app, lambda name, organisation_id, payload: heard.append((name, organisation_id, payload)))
    _signed(client, factory, opd, "coordinator")
    assert client.post(f"/influencers/{person.id}/consents/withdraw", data={"consent_id": record.id}).status_code == 302
    assert client.post(f"/influencers/{person.id}/consents/withdraw", data={"consent_id": record.id}).status_code == 409
    assert client.post(f"/influencers/{person.id}/consents/withdraw", data={"consent_id": 999}).status_code == 404
    db.session.expire_all()
    assert record.withdrawn_at is not None and len(_events("influencer.consent_withdrawn")) == 1
    assert heard == [("influencer.consent_withdrawn", opd.id, {"influencer_id": person.id, "post_ids": [pending.id]})]


def test_tagging_a_post_shows_each_platform_and_bumps_the_content_version(client, factory, tenants):
    home, opd, foreign = tenants
    author = factory.user(opd, "admin")
    post = factory.post(opd, author, body="Imunisasi gratis")
    target(post, factory.account(opd, "instagram"))
    target(post, factory.account(opd, "youtube"))
    ours = influencer(home, "Ayu", instagram=("ayu.bpp", None), youtube=("ayuvlog", None))
    theirs = influencer(foreign, "Citra")
    _signed(client, factory, home, "coordinator")
    assert client.post(f"/posts/{post.id}/collaborations",
                       data={"influencer_id": theirs.id, "kind": "mention"}).status_code == 400
    assert client.post(f"/posts/{post.id}/collaborations",
                       data={"influencer_id": ours.id, "kind": "collaborator"}).status_code == 302
    assert client.post(f"/posts/{post.id}/collaborations",
                       data={"influencer_id": ours.id, "kind": "paid_partnership"}).status_code == 302
    assert client.post(f"/posts/{post.id}/collaborations",
                       data={"influencer_id": ours.id, "kind": "paid_partnership"}).status_code == 409
    db.session.expire_all()
    assert post.content_version == 3
    assert [e.after["kind"] for e in _events("post.collaboration_added")] == ["collaborator", "paid_partnership"]

    page = client.get(f"/posts/{post.id}/collaborations").get_data(as_text=True)
    assert "Collaborator invites go to @ayu.bpp" in page
    assert "hasPaidProductPlacement" in page
    assert "no consent is on record" in page  # the submit gate's messages are shown

    collaboration = db.session.scalars(select(PostCollaboration).where(PostCollaboration.kind == "collaborator")).one()
    post.state = PostState.SCHEDULED
    db.session.commit()
    assert client.post(f"/posts/{post.id}/collaborations/remove",
                       data={"collaboration_id": collaboration.id}).status_code == 409
    post.state = PostState.DRAFT
    db.session.commit()
    assert client.post(f"/posts/{post.id}/collaborations/remove",
                       data={"collaboration_id": collaboration.id}).status_code == 302
    assert _events("post.collaboration_removed")[0].before["kind"] == "collaborator"
    db.session.expire_all()
    assert post.content_version == 4


def test_policy_page_sets_an_audited_policy(client, factory, tenants):
    home, opd, _foreign = tenants
    _signed(client, factory, home, "admin")
    assert client.post(f"/influencers/policy/{home.id}", data={"text": "#kerjasama"}).status_code == 302
    assert client.post(f"/influencers/policy/{home.id}", data={"text": ""}).status_code == 400
    page = client.get(f"/influencers/policy/{opd.id}").get_data(as_text=True)
    assert "Inherited from Diskominfo A" in page
    policy = db.session.scalars(select(DisclosurePolicy)).one()
    assert (policy.organisation_id, policy.text) == (home.id, "#kerjasama")
    assert _events("disclosure_policy.set")[0].after == {"text": "#kerjasama", "text_everywhere": False}


def test_reports_per_influencer_and_per_organisation_and_period_with_csv(client, factory, tenants):
    home, opd, foreign = tenants
    author = factory.user(opd, "admin")
    person = influencer(opd, "=Ayu", instagram=("ayu", None))
    consent(person)
    agreement(person, date(2026, 12, 1), date(2026, 12, 31))
    from datetime import UTC, datetime
    december = factory.post(opd, author, title="Imunisasi", scheduled_at=datetime(2026, 12, 5, 2, tzinfo=UTC))
    january = factory.post(home, author, title="Tahun baru", scheduled_at=datetime(2027, 1, 5, 2, tzinfo=UTC))
    target(december, factory.account(opd, "instagram"))
    collaborate(december, person, "collaborator", "paid_partnership")
    collaborate(january, person, "paid_partnership")
    foreign_post = factory.post(foreign, factory.user(foreign, "admin"), title="Asing")
    collaborate(foreign_post, influencer(foreign, "Asing"), "mention")

    _signed(client, factory, home, "viewer")
    response = client.get(f"/influencers/reports.csv?org_id={home.id}&start=2026-12-01&end=2026-12-31")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Date" and len(rows) == 2
    assert rows[1][:4] == ["2026-12-05", "'=Ayu", "Dinkes A", str(december.id)]  # formula-safe cell
    assert rows[1][6:] == ["instagram", "collaborator paid_partnership", "yes", "2026-12-01 – 2026-12-31 (paid)", "yes"]

    everything = client.get(f"/influencers/{person.id}/report.csv").get_data(as_text=True)
    assert "Tahun baru" in everything and "none" in everything  # January is not covered by the agreement
    assert "Asing" not in client.get("/influencers/reports.csv").get_data(as_text=True)
    assert client.get(f"/influencers/reports?org_id={foreign.id}").status_code == 404
    assert client.get("/influencers/reports?start=yesterday").status_code == 400
    assert "Imunisasi" in client.get(f"/influencers/reports?org_id={opd.id}").get_data(as_text=True)


def test_gate_message_in_indonesian_by_default(factory, app):
    from app.influencers import services

    org = factory.org()
    post = factory.post(org, factory.user(org, "coordinator"), scheduled_at=utcnow())
    collaborate(post, influencer(org, "Ayu"), "paid_partnership")
    problems = services.collaboration_problems(post)
    assert any("persetujuan" in p for p in problems), problems


def test_forms_need_a_csrf_token_and_an_own_organisation(client, factory, tenants, app):
    home, _opd, foreign = tenants
    _signed(client, factory, home, "coordinator")
    assert client.post("/influencers/new", data={"organisation_id": foreign.id, "name": "X"}).status_code == 400
    person = influencer(home)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/influencers/new", data={"organisation_id": home.id, "name": "X"}).status_code == 400
    assert client.post(f"/influencers/{person.id}/handles", data={"platform": "x", "handle": "ayu"}).status_code == 400
    assert db.session.scalars(select(Influencer)).all() == [person] and person.handles == []
