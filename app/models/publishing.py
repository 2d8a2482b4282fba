"""Publishing records: review decisions bound to a content version, crisis holds, the quota ledger."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import Organisation
from app.models.types import UTCDateTime, utcnow


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    TRUSTED_SKIP = "trusted_skip"  # a named trusted admin published without review (org setting)


class Approval(db.Model):
    """One reviewer's decision on one exact content version of a post."""

    __tablename__ = "approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    content_version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The content that was decided on (app.posts.diff.content_snapshot): the approval inbox diffs against it.
    content_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class HoldScope(StrEnum):
    EVERYTHING = "everything"  # the admin's whole tree
    ORGANISATION = "organisation"  # one organisation and its subtree
    ACCOUNT = "account"
    PLATFORM = "platform"  # one platform within the organisation's subtree


class Hold(db.Model):
    """A crisis hold: matching targets are `held` (never failed, never published) until released."""

    __tablename__ = "publishing_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The subtree the hold covers; account and platform narrow it further.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    scope: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("social_account.id"))
    platform: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    release_mode: Mapped[str | None] = mapped_column(String(20))

    organisation: Mapped[Organisation] = relationship()

    @property
    def active(self) -> bool:
        return self.released_at is None


class QuotaUsage(db.Model):
    """One platform call that counts against a posting cap (reserved at claim, kept if published)."""

    __tablename__ = "quota_usage"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_account.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int | None] = mapped_column(ForeignKey("post_target.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="post")
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
