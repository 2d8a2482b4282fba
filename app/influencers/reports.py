"""Collaboration reports: per influencer, and per organisation and period; CSV export."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, select

from app.extensions import db
from app.influencers.services import covering_agreement, has_active_consent, local_day, publish_moment
from app.models import Agreement, Influencer, Post, PostCollaboration
from app.models.influencers import CollaborationKind


@dataclass(frozen=True)
class ReportRow:
    """One influencer on one post."""

    influencer_id: int
    influencer: str
    organisation: str
    post_id: int
    post_title: str
    post_state: str
    day: date  # publication day (or the planned one) in the post's organisation zone
    platforms: tuple[str, ...]
    kinds: tuple[str, ...]
    paid: bool
    agreement: str  # "2026-12-01 – 2026-12-31 (paid)" or "" when none covers the day
    consent: bool


def rows_for(query: Select) -> list[ReportRow]:
    """Report rows for the `PostCollaboration` rows selected by `query` (already tenant-scoped)."""
    grouped: dict[tuple[int, int], list[PostCollaboration]] = {}
    for collaboration in db.session.scalars(query.order_by(PostCollaboration.id)):
        grouped.setdefault((collaboration.post_id, collaboration.influencer_id), []).append(collaboration)
    rows = []
    for (post_id, _influencer_id), collaborations in grouped.items():
        post = db.session.get(Post, post_id)
        influencer: Influencer = collaborations[0].influencer
        published = [t.published_at for t in post.targets if t.published_at is not None]
        moment = min(published) if published else publish_moment(post)
        day = local_day(moment, post.organisation)
        kinds = tuple(sorted({c.kind for c in collaborations}))
        paid = CollaborationKind.PAID_PARTNERSHIP in kinds
        agreement = covering_agreement(influencer, day, paid=paid)
        rows.append(ReportRow(
            influencer_id=influencer.id, influencer=influencer.name, organisation=post.organisation.name,
            post_id=post.id, post_title=post.title or post.body[:60], post_state=post.state, day=day,
            platforms=tuple(sorted({t.account.platform for t in post.targets})), kinds=kinds, paid=paid,
            agreement=_agreement_label(agreement),
            consent=has_active_consent(influencer, moment),
        ))
    return sorted(rows, key=lambda r: (r.day, r.influencer.lower(), r.post_id))


def _agreement_label(agreement: Agreement | None) -> str:
    if agreement is None:
        return ""
    period = f"{agreement.starts_on.isoformat()} – {agreement.ends_on.isoformat()}"
    paid = _("paid")
    return f"{period} ({paid})" if agreement.paid else period


def in_period(rows: Iterable[ReportRow], start: date | None, end: date | None) -> list[ReportRow]:
    return [r for r in rows if (start is None or r.day >= start) and (end is None or r.day <= end)]


def collaborations_of(influencer: Influencer) -> Select:
    return select(PostCollaboration).where(PostCollaboration.influencer_id == influencer.id)


def _cell(value: object) -> str:
    """A CSV cell that spreadsheets will not run as a formula."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(rows: Iterable[ReportRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Date"), _("Influencer"), _("Organisation"), _("Post"), _("Title"), _("State"),
                     _("Platforms"), _("Kinds"), _("Paid"), _("Agreement covering the date"), _("Consent on record")])
    for r in rows:
        writer.writerow([_cell(v) for v in (
            r.day.isoformat(), r.influencer, r.organisation, r.post_id, r.post_title, r.post_state,
            " ".join(r.platforms), " ".join(r.kinds), _("yes") if r.paid else _("no"),
            r.agreement or _("none"), _("yes") if r.consent else _("no"))])
    return out.getvalue()
