"""Accounts page facts: checklist score, crisis hold / security-gate hold, connect and reconnect."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AccountStatus, OrgKind, utcnow
from app.publishing import holds
from app.security.status import account_report


def row_of(html: str, handle: str) -> str:
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if f">{handle}<" in r]
    assert len(rows) == 1, handle
    return rows[0]


@pytest.fixture
def tree(factory):
    top = factory.org("Diskominfo Kota Sorong", kind=OrgKind.DISKOMINFO, timezone="Asia/Jayapura")
    opd = factory.org("Dinas Perhubungan", parent=top, timezone="Asia/Jayapura")
    return top, opd


def test_checklist_score_and_critical_items(browser, factory, tree):
    top, opd = tree
    fresh = factory.account(opd, "instagram", handle="baru")
    old = factory.account(opd, "facebook", handle="lama")
    old.created_at = utcnow() - timedelta(days=60)  # never attested for 60 days: critical items overdue
    db.session.commit()
    html = browser(factory.user(top, "security_officer")).get("/accounts").get_data(as_text=True)
    for account in (fresh, old):
        report = account_report(account)
        row = row_of(html, account.handle)
        assert f"Skor {report.score} dari 100" in row
        assert f'href="/security/accounts/{account.id}"' in row  # officers open the checklist
        critical = len(report.critical_problems)
        assert (f"{critical} butir kritis gagal atau terlambat" in row) == bool(critical)
    assert account_report(old).critical_problems and not account_report(fresh).critical_problems
    viewer_html = browser(factory.user(top, "viewer")).get("/accounts").get_data(as_text=True)
    assert "/security/accounts/" not in viewer_html and "Skor " in viewer_html


def test_crisis_hold_and_security_gate_hold(browser, factory, tree):
    top, opd = tree
    admin = factory.user(top, "admin")
    held = factory.account(opd, "instagram", handle="ditahan")
    gated = factory.account(opd, "facebook", handle="gerbang")
    free = factory.account(opd, "x", handle="bebas")
    gated.created_at = utcnow() - timedelta(days=60)
    holds.start_hold(admin, opd, "account", "Akun diretas", account=held)
    db.session.commit()
    client = browser(admin)
    html = client.get("/accounts").get_data(as_text=True)
    assert "Ditahan" in row_of(html, "ditahan") and "Akun diretas" in row_of(html, "ditahan")
    assert "Tidak ditahan" in row_of(html, "gerbang")  # policy "warn": critical problems do not hold
    assert "Tidak ditahan" in row_of(html, "bebas")
    top.settings = {**(top.settings or {}), "security_gate": "block"}
    db.session.commit()
    html = client.get("/accounts").get_data(as_text=True)
    assert "Ditahan oleh daftar periksa keamanan" in row_of(html, "gerbang")
    assert "Tidak ditahan" in row_of(html, "bebas") and free.id


def test_connect_and_reconnect_buttons_for_admins_only(browser, factory, tree):
    _top, opd = tree
    expiring = factory.account(opd, "instagram", handle="hampir", token_expires_at=utcnow() + timedelta(days=2))
    factory.account(opd, "facebook", handle="aman", token_expires_at=utcnow() + timedelta(days=60))
    broken = factory.account(opd, "x", handle="putus", status=AccountStatus.NEEDS_RECONNECT)
    html = browser(factory.user(opd, "admin")).get("/accounts").get_data(as_text=True)
    assert 'href="/connect/"' in html
    assert 'class="button primary" href="/connect/instagram"' in row_of(html, "hampir")
    assert 'class="button primary" href="/connect/x"' in row_of(html, "putus")
    assert 'class="button" href="/connect/facebook"' in row_of(html, "aman")
    assert "Berakhir dalam kurang dari 7 hari" in row_of(html, "hampir") and "WIT" in row_of(html, "hampir")
    viewer_html = browser(factory.user(opd, "viewer")).get("/accounts").get_data(as_text=True)
    assert "/connect/" not in viewer_html and expiring.id and broken.id
