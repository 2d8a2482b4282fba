"""The periodic verification job, through a fake adapter whose facts change between runs."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import pytest

from adapters.base import AccountFacts, AccountRef, AuthExpired, PlatformAdapter, Transient
from app.events import add_listener
from app.extensions import db
from app.models import ItemState, ProfileSnapshot, utcnow
from app.security.status import ItemStatus, account_report
from tests.app.security.helpers import build_world
from workers.security import verify_accounts


class FakeFacts(PlatformAdapter):
    """Returns `FakeFacts.facts` (changed by the test between runs); raises `FakeFacts.error` if set."""

    slug = "fakegram"
    display_name = "Fakegram"
    required_scopes: ClassVar[tuple[str, ...]] = ("publish",)
    facts: ClassVar[AccountFacts | None] = None
    error: ClassVar[Exception | None] = None
    seen: ClassVar[list[AccountRef]] = []

    def account_facts(self, account: AccountRef) -> AccountFacts:
        FakeFacts.seen.append(account)
        if FakeFacts.error is not None:
            raise FakeFacts.error
        return FakeFacts.facts

    def validate(self, variant: Any) -> list:
        return []

    def publish(self, job: Any) -> Any:
        raise AssertionError("not used")

    def find_published(self, job: Any) -> None:
        return None

    def refresh_credentials(self, tokens: Any) -> Any:
        return tokens

    def authorize_url(self, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        return "https://example.invalid"

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str | None = None) -> list:
        return []


def _facts(**profile: Any) -> AccountFacts:
    base = {"display_name": "Pemkot Balikpapan", "avatar_url": "https://cdn/a.jpg", "bio": "Akun resmi",
            "verified": True}
    return AccountFacts(token_valid=True, scopes=("publish",), expires_at=utcnow() + timedelta(days=50),
                        profile={**base, **profile}, extra={"business_two_factor_type": "all_required"})


@pytest.fixture
def app_config(app_config):
    app_config["WARTA_EXTRA_ADAPTERS"] = [FakeFacts]
    FakeFacts.facts, FakeFacts.error, FakeFacts.seen = _facts(), None, []
    return app_config


def _status(account, item_id):
    return next(r for r in account_report(account).results if r.item.id == item_id).status


def test_profile_change_between_runs_raises_a_takeover_alert(factory, app):
    world = build_world(factory, platform="fakegram")
    events = []
    add_listener(app, lambda name, organisation_id=None, payload=None: events.append((name, organisation_id,
                                                                                        payload)))
    assert verify_accounts() == {"verified": 1, "skipped": 0}
    assert FakeFacts.seen[0].credentials == {"access_token": f"tok-{world.account.handle}"}
    assert not [e for e in events if e[0] == "security.takeover_suspected"]
    assert _status(world.account, "G11") == ItemStatus.PASSING

    verify_accounts([world.account.id])  # unchanged: still no alert
    assert not [e for e in events if e[0] == "security.takeover_suspected"]

    FakeFacts.facts = _facts(display_name="Crypto Giveaway 🚀", verified=False)
    verify_accounts()
    alerts = [e for e in events if e[0] == "security.takeover_suspected"]
    assert len(alerts) == 1
    _name, organisation_id, payload = alerts[0]
    assert organisation_id == world.opd.id and payload["account_id"] == world.account.id
    assert payload["changes"]["display_name"] == ["Pemkot Balikpapan", "Crypto Giveaway 🚀"]
    assert payload["changes"]["verified"] == [True, False]
    snapshot = db.session.scalars(db.select(ProfileSnapshot)).one()  # one row per account per day
    assert snapshot.changes and snapshot.acknowledged_at is None


def test_alert_is_shown_and_an_officer_acknowledges_it(factory, app, client):
    from tests.app.security.helpers import login

    world = build_world(factory, platform="fakegram")
    verify_accounts()
    FakeFacts.facts = _facts(bio="Menang hadiah! Klik tautan")
    verify_accounts()
    snapshot = db.session.scalars(db.select(ProfileSnapshot)).one()
    login(client, world.officer)
    page = client.get(f"/security/accounts/{world.account.id}").get_data(as_text=True)
    assert "Menang hadiah" in page and "Kemungkinan pengambilalihan" in page
    assert client.post(f"/security/snapshots/{snapshot.id}/acknowledge").status_code == 302
    db.session.expire_all()
    assert db.session.get(ProfileSnapshot, snapshot.id).acknowledged_by_id == world.officer.id


def test_api_checks_token_expiry_scopes_and_business_2fa(factory, app):
    world = build_world(factory, platform="fakegram")
    FakeFacts.facts = AccountFacts(token_valid=True, scopes=(), expires_at=utcnow() + timedelta(days=1),
                                   profile={}, extra={"business_two_factor_type": "admin_required"})
    verify_accounts()
    state = db.session.scalars(db.select(ItemState).where(ItemState.item_id == "G11")).one()
    assert state.check_passed is False and state.check_detail["missing_scopes"] == ["publish"]
    assert _status(world.account, "G11") == ItemStatus.FAILING
    assert db.session.scalars(db.select(ProfileSnapshot)).all() == []  # nothing to snapshot


def test_expired_token_fails_and_platform_errors_record_nothing(factory, app):
    world = build_world(factory, platform="fakegram")
    FakeFacts.error = AuthExpired("revoked")
    assert verify_accounts() == {"verified": 1, "skipped": 0}
    assert _status(world.account, "G11") == ItemStatus.FAILING
    FakeFacts.error = Transient("502")
    assert verify_accounts() == {"verified": 0, "skipped": 1}


def test_accounts_without_an_adapter_are_skipped(factory, app):
    build_world(factory, platform="myspace")
    assert verify_accounts() == {"verified": 0, "skipped": 1}


def test_overdue_critical_items_are_escalated_by_the_daily_run(factory, app):
    from tests.app.security.helpers import days_ago

    world = build_world(factory, platform="fakegram")
    events = []
    add_listener(app, lambda name, organisation_id=None, payload=None: events.append((name, payload)))
    verify_accounts()
    assert not [e for e in events if e[0] == "security.critical_items_overdue"]
    world.account.created_at = days_ago(20)
    db.session.commit()
    verify_accounts()
    escalations = [p for name, p in events if name == "security.critical_items_overdue"]
    assert escalations == [{"account_id": world.account.id, "items": ["G2", "G3"]}]
