"""Crisis hold: stop publishing for a scope, with a reason, until an admin releases it.

Held targets are `held` — never failed, never published. Release "resume_all" puts
each target back on its own time (past-due ones follow the lateness rule);
release "review" ends the hold but leaves its targets held for one-by-one review.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_login import current_user
from sqlalchemy import select

from app import audit
from app.events import emit
from app.extensions import db
from app.models import Hold, HoldScope, Organisation, Post, PostTarget, Role, SocialAccount, TargetState, User, utcnow
from app.publishing import lifecycle
from app.publishing.notify import announce_hold_after_commit, wake_dispatcher_after_commit

RELEASE_MODES = ("resume_all", "review")


class HoldError(Exception):
    """A hold request that cannot be carried out; `code` names the problem."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def active_holds() -> list[Hold]:
    return list(db.session.scalars(select(Hold).where(Hold.released_at.is_(None)).order_by(Hold.id)))


def hold_matches(hold: Hold, org_path: str, account_id: int, platform: str) -> bool:
    """Whether `hold` covers a target of an account (`account_id`, `platform`) in the org at `org_path`."""
    if not org_path.startswith(hold.organisation.path):
        return False
    if hold.scope == HoldScope.ACCOUNT and hold.account_id != account_id:
        return False
    return not (hold.scope == HoldScope.PLATFORM and hold.platform != platform)


def hold_for_target(target: PostTarget, holds: list[Hold] | None = None) -> Hold | None:
    """The first active hold covering `target`, if any."""
    holds = active_holds() if holds is None else holds
    path = target.post.organisation.path
    for hold in holds:
        if hold_matches(hold, path, target.account_id, target.account.platform):
            return hold
    return None


def _matching_targets(hold: Hold, states: tuple[str, ...]) -> list[PostTarget]:
    query = (select(PostTarget).join(Post, Post.id == PostTarget.post_id)
             .join(Organisation, Organisation.id == Post.organisation_id)
             .join(SocialAccount, SocialAccount.id == PostTarget.account_id)
             .where(PostTarget.state.in_(states), Organisation.path.like(f"{hold.organisation.path}%")))
    if hold.scope == HoldScope.ACCOUNT:
        query = query.where(PostTarget.account_id == hold.account_id)
    if hold.scope == HoldScope.PLATFORM:
        query = query.where(SocialAccount.platform == hold.platform)
    return list(db.session.scalars(query.order_by(PostTarget.id)))


def start_hold(actor: User, organisation: Organisation, scope: str, reason: str,
               account: SocialAccount | None = None, platform: str | None = None) -> Hold:
    """Hold publishing for `scope` within `organisation`'s subtree (the actor must be its admin)."""
    from app.tenancy import has_role

    if not reason.strip():
        raise HoldError("reason_required")
    if scope not in set(HoldScope):
        raise HoldError("bad_scope")
    if not has_role(actor, organisation, Role.ADMIN):
        raise HoldError("not_admin")
    if scope == HoldScope.ACCOUNT and (account is None or not account.organisation.path.startswith(organisation.path)):
        raise HoldError("account_required")
    if scope == HoldScope.PLATFORM and not platform:
        raise HoldError("platform_required")
    hold = Hold(organisation=organisation, organisation_id=organisation.id, scope=scope, reason=reason.strip(),
                account_id=account.id if scope == HoldScope.ACCOUNT and account else None,
                platform=platform if scope == HoldScope.PLATFORM else None, created_by_id=actor.id)
    db.session.add(hold)
    db.session.flush()
    announce_hold_after_commit()  # calls waiting for a slot are not made
    from app.publishing.native import recheck

    held = 0
    for target in _matching_targets(hold, (TargetState.SCHEDULED, TargetState.QUEUED)):
        lifecycle.move_target(target, TargetState.HELD, reason=f"hold:{hold.id}", actor_id=actor.id)
        held += 1
    # Natively scheduled ones are cancelled on the platform by a job (app/publishing/native.py), then held.
    on_platform = _matching_targets(hold, (TargetState.PLATFORM_SCHEDULED,))
    for target in on_platform:
        recheck(target)
    audit.record("hold.started", hold, organisation_id=organisation.id, actor_id=actor.id,
                 after={"scope": scope, "reason": hold.reason, "account_id": hold.account_id,
                        "platform": hold.platform, "held_targets": held,
                        "platform_scheduled_to_cancel": [t.id for t in on_platform]})
    emit("hold.started", organisation_id=organisation.id, hold_id=hold.id, scope=scope, reason=hold.reason,
         held_targets=held)
    return hold


def release_hold(hold: Hold, actor: User, mode: str = "resume_all") -> int:
    """End a hold; with "resume_all" its targets go back on schedule. Returns targets resumed."""
    from app.tenancy import has_role

    if not hold.active:
        raise HoldError("already_released")
    if mode not in RELEASE_MODES:
        raise HoldError("bad_mode")
    if not has_role(actor, hold.organisation, Role.ADMIN):
        raise HoldError("not_admin")
    hold.released_at = utcnow()
    hold.released_by_id = actor.id
    hold.release_mode = mode
    db.session.flush()
    resumed = 0
    if mode == "resume_all":
        others = [h for h in active_holds() if h.id != hold.id]
        for target in _matching_targets(hold, (TargetState.HELD,)):
            if hold_for_target(target, others) is None:
                resume_target(target, actor)
                resumed += 1
    audit.record("hold.released", hold, organisation_id=hold.organisation_id, actor_id=actor.id,
                 after={"mode": mode, "resumed_targets": resumed})
    emit("hold.released", organisation_id=hold.organisation_id, hold_id=hold.id, mode=mode, resumed=resumed)
    wake_dispatcher_after_commit()
    return resumed


def resume_target(target: PostTarget, actor: User | None) -> None:
    """Put one held target back on its time, or expire it when it is now too late (per-post review)."""
    if hold_for_target(target) is not None:
        raise HoldError("still_held")
    from app.publishing.native import set_waiting_time

    now = utcnow()
    lifecycle.move_target(target, TargetState.SCHEDULED, reason="hold_released",
                          actor_id=actor.id if actor else None)
    set_waiting_time(target, target.due_at)  # handed to the platform again when native scheduling applies
    if target.deadline_at is not None and target.deadline_at < now:
        lifecycle.expire_target(target, "too_late_after_hold",
                                "The hold ended after the latest allowed publish time, so it was not published.")
    wake_dispatcher_after_commit()


def holds_visible_to(user: Any) -> list[Hold]:
    """Active holds that cover any organisation the user belongs to (above or below it)."""
    from app.tenancy import membership_paths

    paths = membership_paths(user)
    return [h for h in active_holds()
            if any(p.startswith(h.organisation.path) or h.organisation.path.startswith(p) for p in paths)]


def _banner_context() -> dict[str, Any]:
    def publishing_holds() -> list[Hold]:
        if not getattr(current_user, "is_authenticated", False):
            return []
        if "_warta_holds" not in g:
            g._warta_holds = holds_visible_to(current_user)
        return g._warta_holds

    return {"publishing_holds": publishing_holds}


def release_security_gate(account_id: int) -> int:
    """Resume the account's targets held by the security gate (held, but under no crisis hold)."""
    held = db.session.scalars(select(PostTarget).where(
        PostTarget.account_id == account_id, PostTarget.state == TargetState.HELD)).all()
    released = 0
    for target in held:
        if hold_for_target(target) is None:
            resume_target(target, None)
            released += 1
    return released


def _on_event(name: str, *, organisation_id: int | None = None, payload: dict[str, Any]) -> None:
    if name == "security.gate_released":
        release_security_gate(payload["account_id"])


def init_app(app: Flask) -> None:
    from app.events import add_listener

    app.context_processor(_banner_context)
    add_listener(app, _on_event)
