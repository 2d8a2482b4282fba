"""Campaign pages and the composer's campaign: admins manage them, descendants use them, others never see them."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import AuditEvent, Campaign, OrgKind, Post, PostState, PostTarget
from tests.app.conftest import last_audit


@pytest.fixture
def tree(factory):
    top = factory.org("Diskominfo Kota Balikpapan", kind=OrgKind.DISKOMINFO, timezone="Asia/Makassar")
    opd = factory.org("Dinas Kesehatan", parent=top, timezone="Asia/Makassar")
    sibling = factory.org("Dinas Perhubungan", parent=top, timezone="Asia/Makassar")
    foreign = factory.org("Diskominfo Kota Jayapura", kind=OrgKind.DISKOMINFO, timezone="Asia/Jayapura")
    return top, opd, sibling, foreign


def campaign(org, name: str, **fields) -> Campaign:
    found = Campaign(organisation_id=org.id, **fields)
    found.rename(name)
    db.session.add(found)
    db.session.commit()
    return found


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _post_form(account, **fields):
    data = {"title": "Posyandu", "body": "Posyandu serentak Sabtu ini.", "scheduled_at": "2030-11-24T08:00",
            "not_after": "", "accounts": [str(account.id)], "campaign": ""}
    data.update(fields)
    return data


# -- management pages ---------------------------------------------------------------------------------


def test_admin_creates_edits_archives_and_restores_a_campaign_audited(browser, factory, tree):
    top, _opd, _sibling, _foreign = tree
    client = browser(factory.user(top, "admin"))
    assert "Kampanye" in client.get("/").get_data(as_text=True)  # the menu entry
    response = client.post(f"/orgs/{top.id}/campaigns/new", data={
        "name": " HUT RI  ke-81 ", "description": "Peringatan kemerdekaan", "starts_on": "2026-08-01",
        "ends_on": "2026-08-31"})
    assert response.status_code == 302
    created = db.session.scalar(db.select(Campaign))
    assert (created.organisation_id, created.name, created.name_key) == (top.id, "HUT RI ke-81", "hut ri ke-81")
    assert last_audit("campaign.created").after["ends_on"] == "2026-08-31"
    assert "HUT RI ke-81" in client.get("/campaigns").get_data(as_text=True)
    assert client.post(f"/campaigns/{created.id}/edit", data={
        "name": "HUT RI ke-81", "description": "Agustusan", "starts_on": "2026-08-01", "ends_on": ""}
    ).status_code == 302
    event = last_audit("campaign.updated")
    assert event.before["description"] == "Peringatan kemerdekaan" and event.after["ends_on"] is None
    assert client.post(f"/campaigns/{created.id}/archive").status_code == 302
    db.session.refresh(created)
    assert created.archived and last_audit("campaign.archived").after["archived"] is True
    assert client.post(f"/campaigns/{created.id}/restore").status_code == 302
    db.session.refresh(created)
    assert not created.archived and last_audit("campaign.restored").before["archived"] is True


def test_a_duplicate_name_in_any_case_or_a_wrong_period_is_refused(browser, factory, tree):
    top, opd, _sibling, _foreign = tree
    campaign(top, "Stunting")
    client = browser(factory.user(top, "admin"))
    before = _count(AuditEvent)
    response = client.post(f"/orgs/{top.id}/campaigns/new", data={"name": "STUNTING"})
    assert response.status_code == 400
    assert "Organisasi ini sudah memiliki kampanye dengan nama ini." in response.get_data(as_text=True)
    response = client.post(f"/orgs/{top.id}/campaigns/new", data={
        "name": "Pilkada Damai 2026", "starts_on": "2026-11-27", "ends_on": "2026-11-01"})
    assert response.status_code == 400
    assert "Kampanye tidak boleh berakhir sebelum dimulai." in response.get_data(as_text=True)
    assert _count(Campaign) == 1 and _count(AuditEvent) == before
    # The same name in another organisation is fine (the OPD's own "Stunting").
    assert client.post(f"/orgs/{opd.id}/campaigns/new", data={"name": "stunting"}).status_code == 302
    assert _count(Campaign) == 2


def test_opd_admin_uses_ancestor_campaigns_but_cannot_change_them(browser, factory, tree):
    top, opd, sibling, _foreign = tree
    city = campaign(top, "Pilkada Damai 2026")
    other = campaign(sibling, "Tertib Lalu Lintas")
    old = campaign(top, "HUT RI ke-80", archived=True)
    factory.account(opd, "facebook")
    client = browser(factory.user(opd, "admin"))
    page = client.get(f"/posts/new?org_id={opd.id}").get_data(as_text=True)
    assert f'<option value="{city.id}">Pilkada Damai 2026 (Diskominfo Kota Balikpapan)</option>' in page
    assert "Tertib Lalu Lintas" not in page and "HUT RI ke-80" not in page  # a sibling's, an archived one
    assert client.get(f"/campaigns/{city.id}/edit").status_code == 404
    assert client.post(f"/campaigns/{city.id}/archive").status_code == 404
    assert client.get(f"/campaigns/{other.id}/edit").status_code == 404
    assert client.post(f"/campaigns/{old.id}/restore").status_code == 404
    assert "Pilkada Damai 2026" not in client.get("/campaigns").get_data(as_text=True)


def test_reviewers_and_viewers_do_not_manage_campaigns(browser, factory, tree):
    top, _opd, _sibling, _foreign = tree
    found = campaign(top, "Stunting")
    for role in ("reviewer", "viewer"):
        client = browser(factory.user(top, role))
        assert "/campaigns" not in client.get("/").get_data(as_text=True)
        assert client.get("/campaigns").status_code == 403
        assert client.get(f"/orgs/{top.id}/campaigns/new").status_code == 403
        assert client.post(f"/campaigns/{found.id}/edit", data={"name": "X"}).status_code == 403
        assert client.post(f"/campaigns/{found.id}/archive").status_code == 403
    db.session.refresh(found)
    assert (found.name, found.archived) == ("Stunting", False)


# -- the composer -------------------------------------------------------------------------------------


def test_composer_saves_a_usable_campaign_and_refuses_any_other(browser, factory, tree):
    top, opd, sibling, foreign = tree
    city = campaign(top, "Pilkada Damai 2026")
    refused = [campaign(sibling, "Tertib Lalu Lintas"), campaign(foreign, "Papua Sehat"),
               campaign(top, "HUT RI ke-80", archived=True)]
    account = factory.account(opd, "facebook")
    client = browser(factory.user(opd, "admin"))
    for other in refused:
        response = client.post(f"/posts/new?org_id={opd.id}", data=_post_form(account, campaign=str(other.id)))
        assert response.status_code == 400
        assert "Pilih salah satu kampanye yang tersedia untuk organisasi ini." in response.get_data(as_text=True)
    response = client.post(f"/posts/new?org_id={opd.id}", data=_post_form(account, campaign="nomor"))
    assert response.status_code == 400
    assert _count(Post) == 0
    assert client.post(f"/posts/new?org_id={opd.id}", data=_post_form(account, campaign=str(city.id))).status_code \
        == 302
    post = db.session.scalar(db.select(Post))
    assert post.campaign_id == city.id and last_audit("post.created").after["campaign_id"] == city.id
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Pilkada Damai 2026" in page and f"/calendar?campaign_id={city.id}" in page


def test_campaign_only_change_is_a_label_not_a_new_content_version(browser, factory, tree):
    top, opd, _sibling, _foreign = tree
    first, second = campaign(top, "Stunting"), campaign(opd, "Imunisasi")
    account = factory.account(opd, "facebook")
    client = browser(factory.user(opd, "admin"))
    client.post(f"/posts/new?org_id={opd.id}", data=_post_form(account, campaign=str(first.id)))
    post = db.session.scalar(db.select(Post))
    assert client.post(f"/posts/{post.id}/edit", data=_post_form(account, campaign=str(second.id))).status_code == 302
    db.session.refresh(post)
    assert (post.campaign_id, post.content_version) == (second.id, 1)
    event = last_audit("post.updated")
    assert (event.before["campaign_id"], event.after["campaign_id"]) == (first.id, second.id)
    # A real content change still bumps the version.
    client.post(f"/posts/{post.id}/edit", data=_post_form(account, campaign=str(second.id), body="Teks baru"))
    db.session.refresh(post)
    assert post.content_version == 2


def test_an_archived_campaign_stays_on_its_draft_when_saved_again(browser, factory, tree):
    top, opd, _sibling, _foreign = tree
    old = campaign(top, "HUT RI ke-80")
    account = factory.account(opd, "facebook")
    client = browser(factory.user(opd, "admin"))
    client.post(f"/posts/new?org_id={opd.id}", data=_post_form(account, campaign=str(old.id)))
    post = db.session.scalar(db.select(Post))
    old.archived = True
    db.session.commit()
    editor = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{old.id}">' in editor
    assert client.post(f"/posts/{post.id}/edit", data=_post_form(account, campaign=str(old.id),
                                                                 title="Judul baru")).status_code == 302
    db.session.refresh(post)
    assert post.campaign_id == old.id and post.title == "Judul baru"


def test_approved_post_changes_campaign_without_going_back_to_review(browser, factory, tree):
    top, opd, sibling, _foreign = tree
    city, other = campaign(top, "Pilkada Damai 2026"), campaign(sibling, "Tertib Lalu Lintas")
    account = factory.account(opd, "facebook")
    author = factory.user(opd, "admin")
    post = factory.post(opd, author, state=PostState.SCHEDULED, content_version=3,
                        scheduled_at=datetime(2030, 11, 24, tzinfo=UTC))
    db.session.add(PostTarget(post_id=post.id, account_id=account.id))
    db.session.commit()
    admin = browser(factory.user(top, "admin"))
    assert admin.post(f"/posts/{post.id}/campaign", data={"campaign": str(city.id)}).status_code == 302
    db.session.refresh(post)
    assert (post.campaign_id, post.state, post.content_version) == (city.id, PostState.SCHEDULED, 3)
    event = last_audit("post.campaign_changed")
    assert (event.before, event.after) == ({"campaign_id": None}, {"campaign_id": city.id})
    before = _count(AuditEvent)
    response = admin.post(f"/posts/{post.id}/campaign", data={"campaign": str(other.id)})
    assert response.status_code == 400
    assert "Pilih salah satu kampanye" in response.get_data(as_text=True)
    assert _count(AuditEvent) == before
    assert admin.post(f"/posts/{post.id}/campaign", data={"campaign": ""}).status_code == 302
    db.session.refresh(post)
    assert post.campaign_id is None and post.state == PostState.SCHEDULED
    # Only admins change it; a reviewer sees the label but no control.
    reviewer = browser(factory.user(top, "reviewer"))
    assert reviewer.post(f"/posts/{post.id}/campaign", data={"campaign": str(city.id)}).status_code == 403
    assert f'action="/posts/{post.id}/campaign"' not in reviewer.get(f"/posts/{post.id}").get_data(as_text=True)


def test_new_post_from_a_campaign_starts_with_it_when_usable(browser, factory, tree):
    top, opd, sibling, _foreign = tree
    city, other = campaign(top, "Pilkada Damai 2026"), campaign(sibling, "Tertib Lalu Lintas")
    factory.account(opd, "facebook")
    client = browser(factory.user(opd, "admin"))
    page = client.get(f"/posts/new?org_id={opd.id}&campaign_id={city.id}").get_data(as_text=True)
    assert f'<option selected value="{city.id}">' in page
    page = client.get(f"/posts/new?org_id={opd.id}&campaign_id={other.id}")
    assert page.status_code == 200 and f'value="{other.id}"' not in page.get_data(as_text=True)
    # An admin of several organisations chooses one first; the campaign comes along.
    chooser = browser(factory.user(top, "admin")).get(f"/posts/new?campaign_id={city.id}").get_data(as_text=True)
    assert f'<input type="hidden" name="campaign_id" value="{city.id}">' in chooser


def test_posts_list_filters_by_campaign_and_shows_it(browser, factory, tree):
    top, opd, _sibling, foreign = tree
    city, other = campaign(top, "Stunting"), campaign(top, "HUT RI ke-81")
    author = factory.user(opd, "admin")
    labelled = factory.post(opd, author, title="Posyandu balita")
    labelled.campaign_id = city.id
    factory.post(opd, author, title="Jadwal vaksin")
    hidden = campaign(foreign, "Papua Sehat")
    db.session.commit()
    client = browser(author)
    page = client.get(f"/posts?campaign_id={city.id}").get_data(as_text=True)
    assert "Posyandu balita" in page and "Jadwal vaksin" not in page
    assert 'class="campaign-label">Stunting<' in page and f'campaign_id={city.id}' in page  # kept in the CSV link
    assert f'<option value="{other.id}">' in page  # offered for filtering
    assert "Papua Sehat" not in page
    assert client.get(f"/posts?campaign_id={hidden.id}").status_code == 404  # another Pemda's campaign
    both = client.get("/posts").get_data(as_text=True)
    assert "Posyandu balita" in both and "Jadwal vaksin" in both
