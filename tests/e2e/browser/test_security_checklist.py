"""In a browser: an admin attests a checklist item with a screenshot as evidence, and a security officer
(another person) reviews and accepts it; the item then passes."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.e2e.browser import pages
from tests.e2e.browser.support import ONE_BACKEND, screenshot

pytestmark = ONE_BACKEND

ACCOUNT = ("facebook", "Diskominfo Balikpapan")
ITEM = "G2"  # registration/recovery e-mail is an official mailbox with MFA: critical, attested


def test_attest_and_review_a_checklist_item(demo, person, evidence_png):
    ui = demo.ui
    admin = person("diskominfo")
    pages.open_account_security(admin, ui, *ACCOUNT)
    expect(pages.checklist_row(admin, ITEM)).not_to_contain_text(ui("Passing"))
    screenshot(admin, "security-checklist")
    today = datetime.now(ZoneInfo("Asia/Makassar")).date().isoformat()
    pages.attest(admin, ui, ITEM, today, "Email pemulihan: kominfo@balikpapan.go.id, MFA aktif.", evidence_png)
    expect(pages.checklist_row(admin, ITEM)).to_contain_text(ui("Waiting for review"))

    officer = person("security")
    pages.review_attestation(officer, ui, *ACCOUNT, ITEM, "Bukti lengkap dan terbaca.")
    expect(officer.get_by_text(ui("Nothing to review."))).to_be_visible()
    pages.open_account_security(officer, ui, *ACCOUNT)
    expect(pages.checklist_row(officer, ITEM)).to_contain_text(ui("Passing"))
