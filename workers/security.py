"""Periodic verification of the API-readable checklist items and the daily profile snapshot.

`verify_accounts()` is a plain function taking account ids (or nothing: every
account that is not disabled). It needs an app context, which the worker
pushes per job; the scheduler runs it daily (and after each token refresh with
that account's id). Each account is committed on its own, so one platform
failing never loses the others' results. Every run also emits
`security.critical_items_overdue` for accounts with overdue critical items, so
notifications can escalate them (daily, while they stay overdue).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select

import adapters
from adapters.base import AccountFacts, AccountRef, AdapterError, AuthExpired
from app import events
from app.crypto import decrypt_json
from app.extensions import db
from app.models import AccountStatus, SocialAccount, utcnow
from app.security import actions
from app.security.checks import CHECKS, snapshot_profile
from app.security.gate import announce_releases, blocked_accounts
from app.security.items import items_for_account
from app.security.status import ItemStatus, account_report

logger = logging.getLogger(__name__)


def _facts(account: SocialAccount) -> AccountFacts:
    adapter = adapters.get_adapter(account.platform)
    credentials = decrypt_json(account.credentials_encrypted) if account.credentials_encrypted else {}
    ref = AccountRef(account_id=account.id, external_id=account.external_id, handle=account.handle,
                     credentials=credentials)
    try:
        return adapter.account_facts(ref)
    except AuthExpired:
        return AccountFacts(token_valid=False)


def verify_account(account: SocialAccount) -> bool:
    """Check one account; False when the platform could not be asked (nothing recorded)."""
    if account.platform not in adapters.adapter_classes():
        logger.info("no adapter for %s; account %s not verified", account.platform, account.id)
        return False
    try:
        facts = _facts(account)
    except AdapterError as exc:
        logger.warning("account_facts failed for account %s: %s", account.id, exc)
        return False
    now = utcnow()
    required = tuple(getattr(adapters.adapter_classes()[account.platform], "required_scopes", ()))
    for item in items_for_account(account):
        check = CHECKS.get(item.api_check or "")
        result = check(facts, required, now) if check else None
        if result is not None:
            actions.record_check(account, item.id, result[0], result[1], now)
    profile = snapshot_profile(facts)
    if profile:
        actions.record_snapshot(account, profile, now)
    return True


def escalate_overdue_critical(account: SocialAccount) -> list[str]:
    """Emit `security.critical_items_overdue` (for escalation to Kadis/Kabid) when critical items are overdue."""
    overdue = [r.item.id for r in account_report(account).results
               if r.item.is_critical and r.status == ItemStatus.OVERDUE]
    if overdue:
        events.emit("security.critical_items_overdue", organisation_id=account.organisation_id,
                    account_id=account.id, items=overdue)
    return overdue


def verify_accounts(account_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Verify the given accounts (default: all not disabled); returns counts for the job log."""
    query = select(SocialAccount.id).where(SocialAccount.status != AccountStatus.DISABLED)
    if account_ids is not None:
        query = query.where(SocialAccount.id.in_(list(account_ids)))
    counts = {"verified": 0, "skipped": 0}
    for account_id in db.session.scalars(query.order_by(SocialAccount.id)).all():
        account = db.session.get(SocialAccount, account_id)
        blocked = blocked_accounts([account_id])
        try:
            ok = verify_account(account)
            announce_releases(blocked)
            escalate_overdue_critical(account)
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("security verification failed for account %s", account_id)
            ok = False
        counts["verified" if ok else "skipped"] += 1
    return counts
