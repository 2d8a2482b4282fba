"""The start page's per-role overview: what the signed-in user can see and should look at."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from app.accounts.services import EXPIRY_WARNING
from app.extensions import db
from app.models import AccountStatus, Membership, Organisation, Post, PostState, Role, SocialAccount, User, utcnow
from app.tenancy import scoped


@dataclass
class Overview:
    """Counts for the start page; `roles` lists (role, organisation) of the user's memberships."""

    organisations: int = 0
    accounts: int = 0
    accounts_needing_attention: int = 0
    drafts: int = 0
    drafts_editable: int = 0
    roles: list[tuple[str, Organisation]] = field(default_factory=list)

    @property
    def role_set(self) -> set[str]:
        return {role for role, _org in self.roles}


def _count(query: object) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0  # type: ignore[attr-defined]


def overview(user: User) -> Overview:
    roles = [(role, org) for role, org in db.session.execute(
        select(Membership.role, Organisation).join(Organisation, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id).order_by(Organisation.name, Membership.role))]
    soon = utcnow() + EXPIRY_WARNING
    attention = or_(SocialAccount.status != AccountStatus.ACTIVE, SocialAccount.token_expires_at < soon)
    drafts = scoped(Post, user).where(Post.state == PostState.DRAFT)
    return Overview(
        organisations=_count(scoped(Organisation, user)),
        accounts=_count(scoped(SocialAccount, user)),
        accounts_needing_attention=_count(scoped(SocialAccount, user).where(attention)),
        drafts=_count(drafts),
        drafts_editable=_count(scoped(Post, user, roles=[Role.ADMIN]).where(Post.state == PostState.DRAFT)),
        roles=roles,
    )
