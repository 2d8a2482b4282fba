"""Item status per account (passing, failing, due, overdue, not applicable), scores and roll-ups.

Rules:
- not applicable: an officer marked it so, with a reason;
- automatic items (API / enforced): the last check decides; a check older than
  the interval (or older than an event trigger) makes the item due;
- attested items: the newest reviewed attestation made after the last trigger
  decides: accepted and unexpired → passing, rejected → failing; otherwise the
  item is due from the expiry / trigger / account creation, and overdue once the
  grace period (`WARTA_SECURITY_GRACE_DAYS`) has passed.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Attestation,
    AttestationState,
    ItemState,
    Membership,
    Organisation,
    Role,
    SocialAccount,
    utcnow,
)
from app.security.catalogue import SEVERITY_WEIGHT, ChecklistItem, Verification
from app.security.items import custom_items_for, items_for_account


class ItemStatus(StrEnum):
    PASSING = "passing"
    FAILING = "failing"
    DUE = "due"
    OVERDUE = "overdue"
    NOT_APPLICABLE = "not_applicable"


#: Statuses that count against an account (and, for critical items, trigger the publish gate).
PROBLEM_STATUSES = frozenset({ItemStatus.FAILING, ItemStatus.OVERDUE})


@dataclass
class ItemResult:
    item: ChecklistItem
    status: ItemStatus
    detail: str = ""  # machine words: "rejected", "expired", "trigger: ...", "check failed", ...
    due_at: datetime | None = None
    expires_at: datetime | None = None
    accepted: Attestation | None = None
    pending: list[Attestation] = field(default_factory=list)


@dataclass
class AccountReport:
    account: SocialAccount
    results: list[ItemResult]

    def count(self, status: ItemStatus, critical_only: bool = False) -> int:
        return sum(1 for r in self.results if r.status == status and (r.item.is_critical or not critical_only))

    @property
    def score(self) -> int:
        """Severity-weighted share of applicable items that pass, 0–100."""
        applicable = [r for r in self.results if r.status != ItemStatus.NOT_APPLICABLE]
        total = sum(SEVERITY_WEIGHT[r.item.severity] for r in applicable)
        if total == 0:
            return 100
        passing = sum(SEVERITY_WEIGHT[r.item.severity] for r in applicable if r.status == ItemStatus.PASSING)
        return round(100 * passing / total)

    @property
    def critical_problems(self) -> list[ItemResult]:
        return [r for r in self.results if r.item.is_critical and r.status in PROBLEM_STATUSES]

    @property
    def risk_key(self) -> tuple[int, int, int, int]:
        """Sort key, riskiest first: overdue critical, failing critical, all overdue, then low score."""
        return (-self.count(ItemStatus.OVERDUE, True), -self.count(ItemStatus.FAILING, True),
                -self.count(ItemStatus.OVERDUE), self.score)


def grace() -> timedelta:
    return timedelta(days=int(current_app.config.get("WARTA_SECURITY_GRACE_DAYS", 7)))


def _due(due_from: datetime, now: datetime, detail: str) -> tuple[ItemStatus, str, datetime]:
    status = ItemStatus.OVERDUE if now > due_from + grace() else ItemStatus.DUE
    return status, detail, due_from


def _has_admin(account: SocialAccount) -> bool:
    """G1 (enforced): the account is in Warta's register with an owning organisation that has an admin."""
    org = account.organisation
    return db.session.scalar(
        select(Membership.id).join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.id.in_(org.ancestor_ids), Membership.role == Role.ADMIN).limit(1)
    ) is not None


def evaluate(item: ChecklistItem, account: SocialAccount, state: ItemState | None,
             attestations: Sequence[Attestation], now: datetime) -> ItemResult:
    """The status of one item of one account; `attestations` are this item's, newest first."""
    if state is not None and state.not_applicable_reason:
        return ItemResult(item, ItemStatus.NOT_APPLICABLE, state.not_applicable_reason)
    due_since = state.due_since if state is not None else None
    trigger_detail = f"trigger: {state.due_reason}" if state is not None and state.due_reason else "trigger"

    if item.api_check == "register_complete":
        registered = _has_admin(account)
        return ItemResult(item, ItemStatus.PASSING if registered else ItemStatus.FAILING,
                          "registered" if registered else "no admin")

    checked = state is not None and state.check_passed is not None and state.checked_at is not None
    if checked and item.api_check:
        stale = now - state.checked_at > timedelta(days=item.interval_days or 1, hours=12)  # type: ignore[operator]
        superseded = due_since is not None and state.checked_at < due_since  # type: ignore[operator]
        if not stale and not superseded:
            if state.check_passed:  # type: ignore[union-attr]
                return ItemResult(item, ItemStatus.PASSING, "check passed")
            return ItemResult(item, ItemStatus.FAILING, "check failed")
    if item.verification != Verification.ATTESTED:
        status, detail, due_at = _due(state.checked_at if checked else account.created_at,  # type: ignore[union-attr]
                                      now, "not checked yet" if not checked else "check stale")
        return ItemResult(item, status, detail, due_at=due_at)

    current = [a for a in attestations if due_since is None or a.created_at >= due_since]
    pending = [a for a in current if a.state == AttestationState.PENDING]
    decided = [a for a in current if a.state != AttestationState.PENDING]
    latest = max(decided, key=lambda a: (a.reviewed_at or a.created_at, a.id), default=None)
    if latest is not None and latest.state == AttestationState.REJECTED:
        return ItemResult(item, ItemStatus.FAILING, "rejected", pending=pending)
    if latest is not None:
        if latest.expires_at is None or latest.expires_at > now:
            return ItemResult(item, ItemStatus.PASSING, "attested", expires_at=latest.expires_at,
                              accepted=latest, pending=pending)
        status, detail, due_at = _due(latest.expires_at, now, "expired")
        return ItemResult(item, status, detail, due_at=due_at, expires_at=latest.expires_at, pending=pending)
    if due_since is not None:
        status, detail, due_at = _due(due_since, now, trigger_detail)
    else:
        status, detail, due_at = _due(account.created_at, now, "never attested")
    return ItemResult(item, status, detail, due_at=due_at, pending=pending)


def reports_for_accounts(accounts: Iterable[SocialAccount], now: datetime | None = None) -> list[AccountReport]:
    """Reports for many accounts with a fixed number of queries."""
    accounts = list(accounts)
    if not accounts:
        return []
    now = now or utcnow()
    ids = [a.id for a in accounts]
    states = {(s.account_id, s.item_id): s
              for s in db.session.scalars(select(ItemState).where(ItemState.account_id.in_(ids)))}
    attestations: dict[tuple[int, str], list[Attestation]] = {}
    for att in db.session.scalars(select(Attestation).where(Attestation.account_id.in_(ids))
                                  .order_by(Attestation.created_at.desc(), Attestation.id.desc())):
        attestations.setdefault((att.account_id, att.item_id), []).append(att)
    custom = custom_items_for({a.organisation for a in accounts})
    reports = []
    for account in accounts:
        results = [evaluate(item, account, states.get((account.id, item.id)),
                            attestations.get((account.id, item.id), []), now)
                   for item in items_for_account(account, custom.get(account.organisation_id, []))]
        reports.append(AccountReport(account, results))
    return reports


def account_report(account: SocialAccount, now: datetime | None = None) -> AccountReport:
    return reports_for_accounts([account], now)[0]


@dataclass
class OrganisationRollup:
    organisation: Organisation
    reports: list[AccountReport]

    @property
    def score(self) -> int:
        return min((r.score for r in self.reports), default=100)

    def count(self, status: ItemStatus, critical_only: bool = False) -> int:
        return sum(r.count(status, critical_only) for r in self.reports)

    @property
    def risk_key(self) -> tuple[int, int, int, int]:
        return (-self.count(ItemStatus.OVERDUE, True), -self.count(ItemStatus.FAILING, True),
                -self.count(ItemStatus.OVERDUE), self.score)


def rollups(organisations: Iterable[Organisation], now: datetime | None = None) -> list[OrganisationRollup]:
    """One roll-up per organisation (its own accounts), riskiest first."""
    organisations = list(organisations)
    accounts = db.session.scalars(
        select(SocialAccount).where(SocialAccount.organisation_id.in_([o.id for o in organisations]))
        .order_by(SocialAccount.id)
    ).all()
    by_org: dict[int, list[AccountReport]] = {}
    for report in reports_for_accounts(accounts, now):
        by_org.setdefault(report.account.organisation_id, []).append(report)
    result = [OrganisationRollup(org, sorted(by_org.get(org.id, []), key=lambda r: r.risk_key))
              for org in organisations]
    return sorted(result, key=lambda r: (r.risk_key, r.organisation.path))
