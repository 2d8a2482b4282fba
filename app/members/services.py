"""Membership changes: validated first, audited, and ending the affected user's sessions."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from app import audit
from app.auth.mfa import mfa_status
from app.auth.passwords import hash_password
from app.extensions import db
from app.models import Membership, Organisation, Role, User
from app.security.actions import mark_due_for_organisation


class MembershipError(ValueError):
    """A membership change that is not allowed; the message is shown to the admin."""


@dataclass
class MemberRow:
    """One person with a role at an organisation: direct memberships and roles inherited from above."""

    user: User
    direct: list[Membership] = field(default_factory=list)
    inherited: list[Membership] = field(default_factory=list)

    @property
    def mfa(self) -> str:
        """Second-factor status (app.auth.mfa): "on", "missing" (required, not set up) or "off"."""
        return mfa_status(self.user)


def member_rows(org: Organisation) -> list[MemberRow]:
    """Everyone holding a role at `org` or one of its ancestors, by name."""
    memberships = db.session.scalars(
        select(Membership).join(User).options(contains_eager(Membership.user), selectinload(Membership.organisation))
        .where(Membership.organisation_id.in_(org.ancestor_ids))
        .order_by(User.name, Membership.role)
    )
    rows: dict[int, MemberRow] = {}
    for membership in memberships:
        row = rows.setdefault(membership.user_id, MemberRow(membership.user))
        (row.direct if membership.organisation_id == org.id else row.inherited).append(membership)
    return list(rows.values())


def snapshot(membership: Membership) -> dict[str, object]:
    return {"user_id": membership.user_id, "email": membership.user.email,
            "organisation_id": membership.organisation_id, "role": membership.role}


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def new_initial_password() -> str:
    """A random initial password, shown once to the admin who creates the user."""
    return secrets.token_urlsafe(12)


def add_member(org: Organisation, *, email: str, role: str, name: str = "") -> tuple[Membership, str | None]:
    """Give an existing or a new user `role` at `org`.

    Returns the membership and, for a new user, the initial password (never stored in plaintext).
    Raises MembershipError before writing anything when the change is not allowed.
    """
    email = email.strip().lower()
    user = find_user(email)
    password = None
    if user is not None:
        held = db.session.scalar(select(Membership).where(
            Membership.user_id == user.id, Membership.organisation_id == org.id, Membership.role == role))
        if held is not None:
            raise MembershipError("already_member")
    else:
        if not name.strip():
            raise MembershipError("name_needed")
        password = new_initial_password()
        user = User(email=email, name=" ".join(name.split()), password_hash=hash_password(password))
        db.session.add(user)
        db.session.flush()
        audit.record("user.created", user, organisation_id=org.id,
                     after={"email": user.email, "name": user.name, "created_by_admin": True})
    membership = Membership(user=user, organisation=org, role=role)
    db.session.add(membership)
    db.session.flush()
    audit.record("membership.created", membership, after=snapshot(membership))
    mark_due_for_organisation(org.id, f"{user.email} joined as {role}")
    db.session.commit()
    return membership, password


def _is_last_top_admin(membership: Membership) -> bool:
    """Whether this is the only admin membership of a top-level organisation."""
    org = membership.organisation
    if membership.role != Role.ADMIN or org.parent_id is not None:
        return False
    admins = db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.organisation_id == org.id, Membership.role == Role.ADMIN))
    return admins <= 1


def change_role(membership: Membership, role: str) -> bool:
    """Give the membership another role; ends the user's sessions. False when the role is unchanged."""
    if membership.role == role:
        return False
    if _is_last_top_admin(membership):
        raise MembershipError("last_admin")
    duplicate = db.session.scalar(select(Membership).where(
        Membership.user_id == membership.user_id, Membership.organisation_id == membership.organisation_id,
        Membership.role == role))
    if duplicate is not None:
        raise MembershipError("already_member")
    before = snapshot(membership)
    membership.role = role
    membership.user.end_all_sessions()
    audit.record("membership.role_changed", membership, before=before, after=snapshot(membership))
    mark_due_for_organisation(membership.organisation_id,
                              f"{membership.user.email} changed role from {before['role']} to {role}")
    db.session.commit()
    return True


def remove(membership: Membership) -> None:
    """End a membership and every session of its user."""
    if _is_last_top_admin(membership):
        raise MembershipError("last_admin")
    before = snapshot(membership)
    membership.user.end_all_sessions()
    audit.record("membership.removed", membership, before=before)
    mark_due_for_organisation(membership.organisation_id, f"{membership.user.email} left ({membership.role})")
    db.session.delete(membership)
    db.session.commit()
