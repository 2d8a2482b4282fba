"""CSV export of posts and targets: BOM, zone-named local times, stable columns, injection-safe, scoped, audited."""
from __future__ import annotations

import csv
import io

from app.calendar_io import export
from app.extensions import db
from app.models import PostTarget
from tests.app.conftest import last_audit


def _csv(response) -> list[dict[str, str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode()), "UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_targets_csv_has_the_documented_columns_and_local_times(desk, browser):
    response = browser(desk.viewer).get("/targets/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="warta-targets-')
    assert response.is_streamed
    header = response.get_data().decode("utf-8-sig").splitlines()[0].split(",")
    assert tuple(header) == export.TARGET_COLUMNS
    rows = {row["account"]: row for row in _csv(response)}
    published, failed = rows["dinkes.bpp"], rows["dinkesbpp"]
    assert published["state"] == "published" and published["remote_url"] == "https://facebook.example/p/1"
    assert published["published_at"] == "2026-11-24 08:01" and published["timezone"] == "Asia/Makassar"
    assert failed["due_at"] == "2026-11-24 08:00" and failed["state_label"] == "Gagal"
    assert failed["last_error"].startswith("The platform refused this post")


def test_targets_csv_uses_the_view_filter_and_is_audited(desk, browser):
    client = browser(desk.admin)
    rows = _csv(client.get("/targets/export.csv?state=failed"))
    assert [row["account"] for row in rows] == ["dinkesbpp"]
    event = last_audit("targets.exported")
    assert event.actor_id == desk.admin.id and event.after == {"filter": {"state": "failed"}}
    assert _csv(client.get(f"/targets/export.csv?org_id={desk.other.id}")) == []


def test_posts_csv_round_trip_columns_variants_and_filter(desk, factory, browser):
    desk.post.variants = {"x": {"body": "Versi X"}}
    db.session.commit()
    other = factory.post(desk.other, desk.admin, title="Sekolah", state="in_review")
    db.session.add(PostTarget(post_id=other.id, account_id=desk.other_x.id))
    db.session.commit()
    client = browser(desk.admin)
    response = client.get("/posts/export.csv")
    header = response.get_data().decode("utf-8-sig").splitlines()[0].split(",")
    assert tuple(header) == export.post_columns()
    assert header[:4] == ["organisation", "accounts", "title", "body"] and "variant_x" in header
    rows = {row["title"]: row for row in _csv(response)}
    posyandu = rows["Posyandu Sabtu"]
    assert posyandu["accounts"] == "facebook:dinkes.bpp;x:dinkesbpp"
    assert posyandu["variant_x"] == "Versi X" and posyandu["variant_facebook"] == ""
    assert posyandu["scheduled_at"] == "2026-11-24 08:00" and posyandu["timezone"] == "Asia/Makassar"
    assert posyandu["author"] == "Admin Dinkes" and posyandu["organisation"] == "Dinas Kesehatan"
    assert rows["Sekolah"]["state_label"] == "Sedang ditinjau"
    assert set(rows) == {"Posyandu Sabtu", "Sekolah"}
    assert [r["title"] for r in _csv(client.get("/posts/export.csv?state=in_review"))] == ["Sekolah"]
    assert [r["title"] for r in _csv(client.get("/posts/export.csv?platform=facebook"))] == ["Posyandu Sabtu"]
    assert [r["title"] for r in _csv(client.get(f"/posts/export.csv?account_id={desk.other_x.id}"))] == ["Sekolah"]
    assert [r["title"] for r in _csv(client.get("/posts/export.csv?date_from=2026-11-24&date_to=2026-11-24"))] \
        == ["Posyandu Sabtu"]


def test_formula_injection_is_neutralised(desk, factory, browser):
    evil = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
    for n, text in enumerate(evil):
        factory.post(desk.opd, desk.opd_admin, title=text, body=f"body {n}")
    rows = _csv(browser(desk.admin).get("/posts/export.csv"))
    titles = {row["title"] for row in rows}
    for text in evil:
        assert "'" + text in titles, text
    assert "Posyandu Sabtu" in titles  # ordinary text untouched


def test_export_is_scoped_to_the_tenant(desk, factory, browser):
    outsider = factory.user(factory.org("Pemkab Lain", kind="diskominfo"), "admin")
    client = browser(outsider)
    assert _csv(client.get("/targets/export.csv")) == []
    assert _csv(client.get("/posts/export.csv")) == []
    assert client.get(f"/posts/export.csv?org_id={desk.opd.id}").status_code == 404
    assert client.get(f"/targets/export.csv?account_id={desk.x.id}").status_code == 404


def test_large_exports_stream_in_chunks(desk, factory, browser):
    for n in range(250):
        factory.post(desk.opd, desk.opd_admin, title=f"Rencana {n}")
    response = browser(desk.admin).get("/posts/export.csv", buffered=False)
    chunks = [chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in response.response]
    assert len(chunks) >= 4  # header, then one chunk per 100 rows
    text = b"".join(chunks).decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(text)))) == 251


def test_safe_cell_leaves_numbers_and_plain_text():
    assert export.safe_cell(-5) == -5
    assert export.safe_cell("Halo") == "Halo"
    assert export.safe_cell("") == ""
    assert export.safe_cell("=1") == "'=1"


def test_posts_list_links_to_the_export_with_its_filter(desk, browser):
    page = browser(desk.admin).get(f"/posts?org_id={desk.opd.id}&state=draft").get_data(as_text=True)
    assert f"/posts/export.csv?org_id={desk.opd.id}&amp;state=draft" in page
    assert "/posts/import" in page
