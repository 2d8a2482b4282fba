"""Audience figures read from the platforms (followers per account, views/likes per published post)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class AudienceSnapshot(db.Model):
    """One reading of an account's audience (`target_id` empty) or of one published post's metrics.

    Figures a platform does not expose stay empty (None), never zero.
    """

    __tablename__ = "audience_snapshot"
    __table_args__ = (
        Index("ix_audience_snapshot_account_taken_at", "account_id", "taken_at"),
        Index("ix_audience_snapshot_target_taken_at", "target_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_account.id", ondelete="CASCADE"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("post_target.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    followers: Mapped[int | None] = mapped_column(BigInteger)
    views: Mapped[int | None] = mapped_column(BigInteger)  # views / impressions / plays, as the platform counts
    reach: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(BigInteger)
    comments: Mapped[int | None] = mapped_column(BigInteger)
    shares: Mapped[int | None] = mapped_column(BigInteger)
