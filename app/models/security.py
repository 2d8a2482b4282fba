"""The account-hardening checklist: attestations, evidence, item states, snapshots, incidents.

The catalogue itself is data in code (app/security/catalogue.py); these tables
hold what happened to each item of each account. `item_id` is a catalogue id
("G2", "M6") or "C<id>" for an organisation's own item (`CustomItem`).
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class AttestationState(StrEnum):
    PENDING = "pending"  # waiting for a security officer
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class CustomItem(db.Model):
    """An organisation's own checklist item, inherited by the organisations below it."""

    __tablename__ = "security_custom_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32), default="*")  # adapter slug or "*"
    severity: Mapped[str] = mapped_column(String(16))
    interval_days: Mapped[int] = mapped_column(Integer)
    title_id: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    explanation_id: Mapped[str] = mapped_column(Text, default="")
    explanation_en: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[str] = mapped_column(String(300), default="")
    evidence_en: Mapped[str] = mapped_column(String(300), default="")
    # The tenant's own legal basis, e.g. "Perbup Bandung 73/2018 Pasal 5".
    regulation_reference: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def item_id(self) -> str:
        return f"C{self.id}"


class ItemState(db.Model):
    """Per account and item: not-applicable marking, trigger time and the last automatic result."""

    __tablename__ = "security_item_state"
    __table_args__ = (UniqueConstraint("account_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_account.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(32))
    not_applicable_reason: Mapped[str | None] = mapped_column(Text)
    # Set by an event trigger: attestations made before this moment no longer count.
    due_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_reason: Mapped[str | None] = mapped_column(String(300))
    # Result of the automatic check (None: never checked or not readable by the API).
    check_passed: Mapped[bool | None] = mapped_column(Boolean)
    check_detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Attestation(db.Model):
    """An admin's declaration that an item holds for an account, with evidence, reviewed by an officer."""

    __tablename__ = "security_attestation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_account.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(32), index=True)
    attested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The date the evidence shows (the check was done then); expiry counts from it.
    checked_on: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default=AttestationState.PENDING, index=True)
    # Why the upload looked like it might contain a secret (shown to the reviewer).
    secret_warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evidence: Mapped[list[Evidence]] = relationship(back_populates="attestation", cascade="all, delete-orphan")


class Evidence(db.Model):
    """An uploaded evidence file, stored encrypted under the instance folder (never a public URL)."""

    __tablename__ = "security_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    attestation_id: Mapped[int] = mapped_column(ForeignKey("security_attestation.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))  # of the plaintext file
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attestation: Mapped[Attestation] = relationship(back_populates="evidence")


class ProfileSnapshot(db.Model):
    """One day's API-readable profile facts of an account; a change against the previous one is an alert."""

    __tablename__ = "security_profile_snapshot"
    __table_args__ = (UniqueConstraint("account_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_account.id", ondelete="CASCADE"), index=True)
    day: Mapped[str] = mapped_column(String(10))  # UTC date, YYYY-MM-DD
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # {field: [before, after]} against the previous snapshot; empty when nothing changed.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncidentKind(StrEnum):
    PLATFORM_ALERT = "platform_alert"
    RECOVERY_CHANGE = "recovery_change"
    SUPPORT_2FA_DISABLED = "support_2fa_disabled"
    INCIDENT = "incident"


class Incident(db.Model):
    """A logged security event (incident, platform alert, recovery phone change) that makes items due."""

    __tablename__ = "security_incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("social_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
