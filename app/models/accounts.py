"""Official social-media accounts and their (encrypted) platform credentials."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import Organisation
from app.models.types import UTCDateTime, utcnow


class AccountStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_RECONNECT = "needs_reconnect"  # token expired or revoked: an admin must reconnect
    DISABLED = "disabled"  # switched off by an admin or a security officer


class SocialAccount(db.Model):
    """One official account on one platform, owned by one organisation."""

    __tablename__ = "social_account"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    platform: Mapped[str] = mapped_column(String(32))  # adapter slug
    handle: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    external_id: Mapped[str] = mapped_column(String(200))
    # JSON of the platform tokens, encrypted with MultiFernet (app.crypto); never plaintext.
    credentials_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(32), default=AccountStatus.ACTIVE)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # scopes, expiry, profile
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:  # never shows credentials
        return f"<SocialAccount {self.id} {self.platform}:{self.handle}>"
