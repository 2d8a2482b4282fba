"""The publish gate: warn about or block publishing to an account with critical problems.

Contract for the publishing pipeline (called before each target is published):

    allowed, reason = publish_gate(account_id)   (`blocking_reason(account_id)` when only "may it go out" matters)
    - allowed False  → do not publish; set the target to `held` with `reason`.
    - allowed True and reason → publish, and show `reason` as a warning.
    - allowed True and reason None → publish.

A held target is released when the gate allows again: the pipeline either
listens for the `security.gate_released` event (payload `account_id`), emitted
in the transaction that made the account pass, or periodically calls
`accounts_released_by_gate()` and re-queues its gate-held targets of those accounts.
"""
from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app import events
from app.extensions import db
from app.models import Organisation, PostTarget, SocialAccount, TargetState
from app.security.status import account_report

#: `Organisation.settings` key holding the policy, inherited by the subtree.
POLICY_KEY = "security_gate"


class GatePolicy(StrEnum):
    WARN = "warn"  # default: publish, but tell the author and the officer
    BLOCK = "block"  # hold the target until the item passes


def gate_policy(organisation: Organisation) -> GatePolicy:
    """The policy set on the nearest organisation up the tree, else `warn`."""
    from app.publishing.settings import ancestor_organisations

    ancestors = ancestor_organisations(organisation)
    for org_id in reversed(organisation.ancestor_ids):
        value = (ancestors[org_id].settings or {}).get(POLICY_KEY) if org_id in ancestors else None
        if value in {p.value for p in GatePolicy}:
            return GatePolicy(value)
    return GatePolicy.WARN


def _reason(ids: list[str]) -> str:
    text = _("Security checklist: critical items failing or overdue: %(items)s", items=", ".join(ids))
    return str(text)


def publish_gate(account_id: int) -> tuple[bool, str | None]:
    """(allowed, reason) for publishing to `account_id` now; see the module docstring."""
    account = db.session.get(SocialAccount, account_id)
    if account is None:
        return False, "account not found"
    problems = [r.item.id for r in account_report(account).critical_problems]
    if not problems:
        return True, None
    if has_request_context():
        reason = _reason(problems)
    else:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            reason = _reason(problems)
    return gate_policy(account.organisation) != GatePolicy.BLOCK, reason


def blocking_reason(account_id: int) -> str | None:
    """Why the gate blocks publishing to `account_id` now, or None — the pipeline's check.

    Same answer as `publish_gate`, but the checklist (several queries) is evaluated only when
    the organisation's policy is `block`: under `warn` the pipeline publishes whatever it finds.
    """
    account = db.session.get(SocialAccount, account_id)
    if account is None:
        return "account not found"
    if gate_policy(account.organisation) != GatePolicy.BLOCK:
        return None
    allowed, reason = publish_gate(account_id)
    return None if allowed else reason


def blocked_accounts(account_ids: Iterable[int]) -> set[int]:
    """The accounts among `account_ids` the gate blocks right now."""
    return {account_id for account_id in set(account_ids) if not publish_gate(account_id)[0]}


def announce_releases(blocked_before: set[int]) -> list[int]:
    """Emit `security.gate_released` for accounts blocked before that the gate now allows."""
    released = sorted(blocked_before - blocked_accounts(blocked_before))
    for account_id in released:
        account = db.session.get(SocialAccount, account_id)
        events.emit("security.gate_released", organisation_id=account.organisation_id if account else None,
                    account_id=account_id)
    return released


def accounts_released_by_gate() -> list[int]:
    """Accounts with `held` targets that the gate now allows (the pipeline releases its gate holds)."""
    held = db.session.scalars(
        select(PostTarget.account_id).where(PostTarget.state == TargetState.HELD).distinct()
    ).all()
    return sorted(account_id for account_id in held if publish_gate(account_id)[0])
