"""Post drafts: reading the editor's input, validating it, saving it with its targets (audited)."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from wtforms import Field

import plugins
from app import audit
from app.extensions import db
from app.forms_common import LocalTimeError, parse_local
from app.models import Media, Organisation, Post, PostMedia, PostState, PostTarget, Role, SocialAccount, User, utcnow
from app.posts.forms import PostForm
from app.tenancy import scoped

#: States in which the editor may change a post (review and scheduling come with the pipeline).
EDITABLE_STATES = frozenset({PostState.DRAFT})


@dataclass
class PostInput:
    """The validated content of the editor."""

    title: str
    body: str
    account_ids: set[int]
    variant_bodies: dict[str, str]  # platform -> text ("" = use the main text)
    scheduled_at: datetime | None
    not_after: datetime | None
    errors: dict[str, list[str]] = field(default_factory=dict)
    # platform -> platform options set in the composer (TikTok privacy and interactions)
    variant_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    campaign_id: int | None = None  # one of the campaigns offered in the form (a label, not content)


def read_form(form: PostForm, organisation: Organisation, accounts: dict[int, SocialAccount],
              now: datetime | None = None) -> PostInput:
    """Turn the editor form into a PostInput; problems are put in `errors` by field name.

    `accounts` are the accounts offered as choices; WTForms refuses any other id, and ids not
    among them are ignored here, so this also runs on a form that failed WTForms validation.
    """
    now = now or utcnow()
    errors: dict[str, list[str]] = {}
    zone = organisation.timezone

    def local_time(name: str) -> datetime | None:
        raw = (form[name].data or "").strip()
        if not raw:
            return None
        try:
            return parse_local(raw, zone)
        except LocalTimeError:
            errors.setdefault(name, []).append(str(_l(
                "Enter a date and time that exists in %(zone)s (for example 2026-11-24 08:00).", zone=zone)))
            return None

    scheduled_at, not_after = local_time("scheduled_at"), local_time("not_after")
    if scheduled_at is not None and scheduled_at <= now:
        errors.setdefault("scheduled_at", []).append(str(_l("The publishing time is in the past.")))
    if not_after is not None:
        if scheduled_at is not None and not_after <= scheduled_at:
            errors.setdefault("not_after", []).append(str(_l("“Do not publish after” must be later than the "
                                                              "publishing time.")))
        elif not_after <= now:
            errors.setdefault("not_after", []).append(str(_l("“Do not publish after” is in the past.")))

    account_ids = {int(i) for i in form.accounts.data or []}
    chosen_platforms = {accounts[i].platform for i in account_ids if i in accounts}
    variant_bodies: dict[str, str] = {}
    for platform, variant in form.variant_fields():
        text = (variant.data or "").strip()
        if text and platform not in chosen_platforms:
            errors.setdefault(variant.name, []).append(str(_l(
                "You wrote a text for this platform but chose none of its accounts. Choose an account or "
                "empty this text.")))
        variant_bodies[platform] = text
    return PostInput(title=(form.title.data or "").strip(), body=(form.body.data or "").strip(),
                     account_ids=account_ids, variant_bodies=variant_bodies, scheduled_at=scheduled_at,
                     not_after=not_after, errors=errors, variant_options=_tiktok_options(form, errors),
                     campaign_id=campaign_choice(form.campaign, errors))


def campaign_choice(select: Field, errors: dict[str, list[str]]) -> int | None:
    """The chosen campaign; it must be one of the field's options (the campaigns usable in the organisation)."""
    from app.posts.campaigns import NOT_USABLE

    raw = str(select.data or "").strip()
    if not raw:
        return None
    offered = {str(choice[0]) for choice in select.choices or []}
    if raw not in offered or not raw.isdigit():
        errors.setdefault("campaign", []).append(str(NOT_USABLE))
        return None
    return int(raw)


def _tiktok_options(form: PostForm, errors: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """TikTok's privacy and interaction choices; the privacy must be one creator_info offered."""
    if "tiktok_privacy_level" not in form:
        return {}
    privacy = form.tiktok_privacy_level.data or ""
    offered = {choice.value for choice in form.tiktok_privacy_level.choices or []}
    if privacy and privacy not in offered:
        errors.setdefault("tiktok_privacy_level", []).append(str(_l("Choose one of the offered TikTok choices.")))
        privacy = ""
    options: dict[str, Any] = {name: True for name in ("disable_comment", "disable_duet", "disable_stitch")
                               if form[f"tiktok_{name}"].data}
    if privacy:
        options["privacy_level"] = privacy
    return {"tiktok": options}


def snapshot(post: Post) -> dict[str, Any]:
    """The audited content of a post."""
    return {
        "title": post.title, "body": post.body, "variants": copy.deepcopy(post.variants or {}),
        "account_ids": sorted(t.account_id for t in post.targets),
        "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
        "not_after": post.not_after.isoformat() if post.not_after else None,
        "state": post.state, "content_version": post.content_version, "campaign_id": post.campaign_id,
    }


#: Snapshot keys that are labels, not content: changing only these keeps `content_version` (and approvals).
LABEL_KEYS = frozenset({"campaign_id"})


def _content_of(post_snapshot: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in post_snapshot.items() if key not in LABEL_KEYS}


def _merged_variants(current: dict[str, Any], bodies: dict[str, str]) -> dict[str, Any]:
    """Set or clear the `body` of each platform's variant, keeping any other per-platform options."""
    variants = copy.deepcopy(current or {})
    for platform, text in bodies.items():
        entry = dict(variants.get(platform) or {})
        if text:
            entry["body"] = text
        else:
            entry.pop("body", None)
        if entry:
            variants[platform] = entry
        else:
            variants.pop(platform, None)
    return variants


def _merged_options(variants: dict[str, Any], options: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Replace the composer-managed `options` of each platform given (empty options are dropped)."""
    variants = copy.deepcopy(variants)
    for platform, chosen in options.items():
        entry = dict(variants.get(platform) or {})
        kept = {k: v for k, v in (entry.get("options") or {}).items() if k not in COMPOSER_OPTIONS}
        merged = {**kept, **chosen}
        if merged:
            entry["options"] = merged
        else:
            entry.pop("options", None)
        if entry:
            variants[platform] = entry
        else:
            variants.pop(platform, None)
    return variants


#: Variant options the composer form owns (others, set elsewhere, are kept).
COMPOSER_OPTIONS = frozenset({"privacy_level", "disable_comment", "disable_duet", "disable_stitch"})


def merged_variants(current: dict[str, Any], data: PostInput) -> dict[str, Any]:
    """The post's variants after applying the editor's texts and options."""
    return _merged_options(_merged_variants(current, data.variant_bodies), data.variant_options)


def _apply(post: Post, data: PostInput) -> None:
    post.title, post.body = data.title, data.body
    post.variants = merged_variants(post.variants, data)
    post.scheduled_at, post.not_after = data.scheduled_at, data.not_after
    post.campaign_id = data.campaign_id
    current = {t.account_id: t for t in post.targets}
    for account_id, target in current.items():
        if account_id not in data.account_ids:
            post.targets.remove(target)
    for account_id in sorted(data.account_ids - current.keys()):
        post.targets.append(PostTarget(account_id=account_id))


def add_post(organisation: Organisation, author: User, data: PostInput) -> Post:
    """Add a new draft with its targets and its audit event to the session, without committing."""
    post = Post(organisation=organisation, author=author, state=PostState.DRAFT, variants={}, content_version=1)
    db.session.add(post)
    _apply(post, data)
    db.session.flush()
    audit.record("post.created", post, after=snapshot(post), actor_id=author.id)
    return post


def create_post(organisation: Organisation, author: User, data: PostInput) -> Post:
    post = add_post(organisation, author, data)
    db.session.commit()
    return post


def update_post(post: Post, data: PostInput) -> bool:
    """Save an edit; bumps `content_version` unless only labels (the campaign) changed.

    False (nothing written) when nothing changed.
    """
    before = snapshot(post)
    _apply(post, data)
    after = snapshot(post)
    if after == before:
        db.session.rollback()
        return False
    if _content_of(after) != _content_of(before):
        post.content_version += 1
        after["content_version"] = post.content_version
    audit.record("post.updated", post, before=before, after=after)
    db.session.commit()
    return True


def set_campaign(post: Post, campaign_id: int | None) -> bool:
    """Label a post of any state with a campaign (already checked as usable); audited, not committed.

    A campaign is a label, not content: `content_version`, the state and any approval stay as
    they are. False when the campaign was already that one.
    """
    if post.campaign_id == campaign_id:
        return False
    before = post.campaign_id
    post.campaign_id = campaign_id
    audit.record("post.campaign_changed", post, before={"campaign_id": before}, after={"campaign_id": campaign_id})
    return True


def rule_problems(post: Post) -> list[plugins.PostProblem]:
    """What the content rules of plugins (`check_post` hook) find in a saved post.

    A draft is saved even when rules find problems: it is work in progress, and the
    author sees the problems at once. Blocking problems stop submission and publishing
    (`plugins.post_problems(post)` must be empty there).
    """
    return plugins.post_issues(post)


def delete_post(post: Post) -> None:
    audit.record("post.deleted", post, before=snapshot(post))
    db.session.delete(post)
    db.session.commit()


def posts_query(user: User, organisation: Organisation | None = None, state: str | None = None,
                campaign_id: int | None = None) -> Select:
    """Posts the user may see, newest first, optionally within one organisation's subtree, one state
    and one campaign."""
    query = scoped(Post, user).join(Organisation, Post.organisation_id == Organisation.id)
    if organisation is not None:
        query = query.where(Organisation.path.like(f"{organisation.path}%"))
    if state:
        query = query.where(Post.state == state)
    if campaign_id is not None:
        query = query.where(Post.campaign_id == campaign_id)
    return query.options(selectinload(Post.organisation), selectinload(Post.author), selectinload(Post.targets),
                         selectinload(Post.campaign)).order_by(Post.updated_at.desc(), Post.id.desc())


def admin_organisations(user: User) -> list[Organisation]:
    """Organisations where the user may write posts (admin there or above), by name."""
    return list(db.session.scalars(scoped(Organisation, user, roles=["admin"]).order_by(Organisation.name)))


def target_accounts(post: Post) -> list[SocialAccount]:
    return list(db.session.scalars(
        select(SocialAccount).join(PostTarget, PostTarget.account_id == SocialAccount.id)
        .where(PostTarget.post_id == post.id).order_by(SocialAccount.platform, SocialAccount.handle)))


@dataclass(frozen=True)
class WorkflowActions:
    """Which review and publishing actions the signed-in user may take on a post now."""

    submit: bool
    review: bool  # approve / reject
    schedule: bool
    manage_targets: bool  # retry failed targets, resume held ones


def workflow_actions(post: Post, user: User) -> WorkflowActions:
    """The buttons the post page shows; the routes in app/publishing check the same rules again."""
    from app.tenancy import has_role

    is_admin = has_role(user, post.organisation, Role.ADMIN)
    is_reviewer = is_admin or has_role(user, post.organisation, Role.REVIEWER)
    return WorkflowActions(
        submit=post.state in (PostState.DRAFT, PostState.REJECTED) and (post.author_id == user.id or is_admin),
        review=post.state == PostState.IN_REVIEW and is_reviewer and post.author_id != user.id,
        schedule=post.state in (PostState.APPROVED, PostState.SCHEDULED) and is_reviewer,
        manage_targets=is_admin,
    )


# -- media of a draft ----------------------------------------------------------------------------


def _media_order(post: Post) -> list[int]:
    return [link.media_id for link in post.media_links]


def _media_changed(post: Post, action: str, before: list[int]) -> None:
    post.content_version += 1  # the published payload changes: an approval must be renewed
    audit.record(action, post, before={"media_ids": before},
                 after={"media_ids": _media_order(post), "content_version": post.content_version})


def attach_media(post: Post, media: Media) -> None:
    """Append `media` (of the post's organisation) to the post's media (audited, not committed)."""
    if media.organisation_id != post.organisation_id:
        raise ValueError("media of another organisation")
    before = _media_order(post)
    if media.id in before:
        return
    position = max((link.position for link in post.media_links), default=-1) + 1
    post.media_links.append(PostMedia(media_id=media.id, media=media, position=position))
    db.session.flush()
    _media_changed(post, "post.media_added", before)


def move_media(post: Post, media_id: int, step: int) -> bool:
    """Move one file up (-1) or down (+1); False when the post has no such file. Audited, not committed."""
    links = list(post.media_links)
    index = next((i for i, link in enumerate(links) if link.media_id == media_id), None)
    if index is None:
        return False
    other = index + step
    if not 0 <= other < len(links):
        return True  # already first or last: nothing to do
    before = _media_order(post)
    links[index], links[other] = links[other], links[index]
    for position, link in enumerate(links):
        link.position = position
    db.session.flush()
    db.session.expire(post, ["media_links"])
    _media_changed(post, "post.media_moved", before)
    return True


def detach_media(post: Post, media_id: int) -> bool:
    """Remove one file from the post (the file itself stays in the library). Audited, not committed."""
    link = next((link for link in post.media_links if link.media_id == media_id), None)
    if link is None:
        return False
    before = _media_order(post)
    post.media_links.remove(link)
    for position, remaining in enumerate(post.media_links):
        remaining.position = position
    db.session.flush()
    _media_changed(post, "post.media_removed", before)
    return True
