"""Social accounts page: visibility, token expiry in the organisation's zone, disable / enable."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import events
from app.extensions import db
from app.models import AccountStatus, AuditEvent, OrgKind, SocialAccount, utcnow
from tests.app.conftest import last_audit


@pytest.fixture
def tree(factory):
    top = factory.org("Diskominfo Kota Balikpapan", kind=OrgKind.DISKOMINFO, timezone="Asia/Makassar")
    opd = factory.org("Dinas Kesehatan", parent=top, timezone="Asia/Jayapura")
    foreign = factory.org("Diskominfo Kota Jayapura", kind=OrgKind.DISKOMINFO, timezone="Asia/Jayapura")
    return top, opd, foreign


def test_list_shows_visible_accounts_with_expiry_in_org_zone(browser, factory, tree):
    top, opd, foreign = tree
    factory.account(opd, "instagram", handle="dinkesbpp", credentials={"access_token": "SECRET-TOKEN-123"},
                    token_expires_at=datetime(2031, 12, 1, 0, 0, tzinfo=UTC))
    factory.account(foreign, "x", handle="jayapurakota")
    html = browser(factory.user(top, "viewer")).get("/accounts").get_data(as_text=True)
    assert "dinkesbpp" in html and "Instagram" in html and "Dinas Kesehatan" in html
    assert "01-12-2031 09:00 WIT" in html  # 00:00 UTC in Asia/Jayapura
    assert "jayapurakota" not in html
    assert "SECRET-TOKEN-123" not in html
    assert "Aktif" in html
    assert "/disable" not in html  # a viewer cannot switch accounts off


def test_expiry_warning_within_seven_days_and_expired(browser, factory, tree):
    top, _opd, _foreign = tree
    factory.account(top, "instagram", handle="soon", token_expires_at=utcnow() + timedelta(days=3))
    factory.account(top, "facebook", handle="later", token_expires_at=utcnow() + timedelta(days=30))
    client = browser(factory.user(top, "admin"))
    html = client.get("/accounts").get_data(as_text=True)
    assert html.count("Berakhir dalam kurang dari 7 hari") == 1
    factory.account(top, "x", handle="gone", token_expires_at=utcnow() - timedelta(hours=1))
    assert "Kedaluwarsa: hubungkan ulang akun ini" in client.get("/accounts").get_data(as_text=True)


def test_filter_by_foreign_organisation_is_404(browser, factory, tree):
    top, opd, foreign = tree
    client = browser(factory.user(opd, "admin"))
    assert client.get(f"/accounts?org_id={foreign.id}").status_code == 404
    assert client.get(f"/accounts?org_id={top.id}").status_code == 404
    assert client.get(f"/accounts?org_id={opd.id}").status_code == 200


@pytest.mark.parametrize("role", ["admin", "security_officer"])
def test_disable_and_enable_with_confirmation_audit_and_event(app, browser, factory, tree, role):
    top, opd, _foreign = tree
    account = factory.account(opd, "instagram", handle="dinkesbpp", token_expires_at=utcnow() + timedelta(days=30))
    seen = []
    events.add_listener(app, lambda name, organisation_id, payload: seen.append((name, organisation_id)))
    client = browser(factory.user(top, role))
    confirm = client.get(f"/accounts/{account.id}/disable")
    assert confirm.status_code == 200 and "Nonaktifkan akun" in confirm.get_data(as_text=True)
    assert db.session.get(SocialAccount, account.id).status == AccountStatus.ACTIVE
    assert client.post(f"/accounts/{account.id}/disable").status_code == 302
    assert db.session.get(SocialAccount, account.id).status == AccountStatus.DISABLED
    event = last_audit("account.disabled")
    assert event.before == {"status": "active"} and event.after == {"status": "disabled"}
    assert event.organisation_id == opd.id
    assert client.post(f"/accounts/{account.id}/enable").status_code == 302
    assert db.session.get(SocialAccount, account.id).status == AccountStatus.ACTIVE
    assert last_audit("account.enabled").after == {"status": "active"}
    assert seen == [("account.disabled", opd.id), ("account.enabled", opd.id)]


def test_enabling_an_account_with_expired_token_needs_reconnect(browser, factory, tree):
    top, _opd, _foreign = tree
    account = factory.account(top, "x", status=AccountStatus.DISABLED, token_expires_at=utcnow() - timedelta(days=1))
    assert browser(factory.user(top, "admin")).post(f"/accounts/{account.id}/enable").status_code == 302
    assert db.session.get(SocialAccount, account.id).status == AccountStatus.NEEDS_RECONNECT


def test_disabling_twice_writes_one_audit_event(browser, factory, tree):
    top, _opd, _foreign = tree
    account = factory.account(top, "x")
    client = browser(factory.user(top, "admin"))
    client.post(f"/accounts/{account.id}/disable")
    client.post(f"/accounts/{account.id}/disable")
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 1


@pytest.mark.parametrize("role", ["viewer", "reviewer", "coordinator"])
def test_other_roles_cannot_disable(browser, factory, tree, role):
    top, _opd, _foreign = tree
    account = factory.account(top, "x")
    client = browser(factory.user(top, role))
    assert client.get(f"/accounts/{account.id}/disable").status_code == 403
    assert client.post(f"/accounts/{account.id}/disable").status_code == 403
    assert db.session.get(SocialAccount, account.id).status == AccountStatus.ACTIVE


def test_foreign_account_is_404(browser, factory, tree):
    _top, _opd, foreign = tree
    account = factory.account(foreign, "x")
    client = browser(factory.user(_top, "admin"))
    assert client.get(f"/accounts/{account.id}/disable").status_code == 404
    assert client.post(f"/accounts/{account.id}/enable").status_code == 404


def test_csrf_is_required_to_disable(app_config, app, browser, factory, tree):
    top, _opd, _foreign = tree
    app.config["WTF_CSRF_ENABLED"] = True
    account = factory.account(top, "x")
    response = browser(factory.user(top, "admin")).post(f"/accounts/{account.id}/disable")
    assert response.status_code == 400
    assert db.session.get(SocialAccount, account.id).status == AccountStatus.ACTIVE


def test_accounts_page_in_english_after_switching(browser, factory, tree):
    top, _opd, _foreign = tree
    client = browser(factory.user(top, "admin"))
    assert "Akun media sosial" in client.get("/accounts").get_data(as_text=True)
    client.post("/language", data={"locale": "en"})
    assert "<h1>Social accounts" in client.get("/accounts").get_data(as_text=True)
