"""The influencer registry: people, their handles, consent, agreements and post collaborations.

Every row carries `organisation_id` so `app.tenancy.scoped()` limits it to the
organisations a coordinator may act on. Agreement periods are calendar dates
in the owning organisation's zone (a contract says "1 to 31 December").
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class CollaborationKind(StrEnum):
    """How an influencer takes part in a post."""

    COLLABORATOR = "collaborator"  # co-author invite (Instagram collaborators)
    MENTION = "mention"  # @handle in the text
    USER_TAG = "user_tag"  # tagged on the media (Instagram user_tags, X tagged_user_ids)
    PAID_PARTNERSHIP = "paid_partnership"  # paid: the platform's disclosure flag must be set


class CollaborationStatus(StrEnum):
    """Where the platform exposes it (Instagram invites); everything else is `sent`."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SENT = "sent"


class HandleLookup(StrEnum):
    """The outcome of the last lookup of a handle on its platform (None: never looked up)."""

    RESOLVED = "resolved"  # the platform user id was found
    NOT_FOUND = "not_found"  # no account (Instagram: no business/creator account) has this handle
    FAILED = "failed"  # the platform could not be asked (network, token, quota): try again
    NO_ACCOUNT = "no_account"  # no connected account of the platform in the organisation tree
    UNSUPPORTED = "unsupported"  # the platform has no lookup (TikTok, Facebook): typed by hand


class ConsentMethod(StrEnum):
    """How consent was given."""

    SIGNED_FORM = "signed_form"
    EMAIL = "email"
    MESSAGE = "message"  # WhatsApp / direct message, kept as a screenshot or export
    IN_PERSON = "in_person"


class Influencer(db.Model):
    """A person or account the organisation works with (organisation-owned)."""

    __tablename__ = "influencer"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(Text, default="")  # personal data: shown to coordinators only
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    handles: Mapped[list[InfluencerHandle]] = relationship(
        back_populates="influencer", cascade="all, delete-orphan", order_by="InfluencerHandle.platform"
    )
    consents: Mapped[list[ConsentRecord]] = relationship(
        back_populates="influencer", cascade="all, delete-orphan", order_by="ConsentRecord.given_at"
    )
    agreements: Mapped[list[Agreement]] = relationship(
        back_populates="influencer", cascade="all, delete-orphan", order_by="Agreement.starts_on"
    )

    def handle_for(self, platform: str) -> InfluencerHandle | None:
        return next((h for h in self.handles if h.platform == platform), None)

    def __repr__(self) -> str:
        return f"<Influencer {self.id} {self.name!r}>"


class InfluencerHandle(db.Model):
    """An influencer's account on one platform; the platform user id once resolved."""

    __tablename__ = "influencer_handle"
    __table_args__ = (UniqueConstraint("influencer_id", "platform"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    influencer_id: Mapped[int] = mapped_column(ForeignKey("influencer.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(100))
    platform_user_id: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lookup_status: Mapped[str | None] = mapped_column(String(20))  # HandleLookup of the last lookup
    lookup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lookup_detail: Mapped[str] = mapped_column(String(300), default="", server_default="")  # platform's words

    influencer: Mapped[Influencer] = relationship(back_populates="handles")


class InfluencerDocument(db.Model):
    """A signed consent form or agreement, stored privately under the instance folder."""

    __tablename__ = "influencer_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    influencer_id: Mapped[int] = mapped_column(ForeignKey("influencer.id", ondelete="CASCADE"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsentRecord(db.Model):
    """Who agreed to be featured, when, how, with the evidence; withdrawal ends it."""

    __tablename__ = "consent_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    influencer_id: Mapped[int] = mapped_column(ForeignKey("influencer.id", ondelete="CASCADE"), index=True)
    given_by: Mapped[str] = mapped_column(String(200))  # the influencer, or a guardian / manager
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("influencer_document.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    influencer: Mapped[Influencer] = relationship(back_populates="consents")
    document: Mapped[InfluencerDocument | None] = relationship(foreign_keys=[document_id])

    def active_at(self, moment: datetime) -> bool:
        return self.given_at <= moment and (self.withdrawn_at is None or self.withdrawn_at > moment)


class Agreement(db.Model):
    """A period of collaboration, paid or unpaid, with its scope and documents."""

    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    influencer_id: Mapped[int] = mapped_column(ForeignKey("influencer.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    paid: Mapped[bool] = mapped_column(default=False)
    # True when the partnership promotes a third party's brand rather than the
    # organisation's own programme (TikTok: brand_content_toggle, else brand_organic_toggle).
    third_party_brand: Mapped[bool] = mapped_column(default=False)
    scope: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    influencer: Mapped[Influencer] = relationship(back_populates="agreements")
    documents: Mapped[list[InfluencerDocument]] = relationship(
        foreign_keys=[InfluencerDocument.agreement_id], order_by="InfluencerDocument.id"
    )

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class PostCollaboration(db.Model):
    """An influencer on a post in one way (an influencer may take part in several ways)."""

    __tablename__ = "post_collaboration"
    __table_args__ = (UniqueConstraint("post_id", "influencer_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    influencer_id: Mapped[int] = mapped_column(ForeignKey("influencer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    influencer: Mapped[Influencer] = relationship()
    statuses: Mapped[list[PostCollaborationStatus]] = relationship(
        back_populates="collaboration", cascade="all, delete-orphan"
    )


class PostCollaborationStatus(db.Model):
    """What became of one collaboration on one published target."""

    __tablename__ = "post_collaboration_status"
    __table_args__ = (UniqueConstraint("collaboration_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    collaboration_id: Mapped[int] = mapped_column(ForeignKey("post_collaboration.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("post_target.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    collaboration: Mapped[PostCollaboration] = relationship(back_populates="statuses")


class DisclosurePolicy(db.Model):
    """An organisation's disclosure rules; the nearest ancestor's policy applies when none is set."""

    __tablename__ = "disclosure_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(String(100))  # e.g. "#iklan", "#kerjasama"
    # Also append the text where the platform has its own disclosure flag.
    text_everywhere: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
