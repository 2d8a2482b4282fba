"""Composer helpers stored per organisation: reusable post templates and hashtag sets."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import Organisation
from app.models.types import UTCDateTime, utcnow


class TemplateKind(StrEnum):
    TEMPLATE = "template"  # fills the post's text
    HASHTAGS = "hashtags"  # appended to the post's text


class PostTemplate(db.Model):
    """A text or hashtag set of one organisation; its descendants (OPDs) may use it too."""

    __tablename__ = "post_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=TemplateKind.TEMPLATE)
    name: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
