"""CSV calendar import: every row validated first (editor + adapters + rules), then all drafts or none."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import AuditEvent, Post, utcnow
from tests.app.conftest import audit_actions, last_audit

WITA = ZoneInfo("Asia/Makassar")


def _when(days: int = 10, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return (utcnow() + timedelta(days=days)).astimezone(WITA).replace(hour=8, minute=0).strftime(fmt)


def _file(rows: list[dict[str, str]], columns: list[str] | None = None, delimiter: str = ",") -> bytes:
    columns = columns or ["organisation", "accounts", "title", "body", "variant_x", "scheduled_at", "not_after"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _upload(client, raw: bytes, **form):
    return client.post("/posts/import", data={"file": (io.BytesIO(raw), "kalender.csv"), **form},
                       content_type="multipart/form-data")


def _posts() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Post))


def _good_rows(desk) -> list[dict[str, str]]:
    return [
        {"organisation": "Dinas Kesehatan", "accounts": "facebook:dinkes.bpp; @dinkesbpp", "title": "Imunisasi",
         "body": "Imunisasi gratis di puskesmas", "variant_x": "Imunisasi gratis! #sehat", "scheduled_at": _when()},
        {"organisation": str(desk.opd.id), "accounts": str(desk.facebook.id), "title": "Donor darah",
         "body": "Donor darah di balai kota", "scheduled_at": _when(12, "%d/%m/%Y %H:%M"),
         "not_after": _when(13)},
    ]


def test_template_download(desk, browser):
    response = browser(desk.opd_admin).get("/posts/import/template.csv")
    assert response.status_code == 200 and response.get_data().startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0]["accounts"] == "instagram:diskominfo;x:@diskominfo"
    assert list(rows[0])[:4] == ["organisation", "accounts", "title", "body"] and "variant_tiktok" in rows[0]


def test_valid_file_creates_every_draft_in_the_organisations_zone_and_audits(desk, browser):
    response = _upload(browser(desk.opd_admin), _file(_good_rows(desk)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    posts = list(db.session.scalars(db.select(Post).where(Post.title.in_(["Imunisasi", "Donor darah"]))
                                    .order_by(Post.id)))
    assert [p.title for p in posts] == ["Imunisasi", "Donor darah"]
    first, second = posts
    assert first.state == "draft" and first.author_id == desk.opd_admin.id
    assert sorted(t.account_id for t in first.targets) == [desk.facebook.id, desk.x.id]
    assert first.variants == {"x": {"body": "Imunisasi gratis! #sehat"}}
    assert first.scheduled_at.astimezone(WITA).strftime("%Y-%m-%d %H:%M") == _when()
    assert second.scheduled_at.astimezone(WITA).strftime("%d/%m/%Y %H:%M") == _when(12, "%d/%m/%Y %H:%M")
    assert second.not_after is not None
    assert f"/posts/{first.id}" in page and f"/posts/{second.id}" in page
    assert audit_actions().count("post.created") == 2
    event = last_audit("calendar.imported")
    assert event.actor_id == desk.opd_admin.id and event.organisation_id == desk.opd.id
    assert event.after["post_ids"] == [first.id, second.id] and event.after["filename"] == "kalender.csv"


def test_one_bad_row_means_nothing_is_created_and_every_problem_is_listed(desk, browser):
    rows = [
        *_good_rows(desk),
        {"organisation": "Dinas Kesehatan", "accounts": "dinkesbpp", "body": "", "scheduled_at": "besok pagi"},
        {"organisation": "Dinas Kesehatan", "accounts": "facebook:dinkes.bpp", "body": "Teks",
         "variant_x": "Teks X tanpa akun X", "scheduled_at": _when(-3), "not_after": _when(-4)},
    ]
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    response = _upload(browser(desk.opd_admin), _file(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _posts() == 1  # only the fixture's post
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == before
    assert "Tidak ada yang dibuat" in page
    table = page.split("<tbody>", 1)[1]
    assert '<td data-label="Baris">4</td><td data-label="Kolom">body</td>' in table
    assert '<td data-label="Baris">4</td><td data-label="Kolom">scheduled_at</td>' in table
    assert '<td data-label="Baris">5</td><td data-label="Kolom">variant_x</td>' in table
    assert '<td data-label="Baris">5</td><td data-label="Kolom">scheduled_at</td>' in table
    assert "Waktu terbit sudah lewat" in table or "sudah lewat" in table


def test_foreign_or_unknown_accounts_and_organisations_are_errors_that_leak_nothing(desk, factory, browser):
    foreign_root = factory.org("Pemkab Tetangga", kind="diskominfo")
    foreign = factory.account(foreign_root, "x", handle="rahasia_tetangga")
    rows = [{"organisation": "Dinas Kesehatan", "accounts": f"x:rahasia_tetangga;{foreign.id};x:tidakada",
             "body": "Halo", "scheduled_at": _when()},
            {"organisation": "Pemkab Tetangga", "accounts": "x:rahasia_tetangga", "body": "Halo"},
            {"organisation": str(foreign_root.id), "accounts": "x:rahasia_tetangga", "body": "Halo"},
            {"organisation": "Dinas Pendidikan", "accounts": "x:disdikbpp", "body": "Bukan OPD saya"}]
    page = _upload(browser(desk.opd_admin), _file(rows)).get_data(as_text=True)
    table = page.split("<tbody>", 1)[1]
    # the foreign account is reported exactly like an account that does not exist
    assert table.count("Tidak ada akun aktif") == 3
    assert table.count("Tidak ada organisasi") == 3
    assert "Pemkab Tetangga" in table  # only what the user wrote is echoed back
    assert "Dinas Pendidikan" in table
    assert _posts() == 1


def test_platform_rules_are_errors_media_problems_warnings(desk, factory, browser):
    instagram = factory.account(desk.opd, "instagram", handle="dinkes_ig")
    rows = [{"organisation": "Dinas Kesehatan", "accounts": "x:dinkesbpp", "body": "x" * 300},
            {"organisation": "Dinas Kesehatan", "accounts": f"{instagram.id}", "body": "Foto menyusul"}]
    client = browser(desk.opd_admin)
    page = _upload(client, _file(rows)).get_data(as_text=True)
    problems = page.split("<tbody>", 1)[1]
    assert "x:" in problems and "280" in problems  # the X adapter's own limit, on the body column
    assert _posts() == 1
    response = _upload(client, _file(rows[1:]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _posts() == 2  # media is added in the editor: a warning only
    assert "Mohon periksa" in page and "instagram:" in page


def test_check_only_creates_nothing(desk, browser):
    response = _upload(browser(desk.opd_admin), _file(_good_rows(desk)), check_only="1")
    assert response.status_code == 200 and "Baris valid: 2" in response.get_data(as_text=True)
    assert _posts() == 1 and "calendar.imported" not in audit_actions()


def test_semicolon_csv_from_indonesian_excel(desk, browser):
    response = _upload(browser(desk.opd_admin), _file(_good_rows(desk), delimiter=";"))
    assert response.status_code == 200 and _posts() == 3


def test_malformed_files_are_refused_with_a_clear_4xx(desk, app, browser):
    client = browser(desk.opd_admin)
    good = _file(_good_rows(desk)).decode()
    cases = [
        ("Dinas Kesehatan;é".encode("latin-1"), "UTF-8"),
        (b"organisation,title\nDinas Kesehatan,Halo\n", "accounts, body"),
        (good.replace("variant_x", "variant_instgram").encode(), "variant_instgram"),
        (b'organisation,accounts,body\nDinas,"x:a,"tidak ditutup\n', "baris"),
        (b"organisation,accounts,body\n", "tidak ada baris"),
        (b"", "kosong"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "CSV"),
        (b"organisation,accounts,body,body\nA,B,C,D\n", "dua kali"),
    ]
    for raw, expected in cases:
        response = _upload(client, raw)
        assert response.status_code == 400, raw
        assert expected.lower() in response.get_data(as_text=True).lower(), (raw, expected)
    assert client.post("/posts/import", data={}).status_code == 400
    assert _posts() == 1


def test_size_and_row_limits_answer_413(desk, app, browser):
    app.config["WARTA_CSV_IMPORT_MAX_ROWS"] = 2
    client = browser(desk.opd_admin)
    rows = [*_good_rows(desk), *_good_rows(desk)[:1]]
    response = _upload(client, _file(rows))
    assert response.status_code == 413 and "lebih dari 2 baris" in response.get_data(as_text=True)
    app.config["WARTA_CSV_IMPORT_MAX_BYTES"] = 200
    response = _upload(client, _file(_good_rows(desk)[:1]) + b"," * 300)
    assert response.status_code == 413 and "0 kB" in response.get_data(as_text=True)
    assert _posts() == 1


def test_only_admins_import(desk, factory, browser):
    reviewer = factory.user(desk.opd, "reviewer")
    for user in (desk.viewer, reviewer):
        client = browser(user)
        assert client.get("/posts/import").status_code == 403
        assert _upload(client, _file(_good_rows(desk))).status_code == 403
    assert _posts() == 1
    assert "Impor kalender" not in browser(desk.viewer).get("/targets").get_data(as_text=True)
    assert browser(desk.opd_admin).get("/posts/import").status_code == 200


def test_english_messages_for_an_english_user(desk, browser):
    desk.opd_admin.locale = "en"
    db.session.commit()
    rows = [{"organisation": "Dinas Kesehatan", "accounts": "x:tidakada", "body": "Halo"}]
    page = _upload(browser(desk.opd_admin), _file(rows)).get_data(as_text=True)
    assert "No active account “x:tidakada” in this organisation or below it." in page


def test_ambiguous_names_and_a_foreign_zone_are_explained(desk, factory, browser):
    twin = factory.org("Dinas Kesehatan", parent=desk.root, timezone="Asia/Makassar")
    factory.account(desk.opd, "facebook", handle="dinkesbpp")  # same handle as the X account
    rows = [{"organisation": "Dinas Kesehatan", "accounts": "x:dinkesbpp", "body": "Halo"},
            {"organisation": str(desk.opd.id), "accounts": "@dinkesbpp", "body": "Halo"},
            {"organisation": str(desk.opd.id), "accounts": "x:dinkesbpp", "body": "Halo", "timezone": "Asia/Jakarta"}]
    columns = ["organisation", "accounts", "body", "timezone"]
    page = _upload(browser(desk.admin), _file(rows, columns)).get_data(as_text=True)
    table = page.split("<tbody>", 1)[1]
    assert f"{desk.opd.id}, {twin.id}" in table  # the two numbers to choose from
    assert "cocok dengan beberapa akun" in table and "facebook:dinkesbpp" in table  # write platform:handle
    assert "Asia/Makassar" in table and "Asia/Jakarta" in table
    assert _posts() == 1
