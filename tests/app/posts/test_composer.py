"""The composer: live checks with the adapters' own rules, TikTok creator options, media, submit, prefill."""
from __future__ import annotations

from io import BytesIO

import pytest

from adapters.tiktok import CreatorInfo, TikTokAdapter
from adapters.x import count_text
from app.extensions import db
from app.models import AuditEvent, Media, OrgKind, Post, PostMedia, PostState, PostTarget
from tests.app.conftest import last_audit
from tests.e2e.helpers import jpeg


@pytest.fixture
def opd(factory):
    top = factory.org("Diskominfo Kota Balikpapan", kind=OrgKind.DISKOMINFO, timezone="Asia/Makassar")
    return factory.org("Dinas Kesehatan", parent=top, timezone="Asia/Makassar")


def _check(client, org, post=None, **data):
    url = f"/posts/validate?org_id={org.id}" + (f"&post_id={post.id}" if post else "")
    response = client.post(url, data={"title": "", "body": "", "scheduled_at": "", "not_after": "", **data})
    return response.status_code, response.get_data(as_text=True)


def test_x_counter_is_the_adapters_weighted_count(browser, factory, opd):
    account = factory.account(opd, "x", handle="dinkesbpp")
    client = browser(factory.user(opd, "admin"))
    text = "Vaksinasi gratis 💉 di Puskesmas https://dinkes.balikpapan.go.id/jadwal " + "数" * 3
    status, page = _check(client, opd, body=text, accounts=[str(account.id)])
    assert status == 200
    assert count_text(text) != len(text)  # the point: X does not count code points
    assert f'id="count-x">Karakter (cara X menghitung): {count_text(text)} / 280' in page
    assert "@dinkesbpp" in page and 'class="preview preview-x"' in page


def test_x_over_limit_shows_the_adapters_problem(browser, factory, opd):
    account = factory.account(opd, "x")
    client = browser(factory.user(opd, "admin"))
    _status, page = _check(client, opd, body="🙂" * 141, accounts=[str(account.id)])
    assert "counter-over" in page and "282 / 280" in page
    assert "1 masalah" in page and "batasnya 280" in page


def test_instagram_hashtags_and_media_required(browser, factory, opd):
    account = factory.account(opd, "instagram")
    client = browser(factory.user(opd, "admin"))
    body = " ".join(f"#tag{i}" for i in range(31))
    _status, page = _check(client, opd, body=body, accounts=[str(account.id)])
    assert 'id="hashtags-instagram">Tagar: 31 / 30' in page
    assert "paling banyak 30 tagar" in page  # the adapter's own message
    assert "Tidak ada foto atau video" in page


def test_variant_is_previewed_only_for_chosen_platforms(browser, factory, opd):
    fb, x = factory.account(opd, "facebook"), factory.account(opd, "x")
    client = browser(factory.user(opd, "admin"))
    _status, page = _check(client, opd, body="Teks utama", variant_x="Versi X singkat",
                           variant_facebook="", accounts=[str(x.id)])
    assert "preview-x" in page and "Versi X singkat" in page
    assert "preview-facebook" not in page
    _status, page = _check(client, opd, body="Teks utama", accounts=[str(fb.id), str(x.id)])
    assert "preview-facebook" in page and page.count("Teks utama") == 2


def test_content_policy_problems_appear_live(browser, factory, opd):
    opd.settings = {"content_policy": {"banned": [{"phrase": "hoaks", "reason": "Jangan sebarkan hoaks"}]}}
    db.session.commit()
    account = factory.account(opd, "facebook")
    client = browser(factory.user(opd, "admin"))
    _status, page = _check(client, opd, body="Ini hoaks", accounts=[str(account.id)])
    assert "Jangan sebarkan hoaks" in page


def test_validate_is_tenant_scoped(browser, factory, opd):
    other = factory.org("Diskominfo Kota Jayapura", kind=OrgKind.DISKOMINFO)
    client = browser(factory.user(opd, "admin"))
    assert _check(client, other)[0] == 404
    foreign_post = factory.post(other, factory.user(other, "admin"))
    assert _check(client, opd, post=foreign_post)[0] == 404
    assert browser(factory.user(opd, "viewer")).post(f"/posts/validate?org_id={opd.id}").status_code == 403
    assert client.post("/posts/validate").status_code == 400


def test_editor_page_wires_the_live_check_and_shows_the_zone(browser, factory, opd):
    factory.account(opd, "x")
    page = browser(factory.user(opd, "admin")).get(f"/posts/new?org_id={opd.id}").get_data(as_text=True)
    assert f'hx-post="/posts/validate?org_id={opd.id}"' in page
    assert "keyup changed delay:400ms" in page and "composer.js" in page
    assert "Waktu (WITA)" in page and 'data-platform="x"' in page


def test_date_parameter_prefills_the_schedule(browser, factory, opd):
    client = browser(factory.user(opd, "admin"))
    page = client.get(f"/posts/new?org_id={opd.id}&date=2030-11-24").get_data(as_text=True)
    assert 'value="2030-11-24T09:00"' in page
    assert client.get(f"/posts/new?org_id={opd.id}&date=24-11-2030").status_code == 400


def _tiktok_info(options=("SELF_ONLY",), comment_disabled=True):
    def creator_info(self, account):
        return CreatorInfo(username=account.handle, nickname="Dinkes", avatar_url="",
                           privacy_level_options=options, comment_disabled=comment_disabled, duet_disabled=False,
                           stitch_disabled=False, max_video_post_duration_sec=300)
    return creator_info


def test_tiktok_creator_options_are_shown_and_stored(browser, factory, opd, monkeypatch):
    monkeypatch.setattr(TikTokAdapter, "creator_info", _tiktok_info())
    account = factory.account(opd, "tiktok", handle="dinkes_tt")
    client = browser(factory.user(opd, "admin"))
    page = client.get(f"/posts/new?org_id={opd.id}").get_data(as_text=True)
    assert "belum diaudit" in page  # unaudited: said plainly
    assert 'value="SELF_ONLY"' in page and "PUBLIC_TO_EVERYONE" not in page
    assert "300 detik" in page and "dimatikan oleh TikTok" in page
    response = client.post(f"/posts/new?org_id={opd.id}", data={
        "title": "", "body": "Senam pagi", "scheduled_at": "", "not_after": "", "accounts": [str(account.id)],
        "tiktok_privacy_level": "SELF_ONLY", "tiktok_disable_duet": "y"})
    assert response.status_code == 302
    post = db.session.scalar(db.select(Post))
    assert post.variants["tiktok"]["options"] == {"privacy_level": "SELF_ONLY", "disable_duet": True}
    # A choice creator_info did not offer is refused with a message, nothing written.
    response = client.post(f"/posts/new?org_id={opd.id}", data={
        "title": "", "body": "Senam pagi", "scheduled_at": "", "not_after": "", "accounts": [str(account.id)],
        "tiktok_privacy_level": "PUBLIC_TO_EVERYONE"})
    assert response.status_code == 400 and "Pilih salah satu pilihan TikTok" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 1


def test_tiktok_unreachable_keeps_safe_choices(browser, factory, opd, monkeypatch):
    def failing(self, account):
        raise OSError("no route")
    monkeypatch.setattr(TikTokAdapter, "creator_info", failing)
    factory.account(opd, "tiktok", handle="dinkes_tt")
    page = browser(factory.user(opd, "admin")).get(f"/posts/new?org_id={opd.id}").get_data(as_text=True)
    assert "dinkes_tt" in page and 'value="SELF_ONLY"' in page and "PUBLIC_TO_EVERYONE" not in page


def test_save_and_submit_for_review(browser, factory, opd):
    account = factory.account(opd, "facebook")
    client = browser(factory.user(opd, "admin"))
    response = client.post(f"/posts/new?org_id={opd.id}", data={
        "title": "", "body": "Posyandu", "scheduled_at": "", "not_after": "", "accounts": [str(account.id)],
        "action": "submit"})
    assert response.status_code == 302
    post = db.session.scalar(db.select(Post))
    assert post.state == PostState.IN_REVIEW
    assert {"post.created", "post.submit"} <= set(db.session.scalars(db.select(AuditEvent.action)))


def test_submit_blocked_keeps_the_draft_and_says_why(browser, factory, opd):
    account = factory.account(opd, "instagram")  # Instagram needs media
    client = browser(factory.user(opd, "admin"))
    response = client.post(f"/posts/new?org_id={opd.id}", data={
        "title": "", "body": "Posyandu", "scheduled_at": "", "not_after": "", "accounts": [str(account.id)],
        "action": "submit"})
    post = db.session.scalar(db.select(Post))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/posts/{post.id}/edit")
    assert post.state == PostState.DRAFT
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "belum dapat diajukan" in page


def _upload(client, post, data, name="foto.jpg"):
    return client.post(f"/posts/{post.id}/media", data={"file": (BytesIO(data), name), "alt_text": "Foto"},
                       content_type="multipart/form-data")


def test_media_attach_reorder_remove_with_thumbnails(browser, factory, opd):
    admin = factory.user(opd, "admin")
    account = factory.account(opd, "instagram")
    post = factory.post(opd, admin, body="Galeri")
    db.session.add(PostTarget(post_id=post.id, account_id=account.id))
    db.session.commit()
    client = browser(admin)
    assert _upload(client, post, jpeg(800, 800), "satu.jpg").status_code == 302
    assert _upload(client, post, jpeg(800, 800), "dua.jpg").status_code == 302
    ids = [link.media_id for link in db.session.get(Post, post.id).media_links]
    assert [db.session.get(Media, i).filename for i in ids] == ["satu.jpg", "dua.jpg"]
    assert db.session.get(Post, post.id).content_version == 3
    page = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert f'src="/media/{ids[0]}"' in page and "Media: 2 / 10" in page  # thumbnail + carousel counter
    assert client.post(f"/posts/{post.id}/media/{ids[1]}/move", data={"direction": "up"}).status_code == 302
    assert [link.media_id for link in db.session.get(Post, post.id).media_links] == [ids[1], ids[0]]
    assert last_audit("post.media_moved").after["media_ids"] == [ids[1], ids[0]]
    assert client.post(f"/posts/{post.id}/media/{ids[1]}/remove").status_code == 302
    assert [link.media_id for link in db.session.get(Post, post.id).media_links] == [ids[0]]
    assert db.session.get(Media, ids[1]) is not None  # the file stays in the library
    assert client.post(f"/posts/{post.id}/media/{ids[1]}/remove").status_code == 404
    assert client.post(f"/posts/{post.id}/media/{ids[0]}/move", data={"direction": "sideways"}).status_code == 400


def test_media_upload_refuses_bad_files_and_foreign_posts(browser, factory, opd):
    admin = factory.user(opd, "admin")
    post = factory.post(opd, admin)
    client = browser(admin)
    response = _upload(client, post, b"not an image at all", "x.jpg")
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(PostMedia)) == 0
    foreign = factory.post(factory.org("Lain", kind=OrgKind.DISKOMINFO), factory.user())
    assert _upload(client, foreign, jpeg(10, 10)).status_code == 404
    post.state = PostState.IN_REVIEW
    db.session.commit()
    assert _upload(client, post, jpeg(10, 10)).status_code == 409


def test_quota_warning_when_the_planned_time_is_crowded(browser, factory, opd):
    from datetime import UTC, datetime

    account = factory.account(opd, "tiktok", handle="ramai_tt")
    admin = factory.user(opd, "admin")
    due = datetime(2030, 11, 24, 0, 0, tzinfo=UTC)  # 08:00 WITA
    for number in range(6):  # TikTok: 6 video inits per minute per account
        post = factory.post(opd, admin, body=f"Terjadwal {number}")
        db.session.add(PostTarget(post_id=post.id, account_id=account.id, due_at=due))
    db.session.commit()
    client = browser(admin)
    _status, crowded = _check(client, opd, body="Satu lagi", accounts=[str(account.id)],
                              scheduled_at="2030-11-24T08:00")
    assert "Kuota ramai_tt: 6 dari 6 unggahan dalam 1 menit" in crowded
    _status, calm = _check(client, opd, body="Satu lagi", accounts=[str(account.id)], scheduled_at="2030-11-25T08:00")
    assert "Kuota ramai_tt" not in calm


def test_collaborators_are_counted_against_the_platforms_limit(browser, factory, opd):
    from tests.app.influencers.builders import collaborate, influencer

    admin = factory.user(opd, "admin")
    account = factory.account(opd, "instagram")
    post = factory.post(opd, admin, body="Kolaborasi")
    db.session.add(PostTarget(post_id=post.id, account_id=account.id))
    db.session.commit()
    for number in range(4):
        collaborate(post, influencer(opd, f"P{number}", instagram=(f"p{number}", None)), "collaborator")
    client = browser(admin)
    _status, page = _check(client, opd, post=post, body="Kolaborasi", accounts=[str(account.id)])
    assert 'id="collab-instagram">Kolaborator: 4 / 3' in page and "counter-over" in page
    assert "paling banyak 3 kolaborator per postingan" in page
    page = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert f"/posts/{post.id}/collaborations" in page  # tagging is one click away


def test_one_check_covers_all_five_platforms(browser, factory, opd):
    accounts = [factory.account(opd, platform, handle=f"dinkes_{platform}")
                for platform in ("facebook", "instagram", "x", "youtube", "tiktok")]
    admin = factory.user(opd, "admin")
    post = factory.post(opd, admin, body="Semua platform", title="Judul video")
    media = Media(organisation_id=opd.id, uploaded_by_id=admin.id, filename="foto.jpg", content_type="image/jpeg",
                  size_bytes=1000, sha256="0" * 64, storage_key="k/foto.jpg", width=1080, height=1080)
    db.session.add(media)
    db.session.flush()
    db.session.add(PostMedia(post_id=post.id, media_id=media.id, position=0))
    db.session.commit()
    status, page = _check(browser(admin), opd, post=post, body="Semua platform\nbaris kedua", title="Judul video",
                          accounts=[str(a.id) for a in accounts], tiktok_privacy_level="SELF_ONLY")
    assert status == 200
    for platform in ("facebook", "instagram", "x", "youtube", "tiktok"):
        assert f'class="preview preview-{platform}"' in page and f"dinkes_{platform}" in page
    assert page.count(f'src="/media/{media.id}"') == 5  # the thumbnail on every card
    assert "Semua platform\nbaris kedua" in page  # line breaks kept (pre-wrap)
    assert "YouTube" in page and "Judul video" in page
