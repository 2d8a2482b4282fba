"""State changes of the checklist: attest, review, triggers, incidents, applicability, snapshots.

Functions add rows (and an audit event) to the session; the caller commits, so
they join the caller's transaction (e.g. the members page calling
`mark_due_for_organisation` together with the membership change).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app import audit, events
from app.extensions import db
from app.models import (
    Attestation,
    AttestationState,
    Evidence,
    Incident,
    IncidentKind,
    ItemState,
    Organisation,
    ProfileSnapshot,
    SocialAccount,
    User,
    utcnow,
)
from app.security import evidence as evidence_store
from app.security.catalogue import ChecklistItem, Trigger, Verification
from app.security.checks import profile_changes
from app.security.gate import announce_releases, blocked_accounts
from app.security.items import items_for_account


class SeparationOfDuties(PermissionError):
    """The attester tried to review their own attestation."""


def _state(account: SocialAccount, item_id: str) -> ItemState:
    state = db.session.scalar(select(ItemState).where(ItemState.account_id == account.id,
                                                      ItemState.item_id == item_id))
    if state is None:
        state = ItemState(organisation_id=account.organisation_id, account_id=account.id, item_id=item_id,
                          check_detail={})
        db.session.add(state)
    return state


# -- attestation and review -----------------------------------------------------


def attest(account: SocialAccount, item: ChecklistItem, user: User, checked_on: datetime, note: str,
           upload: evidence_store.CheckedUpload) -> Attestation:
    """Record a pending attestation with its (already checked) evidence file."""
    expires_at = checked_on + timedelta(days=item.interval_days) if item.interval_days else None
    attestation = Attestation(organisation_id=account.organisation_id, account_id=account.id, item_id=item.id,
                              attested_by_id=user.id, checked_on=checked_on, expires_at=expires_at, note=note,
                              state=AttestationState.PENDING, secret_warnings=list(upload.warnings))
    db.session.add(attestation)
    db.session.flush()
    storage_key = evidence_store.store(upload.data)
    db.session.add(Evidence(organisation_id=account.organisation_id, attestation_id=attestation.id,
                            filename=upload.filename, content_type=upload.content_type,
                            size_bytes=len(upload.data), sha256=upload.sha256, storage_key=storage_key,
                            uploaded_by_id=user.id))
    audit.record("security.attested", attestation, actor_id=user.id,
                 after={"account_id": account.id, "item_id": item.id, "checked_on": checked_on.isoformat(),
                        "sha256": upload.sha256, "warnings": len(upload.warnings)})
    events.emit("security.attestation_submitted", organisation_id=account.organisation_id,
                attestation_id=attestation.id, account_id=account.id, item_id=item.id)
    return attestation


def review(attestation: Attestation, reviewer: User, accept: bool, comment: str) -> None:
    """Accept or reject; the attester can never review their own attestation."""
    if attestation.attested_by_id == reviewer.id:
        raise SeparationOfDuties("the attester cannot review their own attestation")
    if attestation.state != AttestationState.PENDING:
        raise ValueError("attestation already reviewed")
    blocked = blocked_accounts([attestation.account_id])
    before = {"state": attestation.state}
    attestation.state = AttestationState.ACCEPTED if accept else AttestationState.REJECTED
    attestation.reviewed_by_id = reviewer.id
    attestation.reviewed_at = utcnow()
    attestation.review_comment = comment
    db.session.flush()
    audit.record("security.reviewed", attestation, actor_id=reviewer.id, before=before,
                 after={"state": attestation.state, "comment": comment})
    events.emit("security.attestation_reviewed", organisation_id=attestation.organisation_id,
                attestation_id=attestation.id, account_id=attestation.account_id, item_id=attestation.item_id,
                state=str(attestation.state))
    announce_releases(blocked)


# -- triggers -------------------------------------------------------------------


def mark_due(accounts: Iterable[SocialAccount], trigger: Trigger, reason: str,
             actor_id: int | None = None) -> int:
    """Make the items of `accounts` that react to `trigger` due now; returns how many items."""
    now = utcnow()
    count = 0
    for account in accounts:
        marked = []
        for item in items_for_account(account):
            hit = trigger in item.triggers or (
                trigger == Trigger.INCIDENT and item.verification == Verification.ATTESTED)
            if not hit:
                continue
            state = _state(account, item.id)
            state.due_since = now
            state.due_reason = reason[:300]
            marked.append(item.id)
        if marked:
            count += len(marked)
            audit.record("security.items_due", account, actor_id=actor_id,
                         after={"trigger": str(trigger), "reason": reason, "items": marked})
            events.emit("security.items_due", organisation_id=account.organisation_id, account_id=account.id,
                        trigger=str(trigger), reason=reason, items=marked)
    db.session.flush()
    return count


def accounts_in_subtree(organisation: Organisation) -> list[SocialAccount]:
    return list(db.session.scalars(
        select(SocialAccount).join(Organisation, Organisation.id == SocialAccount.organisation_id)
        .where(Organisation.path.like(f"{organisation.path}%")).order_by(SocialAccount.id)))


def mark_due_for_organisation(org_id: int, reason: str, actor_id: int | None = None) -> int:
    """Called by the members page when a member joins, leaves or changes role at `org_id`.

    Every account of the organisation and its subtree has its access items
    (G4–G6, M1, M4, M5, ...) made due now. Joins the caller's transaction.
    """
    organisation = db.session.get(Organisation, org_id)
    if organisation is None:
        return 0
    return mark_due(accounts_in_subtree(organisation), Trigger.MEMBER_CHANGE, reason, actor_id=actor_id)


INCIDENT_TRIGGERS = {
    IncidentKind.PLATFORM_ALERT: Trigger.PLATFORM_ALERT,
    IncidentKind.RECOVERY_CHANGE: Trigger.RECOVERY_CHANGE,
    IncidentKind.SUPPORT_2FA_DISABLED: Trigger.SUPPORT_2FA_DISABLED,
    IncidentKind.INCIDENT: Trigger.INCIDENT,
}


def log_incident(organisation: Organisation, account: SocialAccount | None, kind: IncidentKind, description: str,
                 occurred_at: datetime, user: User) -> Incident:
    """Record an incident / alert / recovery change and make the affected items due."""
    incident = Incident(organisation_id=organisation.id, account_id=account.id if account else None, kind=kind,
                        description=description, occurred_at=occurred_at, reported_by_id=user.id)
    db.session.add(incident)
    db.session.flush()
    audit.record("security.incident_logged", incident, actor_id=user.id,
                 after={"kind": str(kind), "account_id": incident.account_id})
    accounts = [account] if account is not None else accounts_in_subtree(organisation)
    mark_due(accounts, INCIDENT_TRIGGERS[kind], f"{kind}: {description[:200]}", actor_id=user.id)
    events.emit("security.incident_logged", organisation_id=organisation.id, incident_id=incident.id,
                kind=str(kind), account_id=incident.account_id)
    return incident


# -- applicability ---------------------------------------------------------------


def set_not_applicable(account: SocialAccount, item: ChecklistItem, reason: str | None, user: User) -> None:
    """Mark an item not applicable with `reason`, or applicable again when `reason` is empty."""
    blocked = blocked_accounts([account.id])
    state = _state(account, item.id)
    before = {"not_applicable_reason": state.not_applicable_reason}
    state.not_applicable_reason = reason or None
    db.session.flush()
    audit.record("security.applicability", account, actor_id=user.id, before=before,
                 after={"item_id": item.id, "not_applicable_reason": state.not_applicable_reason})
    announce_releases(blocked)


# -- automatic checks and snapshots -----------------------------------------------


def record_check(account: SocialAccount, item_id: str, passed: bool, detail: dict[str, Any],
                 now: datetime) -> None:
    state = _state(account, item_id)
    state.check_passed = passed
    state.check_detail = detail
    state.checked_at = now


def record_snapshot(account: SocialAccount, profile: dict[str, Any], now: datetime) -> ProfileSnapshot:
    """Store today's snapshot; a change against the last one raises a possible-takeover alert."""
    day = now.date().isoformat()
    previous = db.session.scalar(select(ProfileSnapshot).where(ProfileSnapshot.account_id == account.id)
                                 .order_by(ProfileSnapshot.taken_at.desc(), ProfileSnapshot.id.desc()).limit(1))
    changes = profile_changes(previous.profile, profile) if previous is not None else {}
    if previous is not None and previous.day == day:
        snapshot = previous
        if changes:
            merged = dict(snapshot.changes or {})
            for key, (old, new) in changes.items():
                merged[key] = [merged[key][0] if key in merged else old, new]
            snapshot.changes = merged
            snapshot.acknowledged_by_id = None
            snapshot.acknowledged_at = None
        snapshot.profile = profile
        snapshot.taken_at = now
    else:
        snapshot = ProfileSnapshot(organisation_id=account.organisation_id, account_id=account.id, day=day,
                                   profile=profile, changes=changes, taken_at=now)
        db.session.add(snapshot)
    db.session.flush()
    for item in items_for_account(account):
        if item.api_check == "profile_watch":
            record_check(account, item.id, not snapshot.changes or snapshot.acknowledged_at is not None,
                         {"changes": snapshot.changes}, now)
    if changes:
        audit.record("security.takeover_suspected", account, after={"changes": changes, "snapshot_id": snapshot.id})
        events.emit("security.takeover_suspected", organisation_id=account.organisation_id, account_id=account.id,
                    snapshot_id=snapshot.id, changes=changes)
    return snapshot


def acknowledge_snapshot(snapshot: ProfileSnapshot, user: User) -> None:
    """An officer confirms the profile change was expected (not a takeover)."""
    account = db.session.get(SocialAccount, snapshot.account_id)
    snapshot.acknowledged_by_id = user.id
    snapshot.acknowledged_at = utcnow()
    for item in items_for_account(account):
        if item.api_check == "profile_watch":
            record_check(account, item.id, True, {"acknowledged_snapshot": snapshot.id}, snapshot.acknowledged_at)
    audit.record("security.snapshot_acknowledged", snapshot, actor_id=user.id, after={"changes": snapshot.changes})
