"""Posts, their per-account targets and their media."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.accounts import SocialAccount
    from app.models.campaigns import Campaign
    from app.models.org import Organisation
    from app.models.user import User


class PostState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    REJECTED = "rejected"


class TargetState(StrEnum):
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    NEEDS_RECONNECT = "needs_reconnect"
    UNCONFIRMED = "unconfirmed"
    HELD = "held"
    EXPIRED = "expired"
    # Handed to the platform early; the platform holds it until its time (native scheduling).
    PLATFORM_SCHEDULED = "platform_scheduled"


class Post(db.Model):
    """One piece of content, written once and tailored per platform in `variants`."""

    __tablename__ = "post"
    # The content calendar reads a time range of the visible organisations' posts.
    __table_args__ = (Index("ix_post_organisation_id_scheduled_at", "organisation_id", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # {"instagram": {"body": "...", ...}, "x": {...}}: overrides of the base body per platform.
    variants: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default=PostState.DRAFT, index=True)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on every content edit; an approval is bound to one version.
    content_version: Mapped[int] = mapped_column(Integer, default=1)
    # A label for filtering and reports (app/posts/campaigns.py); not content: changing it needs no new review.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    targets: Mapped[list[PostTarget]] = relationship(back_populates="post", cascade="all, delete-orphan")
    media_links: Mapped[list[PostMedia]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="PostMedia.position"
    )

    def body_for(self, platform: str) -> str:
        """The text for one platform: its variant when set, else the base body."""
        return (self.variants.get(platform) or {}).get("body") or self.body


class PostTarget(db.Model):
    """A post going to one account; the unit that is queued and published exactly once."""

    __tablename__ = "post_target"
    __table_args__ = (
        UniqueConstraint("post_id", "account_id"),
        Index("ix_post_target_state_due_at", "state", "due_at"),
        Index("ix_post_target_state_deadline_at", "state", "deadline_at"),
        # Activity dashboard (app.activity): published targets by time, and the last one per account.
        Index("ix_post_target_state_published_at", "state", "published_at"),
        Index("ix_post_target_account_state_published_at", "account_id", "state", "published_at"),
        # The dashboard's counts read only this (index-only scans): published targets by time.
        Index("ix_post_target_published", "published_at", "account_id", "post_id",
              postgresql_where=text("state = 'published'"), sqlite_where=text("state = 'published'")),
        Index("ix_post_target_state_handover_at", "state", "handover_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_account.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=TargetState.SCHEDULED, index=True)
    remote_id: Mapped[str | None] = mapped_column(String(200))
    remote_url: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Pipeline bookkeeping (app.publishing): when the next attempt is due, the latest allowed
    # publish time, how many times it was handed to the queue (part of the RQ job id), and who
    # claimed it for the platform call.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatch_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    # Reconcile rounds in a row that could not ask the platform (capped by WARTA_RECONCILE_MAX_ATTEMPTS).
    reconcile_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Native scheduling (app/publishing/native.py): when the dispatcher may hand the target to the
    # platform early, and the time the platform holds it for (`remote_id` is its scheduled post).
    handover_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    native_scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)

    post: Mapped[Post] = relationship(back_populates="targets")
    account: Mapped[SocialAccount] = relationship()


class Media(db.Model):
    """An uploaded image or video, stored privately and served through signed links."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    width: Mapped[int | None]
    height: Mapped[int | None]
    duration_seconds: Mapped[float | None]
    alt_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostMedia(db.Model):
    """Ordered media of a post (a carousel keeps its order)."""

    __tablename__ = "post_media"

    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    post: Mapped[Post] = relationship(back_populates="media_links")
    media: Mapped[Media] = relationship()
