"""Expiry, triggers, not-applicable and scores."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import SocialAccount, utcnow
from app.security import actions
from app.security.catalogue import PLUGIN_ITEMS_KEY
from app.security.items import find_item
from app.security.status import ItemStatus, account_report
from tests.app.security.helpers import attest_and_accept, build_world, days_ago


def _status(account, item_id, now=None):
    report = account_report(account, now)
    return next(r for r in report.results if r.item.id == item_id)


def test_unattested_item_is_due_then_overdue_after_grace(factory, app):
    world = build_world(factory)
    assert _status(world.account, "G2").status == ItemStatus.DUE
    later = utcnow() + timedelta(days=8)
    assert _status(world.account, "G2", later).status == ItemStatus.OVERDUE


def test_accepted_attestation_passes_until_its_interval_expires(factory, app):
    world = build_world(factory)
    attestation = attest_and_accept(world, "G2", checked_on=days_ago(10))
    assert attestation.expires_at.date() == (days_ago(10) + timedelta(days=30)).date()
    assert _status(world.account, "G2").status == ItemStatus.PASSING
    after_expiry = utcnow() + timedelta(days=21)
    result = _status(world.account, "G2", after_expiry)
    assert result.status == ItemStatus.DUE and result.detail == "expired"
    assert _status(world.account, "G2", utcnow() + timedelta(days=29)).status == ItemStatus.OVERDUE


def test_pending_attestation_does_not_pass_and_rejection_fails(factory, app):
    world = build_world(factory)
    item = find_item(world.account, "M6")
    from tests.app.security.helpers import upload

    attestation = actions.attest(world.account, item, world.admin, utcnow(), "", upload())
    db.session.commit()
    result = _status(world.account, "M6")
    assert result.status == ItemStatus.DUE and result.pending == [attestation]
    actions.review(attestation, world.officer, False, "screenshot shows no date")
    db.session.commit()
    assert _status(world.account, "M6").status == ItemStatus.FAILING


def test_member_change_trigger_makes_access_items_due_again(factory, app):
    world = build_world(factory)
    for item_id in ("G5", "M1", "G2"):
        attest_and_accept(world, item_id)
    count = actions.mark_due_for_organisation(world.root.id, "member left: Budi")
    db.session.commit()
    assert count > 0
    assert _status(world.account, "G5").status == ItemStatus.DUE
    assert _status(world.account, "M1").status == ItemStatus.DUE
    assert "member left" in _status(world.account, "M1").detail
    assert _status(world.account, "G2").status == ItemStatus.PASSING  # not an access item
    attest_and_accept(world, "M1")
    assert _status(world.account, "M1").status == ItemStatus.PASSING


def test_recovery_change_and_incident_triggers(factory, app):
    world = build_world(factory)
    for item_id in ("G2", "G3", "G7"):
        attest_and_accept(world, item_id)
    from app.models import IncidentKind

    actions.log_incident(world.opd, world.account, IncidentKind.RECOVERY_CHANGE, "nomor baru", utcnow(), world.admin)
    db.session.commit()
    assert _status(world.account, "G3").status == ItemStatus.DUE
    assert _status(world.account, "G7").status == ItemStatus.PASSING
    actions.log_incident(world.opd, None, IncidentKind.INCIDENT, "akun diretas", utcnow(), world.officer)
    db.session.commit()
    assert _status(world.account, "G7").status == ItemStatus.DUE  # an incident makes every attested item due


def test_triggers_only_touch_the_subtree(factory, app):
    world = build_world(factory)
    other = factory.org("Dinas Lain", parent=world.root)
    other_account = factory.account(other, "instagram")
    actions.mark_due_for_organisation(world.opd.id, "role changed")
    db.session.commit()
    from app.models import ItemState

    touched = {s.account_id for s in db.session.query(ItemState).all()}
    assert other_account.id not in touched and world.account.id in touched


def test_not_applicable_with_reason_and_score(factory, app):
    world = build_world(factory)
    before = account_report(world.account).score
    item = find_item(world.account, "M2")
    actions.set_not_applicable(world.account, item, "Akun tidak memakai Business Manager", world.officer)
    db.session.commit()
    result = _status(world.account, "M2")
    assert result.status == ItemStatus.NOT_APPLICABLE and "Business Manager" in result.detail
    attest_and_accept(world, "G2")
    assert account_report(world.account).score > before


def test_organisation_items_are_inherited_down_the_tree(factory, app):
    from app.models import CustomItem

    world = build_world(factory)
    db.session.add(CustomItem(organisation_id=world.root.id, platform="*", severity="high", interval_days=60,
                              title_id="Akun terdaftar di JDIH", title_en="Account listed in JDIH",
                              regulation_reference="Perbup Bandung 73/2018"))
    db.session.commit()
    account = db.session.get(SocialAccount, world.account.id)
    custom = [r for r in account_report(account).results if r.item.id.startswith("C")]
    assert len(custom) == 1 and custom[0].item.regulation_reference == "Perbup Bandung 73/2018"
    sibling_root = factory.org("Pemda Lain", kind="diskominfo")
    foreign = factory.account(sibling_root, "instagram")
    assert not [r for r in account_report(foreign).results if r.item.id.startswith("C")]


def test_plugin_items_join_the_account_checklist(factory, app):
    app.extensions[PLUGIN_ITEMS_KEY] = [{"id": "P9", "title": {"id": "Uji", "en": "Test"}, "severity": "low",
                                         "interval_days": 30, "platforms": ["instagram"]}]
    world = build_world(factory)
    assert _status(world.account, "P9").status == ItemStatus.DUE
