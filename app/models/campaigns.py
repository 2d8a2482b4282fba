"""Campaigns: a label grouping posts of an organisation ("HUT RI ke-81", "Pilkada Damai 2026")."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import Organisation
from app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.user import User


def campaign_name_key(name: str) -> str:
    """The form of a name that must be unique per organisation: trimmed, spaces collapsed, case-folded."""
    return " ".join(name.split()).casefold()


class Campaign(db.Model):
    """A campaign of one organisation; usable by the organisation and every organisation below it.

    Names are unique per organisation regardless of case (`name_key`). A campaign is never
    deleted, only archived: archived campaigns keep their posts but are offered no more.
    """

    __tablename__ = "campaign"
    __table_args__ = (UniqueConstraint("organisation_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()

    def rename(self, name: str) -> None:
        """Set the name and its uniqueness key together."""
        self.name = " ".join(name.split())
        self.name_key = campaign_name_key(name)
