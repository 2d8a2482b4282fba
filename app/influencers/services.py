"""Collaboration rules against the database: policy, consent, agreements, plans, statuses.

Integration points (called by other parts of Warta):
- `collaboration_problems(post) -> list[str]`: the pipeline's submit step and the
  composer refuse to submit a post while this is not empty (translated messages).
- `apply_collaborations(post, platform, variant) -> Variant`: the pipeline calls it when it
  builds a target's `Variant`; the adapter's `disclosure_fields(variant)` then returns
  `variant.options["disclosure_fields"]`.
- `record_target_published(target)` after a target is published, and
  `set_collaboration_status(collaboration, target, status)` when the platform reports
  an invite's fate (Instagram `collaboration_invites`).
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from adapters.base import Variant
from app import audit
from app.extensions import db
from app.influencers.mapping import KNOWN_PLATFORMS, DisclosureSettings, Participant, PlatformPlan, plan_for_platform
from app.models import (
    Agreement,
    CollaborationKind,
    CollaborationStatus,
    DisclosurePolicy,
    Influencer,
    Organisation,
    Post,
    PostCollaboration,
    PostCollaborationStatus,
    PostTarget,
    TargetState,
    utcnow,
)

#: Collaboration kinds whose fate a platform reports, per platform; the rest are "sent".
STATUS_TRACKED = {("instagram", CollaborationKind.COLLABORATOR)}


# -- policy -------------------------------------------------------------------

def effective_policy(organisation: Organisation) -> tuple[DisclosureSettings, Organisation | None]:
    """The nearest policy up the tree (the organisation's own first) and where it is set."""
    ids = organisation.ancestor_ids
    policies = {p.organisation_id: p for p in db.session.scalars(
        select(DisclosurePolicy).where(DisclosurePolicy.organisation_id.in_(ids)))}
    for org_id in reversed(ids):
        policy = policies.get(org_id)
        if policy is not None:
            return DisclosureSettings(policy.text, policy.text_everywhere), db.session.get(Organisation, org_id)
    return DisclosureSettings(current_app.config["WARTA_DISCLOSURE_TEXT"], False), None


# -- time helpers ---------------------------------------------------------------

def publish_moment(post: Post) -> datetime:
    """When the post goes out: its scheduled time, else now."""
    return post.scheduled_at or utcnow()


def local_day(moment: datetime, organisation: Organisation) -> date:
    """The calendar day of `moment` in the organisation's zone (agreement periods are local dates)."""
    return moment.astimezone(ZoneInfo(organisation.timezone)).date()


def covering_agreement(influencer: Influencer, day: date, *, paid: bool) -> Agreement | None:
    """An agreement of the influencer covering `day` (a paid one when `paid`)."""
    for agreement in influencer.agreements:
        if agreement.covers(day) and (agreement.paid or not paid):
            return agreement
    return None


def has_active_consent(influencer: Influencer, moment: datetime) -> bool:
    return any(consent.active_at(moment) for consent in influencer.consents)


def agreement_is_active(influencer: Influencer, organisation: Organisation, *, paid: bool | None = None) -> bool:
    """Whether an agreement covers today (of the given paid-ness when not None)."""
    today = local_day(utcnow(), organisation)
    return any(a.covers(today) and (paid is None or a.paid == paid) for a in influencer.agreements)


# -- plans ------------------------------------------------------------------------

def post_collaborations(post: Post) -> list[PostCollaboration]:
    return list(db.session.scalars(
        select(PostCollaboration).where(PostCollaboration.post_id == post.id).order_by(PostCollaboration.id)))


def participants_for(post: Post) -> list[Participant]:
    """The post's influencers as plain data for the mapping."""
    by_influencer: dict[int, list[PostCollaboration]] = {}
    for collaboration in post_collaborations(post):
        by_influencer.setdefault(collaboration.influencer_id, []).append(collaboration)
    day = local_day(publish_moment(post), post.organisation)
    people = []
    for rows in by_influencer.values():
        influencer = rows[0].influencer
        agreement = covering_agreement(influencer, day, paid=True)
        people.append(Participant(
            influencer_id=influencer.id, name=influencer.name, kinds=frozenset(r.kind for r in rows),
            handles={h.platform: (h.handle, h.platform_user_id) for h in influencer.handles},
            third_party_brand=bool(agreement and agreement.third_party_brand),
        ))
    return sorted(people, key=lambda p: p.name.lower())


def target_platforms(post: Post) -> list[str]:
    """Platforms the post goes to, in a stable order."""
    platforms = {target.account.platform for target in post.targets}
    return [p for p in KNOWN_PLATFORMS if p in platforms] + sorted(platforms - set(KNOWN_PLATFORMS))


def plan_post(post: Post, platforms: list[str] | None = None) -> dict[str, PlatformPlan]:
    """One plan per platform (the post's target platforms unless `platforms` is given)."""
    people = participants_for(post)
    disclosure, _where = effective_policy(post.organisation)
    has_media = bool(post.media_links)
    return {
        platform: plan_for_platform(platform, people, text=post.body_for(platform),
                                    options=post.variants.get(platform) or {}, has_media=has_media,
                                    disclosure=disclosure)
        for platform in (platforms if platforms is not None else target_platforms(post))
    }


def apply_collaborations(post: Post, platform: str, variant: Variant) -> Variant:
    """`variant` for one of the post's targets with its collaborations and disclosure applied."""
    if not post_collaborations(post):
        return variant
    return plan_post(post, [platform])[platform].apply(variant)


def unpublished_post_ids(influencer: Influencer) -> set[int]:
    """Posts featuring the influencer that have a target not yet published."""
    ids = set()
    for post_id in set(db.session.scalars(
            select(PostCollaboration.post_id).where(PostCollaboration.influencer_id == influencer.id))):
        post = db.session.get(Post, post_id)
        if not post.targets or any(t.state != TargetState.PUBLISHED for t in post.targets):
            ids.add(post_id)
    return ids


# -- the submit gate ---------------------------------------------------------------------

def collaboration_problems(post: Post) -> list[str]:
    """Why the post cannot be submitted because of its collaborations (translated); empty when fine."""
    problems: list[str] = []
    collaborations = post_collaborations(post)
    if not collaborations:
        return problems
    moment = publish_moment(post)
    day = local_day(moment, post.organisation)
    seen: set[int] = set()
    for collaboration in collaborations:
        influencer = collaboration.influencer
        if influencer.id in seen:
            continue
        seen.add(influencer.id)
        kinds = {c.kind for c in collaborations if c.influencer_id == influencer.id}
        withdrawn = [c for c in influencer.consents if c.withdrawn_at is not None and c.withdrawn_at <= moment]
        active = has_active_consent(influencer, moment)
        if withdrawn and not active:
            problems.append(_("%(name)s has withdrawn consent; remove them from this post.", name=influencer.name))
        if CollaborationKind.PAID_PARTNERSHIP not in kinds:
            continue
        if not active and not withdrawn:
            problems.append(_("%(name)s is a paid partner but no consent is on record.", name=influencer.name))
        if covering_agreement(influencer, day, paid=True) is None:
            problems.append(_("%(name)s is a paid partner but no paid agreement covers %(day)s.",
                              name=influencer.name, day=day.strftime("%d-%m-%Y")))
    for plan in plan_post(post).values():
        problems.extend(plan.problems)
    return problems


# -- statuses ----------------------------------------------------------------------------

def initial_status(platform: str, kind: str) -> CollaborationStatus:
    return CollaborationStatus.PENDING if (platform, kind) in STATUS_TRACKED else CollaborationStatus.SENT


def record_target_published(target: PostTarget) -> list[PostCollaborationStatus]:
    """Create the status rows of the post's collaborations on a just-published target (idempotent)."""
    platform = target.account.platform
    created = []
    for collaboration in post_collaborations(target.post):
        if collaboration.influencer.handle_for(platform) is None:
            continue
        exists = db.session.scalar(select(PostCollaborationStatus).where(
            PostCollaborationStatus.collaboration_id == collaboration.id,
            PostCollaborationStatus.target_id == target.id))
        if exists is not None:
            continue
        row = PostCollaborationStatus(organisation_id=collaboration.organisation_id, collaboration=collaboration,
                                      target_id=target.id, status=initial_status(platform, collaboration.kind))
        db.session.add(row)
        db.session.flush()
        audit.record("collaboration.status_recorded", row, after={"status": row.status, "target_id": target.id,
                                                                  "collaboration_id": collaboration.id})
        created.append(row)
    return created


def set_collaboration_status(collaboration: PostCollaboration, target: PostTarget, status: str) -> None:
    """Record what the platform reported for one collaboration on one target (audited)."""
    if status not in set(CollaborationStatus):
        raise ValueError(f"unknown collaboration status {status!r}")
    row = db.session.scalar(select(PostCollaborationStatus).where(
        PostCollaborationStatus.collaboration_id == collaboration.id, PostCollaborationStatus.target_id == target.id))
    before = {"status": row.status} if row else None
    if row is None:
        row = PostCollaborationStatus(organisation_id=collaboration.organisation_id, collaboration=collaboration,
                                      target_id=target.id, status=status)
        db.session.add(row)
    row.status = status
    db.session.flush()
    audit.record("collaboration.status_changed", row, before=before,
                 after={"status": status, "target_id": target.id, "collaboration_id": collaboration.id})
