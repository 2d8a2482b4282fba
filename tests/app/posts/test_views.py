"""Post drafts: list, editor, view, delete; tenancy, roles, validation and time zones."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import AccountStatus, AuditEvent, OrgKind, Post, PostState, PostTarget
from tests.app.conftest import last_audit


@pytest.fixture
def tree(factory):
    top = factory.org("Diskominfo Kota Balikpapan", kind=OrgKind.DISKOMINFO, timezone="Asia/Makassar")
    opd = factory.org("Dinas Kesehatan", parent=top, timezone="Asia/Makassar")
    sibling = factory.org("Dinas Perhubungan", parent=top, timezone="Asia/Makassar")
    foreign = factory.org("Diskominfo Kota Jayapura", kind=OrgKind.DISKOMINFO, timezone="Asia/Jayapura")
    return top, opd, sibling, foreign


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _form(accounts=(), **fields):
    data = {"title": "Posyandu", "body": "Posyandu serentak Sabtu ini.", "scheduled_at": "2030-11-24T08:00",
            "not_after": "", "accounts": [str(a.id) for a in accounts]}
    data.update(fields)
    return data


def test_admin_creates_draft_with_targets_variants_and_utc_time(browser, factory, tree):
    _top, opd, _sibling, _foreign = tree
    admin = factory.user(opd, "admin")
    insta, fb = factory.account(opd, "instagram", handle="dinkesbpp"), factory.account(opd, "facebook")
    client = browser(admin)
    form = client.get(f"/posts/new?org_id={opd.id}").get_data(as_text=True)
    assert "dinkesbpp" in form and "Waktu (WITA)" in form and 'type="datetime-local"' in form
    response = client.post(f"/posts/new?org_id={opd.id}", data=_form(
        [insta, fb], not_after="2030-11-24T20:00", variant_instagram="Versi Instagram #BalikpapanSehat",
        variant_facebook=""))
    assert response.status_code == 302
    post = db.session.scalar(db.select(Post))
    assert post.organisation_id == opd.id and post.author_id == admin.id and post.state == PostState.DRAFT
    assert post.scheduled_at == datetime(2030, 11, 24, 0, 0, tzinfo=UTC)  # 08:00 WITA
    assert post.not_after == datetime(2030, 11, 24, 12, 0, tzinfo=UTC)
    assert post.variants == {"instagram": {"body": "Versi Instagram #BalikpapanSehat"}}
    assert {t.account_id for t in post.targets} == {insta.id, fb.id}
    assert post.content_version == 1
    event = last_audit("post.created")
    assert event.after["account_ids"] == sorted([insta.id, fb.id]) and event.organisation_id == opd.id
    # Shown back in the organisation's zone, on the page and in the editor.
    assert "24-11-2030 08:00 WITA" in client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert 'value="2030-11-24T08:00"' in client.get(f"/posts/{post.id}/edit").get_data(as_text=True)


AMS_SUMMER, AMS_WINTER = "01-07-2030 08:00 Europe/Amsterdam", "15-01-2030 08:00 Europe/Amsterdam"


@pytest.mark.parametrize(("zone", "entered", "stored", "shown"), [
    ("Asia/Jayapura", "2030-11-24T08:00", datetime(2030, 11, 23, 23, 0, tzinfo=UTC), "24-11-2030 08:00 WIT"),
    ("Asia/Jakarta", "2030-11-24T08:00", datetime(2030, 11, 24, 1, 0, tzinfo=UTC), "24-11-2030 08:00 WIB"),
    ("Europe/Amsterdam", "2030-07-01T08:00", datetime(2030, 7, 1, 6, 0, tzinfo=UTC), AMS_SUMMER),
    ("Europe/Amsterdam", "2030-01-15T08:00", datetime(2030, 1, 15, 7, 0, tzinfo=UTC), AMS_WINTER),
])
def test_schedule_is_entered_in_the_organisations_zone(browser, factory, zone, entered, stored, shown):
    org = factory.org(timezone=zone)
    client = browser(factory.user(org, "admin"))
    assert client.post(f"/posts/new?org_id={org.id}", data=_form(scheduled_at=entered)).status_code == 302
    post = db.session.scalar(db.select(Post))
    assert post.scheduled_at == stored
    assert shown in client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f'value="{entered}"' in client.get(f"/posts/{post.id}/edit").get_data(as_text=True)


def test_time_that_does_not_exist_in_a_dst_zone_is_refused(browser, factory):
    org = factory.org(timezone="Europe/Amsterdam")
    response = browser(factory.user(org, "admin")).post(
        f"/posts/new?org_id={org.id}", data=_form(scheduled_at="2030-03-31T02:30"))
    assert response.status_code == 400
    assert "Isi tanggal dan jam yang ada di zona Europe/Amsterdam" in response.get_data(as_text=True)
    assert _count(Post) == 0


@pytest.mark.parametrize(("fields", "message"), [
    ({"not_after": "2030-11-24T07:00"}, "harus lebih lambat dari waktu unggah"),
    ({"not_after": "2030-11-24T08:00"}, "harus lebih lambat dari waktu unggah"),
    ({"scheduled_at": "2020-01-01T08:00"}, "Waktu unggah sudah lewat"),
    ({"scheduled_at": "", "not_after": "2020-01-01T08:00"}, "sudah lewat"),
    ({"scheduled_at": "besok pagi"}, "Isi tanggal dan jam"),
    ({"body": "   "}, "Isian ini wajib diisi"),
    ({"title": "x" * 201}, "Paling banyak 200 karakter"),
])
def test_invalid_input_is_refused_with_nothing_written(browser, factory, tree, fields, message):
    _top, opd, _sibling, _foreign = tree
    response = browser(factory.user(opd, "admin")).post(f"/posts/new?org_id={opd.id}", data=_form(**fields))
    assert response.status_code == 400
    assert (_count(Post), _count(PostTarget), _count(AuditEvent)) == (0, 0, 0)
    if message:
        assert message in response.get_data(as_text=True)


def test_all_problems_are_reported_at_once(browser, factory, tree):
    _top, opd, _sibling, _foreign = tree
    response = browser(factory.user(opd, "admin")).post(
        f"/posts/new?org_id={opd.id}", data={**_form(body="", scheduled_at="2020-01-01T08:00"), "accounts": ["999"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Isian ini wajib diisi" in html and "Waktu unggah sudah lewat" in html
    assert "Pilih salah satu pilihan yang tersedia" in html
    assert _count(Post) == 0


def test_accounts_outside_the_subtree_or_inactive_are_refused(browser, factory, tree):
    top, opd, sibling, foreign = tree
    client = browser(factory.user(top, "admin"))
    own = factory.account(opd, "instagram")
    for bad in (factory.account(sibling, "x"), factory.account(foreign, "x"), factory.account(top, "facebook"),
                factory.account(opd, "tiktok", status=AccountStatus.DISABLED)):
        response = client.post(f"/posts/new?org_id={opd.id}", data=_form([own, bad]))
        assert response.status_code == 400, bad
    assert (_count(Post), _count(PostTarget)) == (0, 0)


def test_child_organisation_accounts_are_offered(browser, factory, tree):
    top, opd, _sibling, _foreign = tree
    child_account = factory.account(opd, "instagram", handle="dinkesbpp")
    client = browser(factory.user(top, "admin"))
    assert client.post(f"/posts/new?org_id={top.id}", data=_form([child_account])).status_code == 302
    assert db.session.scalar(db.select(PostTarget.account_id)) == child_account.id


def test_variant_for_a_platform_without_chosen_account_is_refused(browser, factory, tree):
    _top, opd, _sibling, _foreign = tree
    insta, x = factory.account(opd, "instagram"), factory.account(opd, "x")
    response = browser(factory.user(opd, "admin")).post(
        f"/posts/new?org_id={opd.id}", data=_form([insta], variant_x="Teks khusus X"))
    assert response.status_code == 400
    assert "tidak memilih akunnya" in response.get_data(as_text=True)
    assert _count(Post) == 0 and x.id


def test_edit_bumps_version_syncs_targets_and_audits(browser, factory, tree):
    _top, opd, _sibling, _foreign = tree
    admin, author = factory.user(opd, "admin"), factory.user(opd, "admin")
    insta, fb, x = (factory.account(opd, p) for p in ("instagram", "facebook", "x"))
    post = factory.post(opd, author, body="Lama", variants={"instagram": {"body": "IG lama", "first_comment": "#a"}})
    db.session.add_all([PostTarget(post_id=post.id, account_id=a.id) for a in (insta, fb)])
    db.session.commit()
    client = browser(admin)  # another admin of the organisation may edit
    response = client.post(f"/posts/{post.id}/edit", data=_form([insta, x], body="Baru", variant_instagram="",
                                                               variant_x="X baru"))
    assert response.status_code == 302
    post = db.session.get(Post, post.id)
    assert post.body == "Baru" and post.content_version == 2
    assert {t.account_id for t in post.targets} == {insta.id, x.id}
    assert post.variants == {"instagram": {"first_comment": "#a"}, "x": {"body": "X baru"}}  # other options kept
    event = last_audit("post.updated")
    assert event.before["body"] == "Lama" and event.after["body"] == "Baru"
    assert event.before["content_version"] == 1 and event.after["content_version"] == 2
    assert event.before["account_ids"] == sorted([insta.id, fb.id])
    # Saving the same content again changes nothing.
    same = _form([insta, x], body="Baru", variant_instagram="", variant_x="X baru")
    assert client.post(f"/posts/{post.id}/edit", data=same).status_code == 302
    assert db.session.get(Post, post.id).content_version == 2
    assert _count(AuditEvent) == 1


def test_invalid_edit_changes_nothing(browser, factory, tree):
    _top, opd, _sibling, _foreign = tree
    admin = factory.user(opd, "admin")
    post = factory.post(opd, admin, body="Lama")
    response = browser(admin).post(f"/posts/{post.id}/edit", data=_form(
        body="Baru", scheduled_at="2030-11-24T08:00", not_after="2030-11-23T08:00"))
    assert response.status_code == 400
    post = db.session.get(Post, post.id)
    assert (post.body, post.content_version, _count(AuditEvent)) == ("Lama", 1, 0)


@pytest.mark.parametrize("role", ["viewer", "reviewer", "coordinator", "security_officer"])
def test_other_roles_read_but_cannot_write(browser, factory, tree, role):
    _top, opd, _sibling, _foreign = tree
    post = factory.post(opd, factory.user(opd, "admin"), title="Posyandu")
    client = browser(factory.user(opd, role))
    view = client.get(f"/posts/{post.id}")
    assert view.status_code == 200 and f"/posts/{post.id}/edit" not in view.get_data(as_text=True)
    assert "Posyandu" in client.get("/posts").get_data(as_text=True)
    assert client.get(f"/posts/{post.id}/edit").status_code == 403
    assert client.post(f"/posts/{post.id}/edit", data=_form(body="Diubah")).status_code == 403
    assert client.post(f"/posts/{post.id}/delete").status_code == 403
    assert client.get("/posts/new").status_code == 403
    assert client.post(f"/posts/new?org_id={opd.id}", data=_form()).status_code == 403
    assert db.session.get(Post, post.id).body == "Halo Balikpapan" and _count(Post) == 1


def test_foreign_posts_and_organisations_are_404(browser, factory, tree):
    _top, opd, sibling, foreign = tree
    foreign_post = factory.post(foreign, factory.user(foreign, "admin"), title="Rahasia Jayapura")
    sibling_post = factory.post(sibling, factory.user(sibling, "admin"), title="Rahasia Dishub")
    client = browser(factory.user(opd, "admin"))
    for post in (foreign_post, sibling_post):
        for url in (f"/posts/{post.id}", f"/posts/{post.id}/edit", f"/posts/{post.id}/delete"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"/posts/{post.id}/delete").status_code == 404
    assert client.get(f"/posts/new?org_id={foreign.id}").status_code == 404
    assert client.get(f"/posts?org_id={foreign.id}").status_code == 404
    html = client.get("/posts").get_data(as_text=True)
    assert "Rahasia" not in html
    assert _count(Post) == 2


def test_list_filters_by_organisation_and_state(browser, factory, tree):
    top, opd, sibling, _foreign = tree
    admin = factory.user(top, "admin")
    factory.post(opd, admin, title="Draf Dinkes")
    factory.post(sibling, admin, title="Draf Dishub")
    factory.post(opd, admin, title="Tinjau Dinkes", state=PostState.IN_REVIEW)
    client = browser(admin)
    html = client.get(f"/posts?org_id={opd.id}").get_data(as_text=True)
    assert "Draf Dinkes" in html and "Tinjau Dinkes" in html and "Draf Dishub" not in html
    html = client.get("/posts?state=draft").get_data(as_text=True)
    assert "Draf Dinkes" in html and "Draf Dishub" in html and "Tinjau Dinkes" not in html


def test_new_post_asks_for_the_organisation_when_several(browser, factory, tree):
    top, opd, _sibling, _foreign = tree
    page = browser(factory.user(top, "admin")).get("/posts/new")
    assert page.status_code == 200 and "Untuk organisasi mana?" in page.get_data(as_text=True)
    single = browser(factory.user(opd, "admin")).get("/posts/new")
    assert single.status_code == 200 and "Organisasi: Dinas Kesehatan" in single.get_data(as_text=True)


def test_delete_draft_with_confirmation(browser, factory, tree):
    _top, opd, _sibling, _foreign = tree
    admin = factory.user(opd, "admin")
    account = factory.account(opd, "instagram")
    post = factory.post(opd, admin, title="Hapus saya")
    db.session.add(PostTarget(post_id=post.id, account_id=account.id))
    db.session.commit()
    post_id = post.id
    client = browser(admin)
    assert "Hapus saya" in client.get(f"/posts/{post_id}/delete").get_data(as_text=True)
    assert _count(Post) == 1
    assert client.post(f"/posts/{post_id}/delete").status_code == 302
    assert (_count(Post), _count(PostTarget)) == (0, 0)
    event = last_audit("post.deleted")
    assert event.before["title"] == "Hapus saya" and event.object_id == str(post_id)


def test_non_draft_posts_cannot_be_edited_here(browser, factory, tree):
    _top, opd, _sibling, _foreign = tree
    admin = factory.user(opd, "admin")
    post = factory.post(opd, admin, state=PostState.IN_REVIEW)
    client = browser(admin)
    assert client.get(f"/posts/{post.id}/edit").status_code == 409
    assert client.post(f"/posts/{post.id}/delete").status_code == 409
    assert _count(Post) == 1


def test_posts_pages_in_english_after_switching(browser, factory, tree):
    _top, opd, _sibling, _foreign = tree
    client = browser(factory.user(opd, "admin"))
    assert "Unggahan baru" in client.get("/posts").get_data(as_text=True)
    client.post("/language", data={"locale": "en"})
    html = client.get("/posts").get_data(as_text=True)
    assert "New post" in html and "Unggahan baru" not in html
    assert "Time (WITA)" in client.get("/posts/new").get_data(as_text=True)
