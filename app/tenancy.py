"""Tenant scoping: the one place that decides which organisations a user may see.

A role held at an organisation applies to the organisation and all its
descendants. Every query for tenant data goes through `scoped()` (or
`get_scoped_or_404()`), so a user never sees another Pemda's or OPD's rows.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from flask import abort, g, has_request_context
from sqlalchemy import Select, or_, select

from app.extensions import db
from app.models import Membership, Organisation, User

M = TypeVar("M")


def _memberships(user: User) -> list[tuple[str, str]]:
    """(organisation path, role) for each membership, cached for the request."""
    cache_key = f"_warta_memberships_{user.id}"
    if has_request_context() and hasattr(g, cache_key):
        return getattr(g, cache_key)
    rows = db.session.execute(
        select(Organisation.path, Membership.role)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id)
    ).all()
    result = [(path, role) for path, role in rows]
    if has_request_context():
        setattr(g, cache_key, result)
    return result


def _paths_with(user: User, roles: Iterable[str] | None) -> list[str]:
    wanted = set(roles) if roles else None
    return sorted({path for path, role in _memberships(user) if wanted is None or role in wanted})


def membership_paths(user: User) -> list[str]:
    """Paths of the organisations where the user holds any role (each covers its subtree)."""
    return _paths_with(user, None)


def subtree_filter(user: User, roles: Iterable[str] | None = None) -> Any:
    """SQL condition on `Organisation` matching every org the user may act on with `roles`."""
    paths = _paths_with(user, roles)
    if not paths:
        return Organisation.id.is_(None)  # matches nothing
    return or_(*[Organisation.path.like(f"{path}%") for path in paths])


def visible_organisation_ids(user: User, roles: Iterable[str] | None = None) -> set[int]:
    """Ids of the organisations where the user holds one of `roles` (any role when None)."""
    return set(db.session.scalars(select(Organisation.id).where(subtree_filter(user, roles))))


def effective_roles(user: User, organisation: Organisation) -> set[str]:
    """Roles the user holds at `organisation`, directly or through an ancestor."""
    return {role for path, role in _memberships(user) if organisation.path.startswith(path)}


def has_role(user: User, organisation: Organisation, *roles: str) -> bool:
    """Whether the user holds any of `roles` (any role when none given) at `organisation`."""
    held = effective_roles(user, organisation)
    return bool(held & set(roles)) if roles else bool(held)


def has_role_anywhere(user: User, *roles: str) -> bool:
    """Whether the user holds any of `roles` (any role when none given) at some organisation."""
    return any(not roles or role in roles for _path, role in _memberships(user))


def scoped(model: type[M], user: User, roles: Iterable[str] | None = None) -> Select:
    """`select(model)` limited to rows of organisations the user may act on with `roles`.

    `model` is `Organisation` itself or any model with an `organisation_id` column.
    """
    if model is Organisation:
        return select(Organisation).where(subtree_filter(user, roles))
    org_ids = select(Organisation.id).where(subtree_filter(user, roles))
    return select(model).where(model.organisation_id.in_(org_ids))  # type: ignore[attr-defined]


def get_scoped_or_404(model: type[M], object_id: int, user: User, roles: Iterable[str] | None = None) -> M:
    """Load one row the user may see, else 404 (a foreign row looks like a missing one)."""
    pk = model.id  # type: ignore[attr-defined]
    row = db.session.scalar(scoped(model, user).where(pk == object_id))
    if row is None:
        abort(404)
    if roles is not None:
        organisation = row if isinstance(row, Organisation) else db.session.get(Organisation, row.organisation_id)
        if not has_role(user, organisation, *roles):
            abort(403)
    return row
