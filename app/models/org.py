"""The organisation tree and who holds which role where."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.user import User


class OrgKind(StrEnum):
    """What kind of unit an organisation is."""

    DISKOMINFO = "diskominfo"  # the communications office at the top of a Pemda
    OPD = "opd"  # an agency (dinas, badan, bagian)
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"


class Role(StrEnum):
    """Roles; one held at an organisation applies to all its descendants."""

    ADMIN = "admin"
    REVIEWER = "reviewer"
    SECURITY_OFFICER = "security_officer"
    COORDINATOR = "coordinator"
    VIEWER = "viewer"


#: Indonesian time zones offered first; any IANA zone is accepted.
INDONESIAN_ZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


class Organisation(db.Model):
    """A Diskominfo, OPD, kecamatan or kelurahan; `path` makes subtree queries one LIKE."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # Materialised ancestry "/1/4/9/" (own id last) for subtree scoping.
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Jakarta")
    require_2fa: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Activity dashboard: posts a week the organisation aims for (app.activity).
    posts_per_week_target: Mapped[int] = mapped_column(default=3, server_default="3")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent", order_by="Organisation.name")
    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this organisation (inclusive)."""
        return [int(p) for p in self.path.strip("/").split("/") if p]

    @property
    def depth(self) -> int:
        return len(self.ancestor_ids) - 1

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class Membership(db.Model):
    """A user holding a role at an organisation (and so in its subtree)."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
