"""Social-account queries and status changes (tenancy-scoped, audited)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import contains_eager

from app import audit
from app.events import emit
from app.extensions import db
from app.models import AccountStatus, Hold, Organisation, SocialAccount, User, utcnow
from app.tenancy import scoped

#: Tokens expiring sooner than this are flagged on the accounts page.
EXPIRY_WARNING = timedelta(days=7)


def visible_accounts(user: User, organisation: Organisation | None = None) -> list[SocialAccount]:
    """Accounts of the organisations the user may see, optionally within one organisation's subtree."""
    query = scoped(SocialAccount, user).join(Organisation, SocialAccount.organisation_id == Organisation.id)
    if organisation is not None:
        query = query.where(Organisation.path.like(f"{organisation.path}%"))
    query = query.options(contains_eager(SocialAccount.organisation))
    return list(db.session.scalars(query.order_by(Organisation.name, SocialAccount.platform, SocialAccount.handle)))


def expiry_state(account: SocialAccount, now: datetime | None = None) -> str | None:
    """"expired", "soon" (within EXPIRY_WARNING) or None."""
    if account.token_expires_at is None:
        return None
    now = now or utcnow()
    if account.token_expires_at <= now:
        return "expired"
    if account.token_expires_at - now < EXPIRY_WARNING:
        return "soon"
    return None


def set_disabled(account: SocialAccount, disabled: bool) -> bool:
    """Disable or re-enable an account; False (nothing written) when it is already so.

    Re-enabling an account whose token has expired leaves it "needs reconnecting".
    """
    before = {"status": account.status}
    if disabled:
        if account.status == AccountStatus.DISABLED:
            return False
        account.status = AccountStatus.DISABLED
    else:
        if account.status != AccountStatus.DISABLED:
            return False
        expired = expiry_state(account) == "expired"
        account.status = AccountStatus.NEEDS_RECONNECT if expired else AccountStatus.ACTIVE
    action = "account.disabled" if disabled else "account.enabled"
    audit.record(action, account, before=before, after={"status": account.status})
    emit(action, organisation_id=account.organisation_id, account_id=account.id, platform=account.platform)
    db.session.commit()
    return True


def active_accounts_in_subtree(user: User, organisation: Organisation) -> list[SocialAccount]:
    """Active accounts of `organisation` and its descendants that the user may see."""
    query = (scoped(SocialAccount, user).join(Organisation, SocialAccount.organisation_id == Organisation.id)
             .where(Organisation.path.like(f"{organisation.path}%"), SocialAccount.status == AccountStatus.ACTIVE)
             .options(contains_eager(SocialAccount.organisation))
             .order_by(SocialAccount.platform, SocialAccount.handle))
    return list(db.session.scalars(query))



@dataclass(frozen=True)
class AccountFacts:
    """What the accounts page shows beside an account: checklist score, holds, reconnect need."""

    score: int  # app.security.status: severity-weighted share of passing checklist items, 0–100
    critical_problems: int  # critical checklist items failing or overdue
    gate_blocks: bool  # the security gate holds its posts (critical problems and policy "block")
    hold: Hold | None  # an active crisis hold covering the account (app.publishing.holds)
    needs_reconnect: bool


def account_facts(accounts: list[SocialAccount], now: datetime | None = None) -> dict[int, AccountFacts]:
    """Facts for many accounts with a fixed number of queries (plus one gate policy per organisation)."""
    from app.publishing.holds import active_holds, hold_matches
    from app.security.gate import GatePolicy, gate_policy
    from app.security.status import reports_for_accounts

    now = now or utcnow()
    holds = active_holds()
    policies: dict[int, GatePolicy] = {}
    facts = {}
    for report in reports_for_accounts(accounts, now):
        account = report.account
        critical = len(report.critical_problems)
        if critical and account.organisation_id not in policies:
            policies[account.organisation_id] = gate_policy(account.organisation)
        hold = next((h for h in holds if hold_matches(h, account.organisation.path, account.id, account.platform)),
                    None)
        facts[account.id] = AccountFacts(
            score=report.score, critical_problems=critical,
            gate_blocks=bool(critical) and policies[account.organisation_id] == GatePolicy.BLOCK,
            hold=hold,
            needs_reconnect=account.status == AccountStatus.NEEDS_RECONNECT or expiry_state(account, now) is not None)
    return facts
