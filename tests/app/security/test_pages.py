"""Pages in Indonesian and English, the risk-sorted overview and the report exports."""
from __future__ import annotations

import csv
import io

from app.extensions import db
from tests.app.security.helpers import attest_and_accept, build_world, days_ago, login


def test_account_page_shows_items_in_the_users_language(factory, app, client):
    world = build_world(factory)
    login(client, world.officer)
    page = client.get(f"/security/accounts/{world.account.id}").get_data(as_text=True)
    assert "Email pendaftaran/pemulihan adalah kotak surat resmi dinas" in page
    assert "Jatuh tempo" in page and "Kritis" in page
    world.officer.locale = "en"
    db.session.commit()
    login(client, world.officer)
    page = client.get(f"/security/accounts/{world.account.id}").get_data(as_text=True)
    assert "Registration/recovery email is an official agency mailbox" in page
    assert "Email pendaftaran" not in page and "Critical" in page


def test_overview_sorts_the_tree_by_risk_overdue_critical_first(factory, app, client):
    world = build_world(factory)
    calm = factory.org("Dinas Tenang", parent=world.root)
    calm_account = factory.account(calm, "x")
    world.account.created_at = days_ago(40)  # everything overdue at Dinas Kesehatan
    db.session.commit()
    attest_and_accept(world, "G2")
    login(client, world.officer)
    page = client.get("/security/").get_data(as_text=True)
    assert page.index("Dinas Kesehatan") < page.index("Dinas Tenang") < page.index("Diskominfo Kota")
    assert calm_account.handle in page


def test_report_page_csv_and_pdf(factory, app, client):
    world = build_world(factory)
    attest_and_accept(world, "G2")
    login(client, world.officer)
    assert "Laporan keamanan" in client.get(f"/security/organisations/{world.root.id}/report").get_data(as_text=True)
    response = client.get(f"/security/organisations/{world.root.id}/report?format=csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    g2 = next(r for r in rows if r[4] == "G2")
    assert g2[2] == world.account.handle and g2[7] == "passing"
    assert len(rows) > 20
    pdf = client.get(f"/security/organisations/{world.root.id}/report.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert b"DejaVu" in pdf.data  # an embedded Unicode font, not Latin-1 Helvetica


def test_pdf_prints_names_beyond_latin1():
    """Names and signs beyond Latin-1 are written as they are (no "?" for ≥, ’ or —)."""
    from fpdf import FPDF

    from app.pdf import FONT, unicode_pdf

    pdf = unicode_pdf()
    pdf.add_page()
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 5, "Skor ≥ 80 · Dinas Kominfo ’Ambon’ — Balikpapan")  # raises on a Latin-1 font
    assert bytes(pdf.output()).startswith(b"%PDF")
    latin = FPDF()
    latin.add_page()
    latin.set_font("Helvetica", size=10)
    try:
        latin.multi_cell(0, 5, "Skor ≥ 80")
    except Exception as exc:  # the built-in fonts refuse it: the reason for the vendored font
        assert "outside the range" in str(exc) or "latin-1" in str(exc).lower()
    else:
        raise AssertionError("Helvetica accepted a character outside Latin-1")


def test_csv_cells_cannot_start_a_formula(factory, app, client):
    from app.security.report import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _cell("@x") == "'@x" and _cell("ok") == "ok"
