"""Organisation tree queries and changes (tenancy-scoped, audited)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from app import audit
from app.demo import create_organisation
from app.extensions import db
from app.models import Membership, Organisation, SocialAccount, User
from app.tenancy import scoped


@dataclass
class TreeNode:
    """One organisation in the visible tree, with its counts and children."""

    org: Organisation
    accounts: int = 0
    members: int = 0
    children: list[TreeNode] = field(default_factory=list)


def account_counts(org_ids: set[int]) -> dict[int, int]:
    if not org_ids:
        return {}
    rows = db.session.execute(
        select(SocialAccount.organisation_id, func.count())
        .where(SocialAccount.organisation_id.in_(org_ids))
        .group_by(SocialAccount.organisation_id)
    )
    return {org_id: count for org_id, count in rows}


def member_counts(org_ids: set[int]) -> dict[int, int]:
    """People holding a role directly at each organisation."""
    if not org_ids:
        return {}
    rows = db.session.execute(
        select(Membership.organisation_id, func.count(func.distinct(Membership.user_id)))
        .where(Membership.organisation_id.in_(org_ids))
        .group_by(Membership.organisation_id)
    )
    return {org_id: count for org_id, count in rows}


def visible_tree(user: User) -> list[TreeNode]:
    """The forest of organisations the user may see, roots first, children by name."""
    orgs = list(db.session.scalars(scoped(Organisation, user).order_by(Organisation.name)))
    ids = {org.id for org in orgs}
    accounts, members = account_counts(ids), member_counts(ids)
    nodes = {org.id: TreeNode(org, accounts.get(org.id, 0), members.get(org.id, 0)) for org in orgs}
    roots: list[TreeNode] = []
    for org in orgs:
        parent = nodes.get(org.parent_id) if org.parent_id is not None else None
        (parent.children if parent else roots).append(nodes[org.id])
    return roots


def ancestors(org: Organisation) -> list[Organisation]:
    """The organisations above `org`, from the top down."""
    ids = org.ancestor_ids[:-1]
    if not ids:
        return []
    by_id = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def two_factor_required_by(org: Organisation) -> Organisation | None:
    """The organisation (itself or an ancestor) whose setting makes 2FA mandatory here, if any."""
    if org.require_2fa:
        return org
    return next((a for a in reversed(ancestors(org)) if a.require_2fa), None)


def snapshot(org: Organisation) -> dict[str, Any]:
    """The audited fields of an organisation."""
    return {"name": org.name, "kind": org.kind, "timezone": org.timezone, "require_2fa": org.require_2fa,
            "parent_id": org.parent_id, "path": org.path}


def create_child(parent: Organisation, *, name: str, kind: str, timezone: str, require_2fa: bool) -> Organisation:
    """Add a child organisation below `parent` (path maintained by `create_organisation`)."""
    org = create_organisation(name, kind, parent, timezone=timezone)
    org.require_2fa = require_2fa
    audit.record("organisation.created", org, organisation_id=org.id, after=snapshot(org))
    db.session.commit()
    return org


def update(org: Organisation, *, name: str, kind: str, timezone: str, require_2fa: bool) -> bool:
    """Change an organisation's own fields; False (nothing written) when nothing changed."""
    before = snapshot(org)
    org.name, org.kind, org.timezone, org.require_2fa = name, kind, timezone, require_2fa
    after = snapshot(org)
    if after == before:
        return False
    audit.record("organisation.updated", org, organisation_id=org.id, before=before, after=after)
    db.session.commit()
    return True
