"""Campaigns in the targets view, the CSV exports and the CSV import."""
from __future__ import annotations

from datetime import timedelta

from app.calendar_io import export
from app.extensions import db
from app.models import Post, PostTarget, utcnow
from tests.app.calendar_io.test_export import _csv
from tests.app.calendar_io.test_import import _file, _good_rows, _posts, _upload
from tests.app.conftest import last_audit
from tests.app.posts.test_campaigns import campaign


def _labelled(desk, factory):
    """The fixture's post in the Pemda's campaign; another OPD's post in none."""
    city = campaign(desk.root, "Pilkada Damai 2026")
    desk.post.campaign_id = city.id
    other_post = factory.post(desk.other, desk.admin, title="Penerimaan siswa baru", body="PPDB dibuka")
    db.session.add(PostTarget(post_id=other_post.id, account_id=desk.other_x.id))
    db.session.commit()
    return city


def test_targets_view_filters_by_campaign_and_shows_it(desk, factory, browser):
    city = _labelled(desk, factory)
    client = browser(desk.admin)
    page = client.get(f"/targets?campaign_id={city.id}").get_data(as_text=True)
    assert "Posyandu Sabtu" in page and "Penerimaan siswa baru" not in page
    assert '<span class="cal-campaign">Pilkada Damai 2026</span>' in page
    assert f'<option value="{city.id}" selected>Pilkada Damai 2026 (Diskominfo Balikpapan)</option>' in page
    assert f"/targets/export.csv?campaign_id={city.id}" in page  # the export keeps the filter
    both = client.get("/targets").get_data(as_text=True)
    assert "Posyandu Sabtu" in both and "Penerimaan siswa baru" in both


def test_a_foreign_campaign_filter_answers_404(desk, factory, browser):
    foreign_root = factory.org("Pemkab Lain", kind="diskominfo")
    foreign = campaign(foreign_root, "Rahasia tetangga")
    client = browser(desk.admin)
    assert client.get(f"/targets?campaign_id={foreign.id}").status_code == 404
    assert client.get(f"/targets/export.csv?campaign_id={foreign.id}").status_code == 404
    assert client.get(f"/posts/export.csv?campaign_id={foreign.id}").status_code == 404


def test_exports_have_a_campaign_column_and_the_filter(desk, factory, browser):
    city = _labelled(desk, factory)
    client = browser(desk.admin)
    assert export.TARGET_COLUMNS[-1] == "campaign"
    targets = _csv(client.get(f"/targets/export.csv?campaign_id={city.id}"))
    assert {row["campaign"] for row in targets} == {"Pilkada Damai 2026"} and len(targets) == 2
    assert last_audit("targets.exported").after == {"filter": {"campaign_id": city.id}}
    posts = {row["title"]: row for row in _csv(client.get("/posts/export.csv"))}
    assert posts["Posyandu Sabtu"]["campaign"] == "Pilkada Damai 2026"
    assert posts["Penerimaan siswa baru"]["campaign"] == ""
    assert [row["title"] for row in _csv(client.get(f"/posts/export.csv?campaign_id={city.id}"))] == ["Posyandu Sabtu"]


def test_import_sets_a_campaign_by_name_in_any_case(desk, browser):
    city = campaign(desk.root, "Pilkada Damai 2026")
    own = campaign(desk.opd, "Stunting")
    rows = _good_rows(desk)
    rows[0]["campaign"], rows[1]["campaign"] = "pilkada damai 2026", " STUNTING "
    columns = ["organisation", "accounts", "title", "body", "variant_x", "scheduled_at", "not_after", "campaign"]
    response = _upload(browser(desk.opd_admin), _file(rows, columns))
    assert response.status_code == 200, response.get_data(as_text=True)
    created = {p.title: p.campaign_id for p in db.session.scalars(db.select(Post).where(Post.id != desk.post.id))}
    assert created == {"Imunisasi": city.id, "Donor darah": own.id}


def test_import_refuses_an_unknown_archived_or_foreign_campaign(desk, factory, browser):
    campaign(desk.root, "HUT RI ke-80", archived=True)
    campaign(desk.other, "Sekolah Sehat")  # a sibling OPD's: not usable by Dinas Kesehatan
    rows = _good_rows(desk)
    rows[0]["campaign"], rows[1]["campaign"] = "HUT RI ke-80", "Sekolah Sehat"
    rows.append({**rows[0], "campaign": "Kampanye Hantu"})
    columns = ["organisation", "accounts", "title", "body", "variant_x", "scheduled_at", "not_after", "campaign"]
    response = _upload(browser(desk.opd_admin), _file(rows, columns))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _posts() == 1  # only the fixture's post
    table = page.split("<tbody>", 1)[1]
    for row in (2, 3, 4):
        assert f'<td data-label="Baris">{row}</td><td data-label="Kolom">campaign</td>' in table
    assert "Tidak ada kampanye aktif “Kampanye Hantu” di organisasi ini atau di atasnya." in table


def test_a_post_export_with_campaigns_imports_again(desk, factory, browser):
    city = _labelled(desk, factory)
    desk.post.scheduled_at = utcnow() + timedelta(days=5)
    db.session.commit()
    client = browser(desk.admin)
    raw = client.get(f"/posts/export.csv?campaign_id={city.id}").get_data()
    response = _upload(client, raw)
    assert response.status_code == 200, response.get_data(as_text=True)
    copies = list(db.session.scalars(db.select(Post).where(Post.title == "Posyandu Sabtu")))
    assert len(copies) == 2 and {p.campaign_id for p in copies} == {city.id}
