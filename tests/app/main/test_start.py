"""Start page: a per-role overview of what the user can see."""
from __future__ import annotations

from datetime import timedelta

from app.models import AccountStatus, OrgKind, PostState, utcnow


def test_admin_overview_counts_only_visible_data(browser, factory):
    top = factory.org("Diskominfo Kota Balikpapan", kind=OrgKind.DISKOMINFO, timezone="Asia/Makassar")
    opd = factory.org("Dinas Kesehatan", parent=top)
    foreign = factory.org("Diskominfo Kota Jayapura")
    admin = factory.user(opd, "admin", name="Admin Dinkes")
    factory.post(opd, admin)
    factory.post(opd, admin)
    factory.post(opd, admin, state=PostState.IN_REVIEW)
    factory.post(foreign, factory.user(foreign, "admin"))
    factory.account(opd, "instagram", token_expires_at=utcnow() + timedelta(days=2))
    factory.account(opd, "facebook", token_expires_at=utcnow() + timedelta(days=40))
    factory.account(foreign, "x", status=AccountStatus.NEEDS_RECONNECT)
    html = browser(admin).get("/").get_data(as_text=True)
    assert "Selamat datang, Admin Dinkes" in html
    assert '<span class="stat">2</span> draf' in html
    assert "2 di antaranya dapat Anda ubah" in html
    assert '<span class="stat">2</span> akun media sosial' in html
    assert "1 perlu perhatian" in html
    assert '<span class="stat">1</span> organisasi' in html
    assert "Admin · Dinas Kesehatan" in html
    assert "Tulis unggahan baru" in html


def test_viewer_overview_has_no_write_actions(browser, factory):
    top = factory.org(kind=OrgKind.DISKOMINFO)
    factory.org(parent=top)
    viewer = factory.user(top, "viewer")
    factory.post(top, factory.user(top, "admin"))
    html = browser(viewer).get("/").get_data(as_text=True)
    assert '<span class="stat">2</span> organisasi' in html
    assert "Tulis unggahan baru" not in html and "dapat Anda ubah" not in html
    assert "Baca unggahan organisasi Anda" in html


def test_user_without_membership_is_told_to_ask_an_admin(browser, factory):
    html = browser(factory.user()).get("/").get_data(as_text=True)
    assert "Minta admin untuk menambahkan Anda" in html


def test_start_page_in_english_after_switching(browser, factory):
    client = browser(factory.user(factory.org(), "security_officer"))
    client.post("/language", data={"locale": "en"})
    html = client.get("/").get_data(as_text=True)
    assert "switch off a compromised one" in html and "Security officer" in html
