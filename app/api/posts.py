"""/api/v1 posts and targets: the editor's validation (app.posts), the lifecycle's transitions.

Create and update go through the same PostForm and `services.read_form` as the editor page,
so the API accepts exactly what the page accepts; review and schedule actions call
app.publishing.lifecycle with the same role checks as the post page's buttons.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from app.accounts.services import active_accounts_in_subtree
from app.api import schemas
from app.api.core import ApiBlueprint, scope
from app.api.errors import ApiError
from app.api.pagination import paginate
from app.extensions import db
from app.forms_common import local_input_value
from app.models import Campaign, Organisation, Post, PostState, PostTarget, Role, SocialAccount
from app.posts import services
from app.posts.campaigns import (
    NOT_USABLE,
    offer_campaigns,
    usable_by,
    usable_campaign,
    visible_campaign_or_404,
    visible_campaigns_query,
)
from app.posts.forms import account_choices, post_form_class
from app.publishing import lifecycle
from app.publishing.views import REVIEW_ERRORS
from app.tenancy import get_scoped_or_404, has_role

bp = ApiBlueprint("api_posts", __name__, url_prefix="/api/v1", description="Posts, review, scheduling and targets")

#: Review problems (lifecycle.ReviewError codes) → HTTP status.
REVIEW_STATUS = {"self_approval": 403, "not_a_reviewer": 403, "already_approved": 409, "comment_required": 400,
                 "no_time": 409}
REVIEWERS = (Role.REVIEWER, Role.ADMIN)


def dump_target(target: PostTarget) -> dict[str, Any]:
    return {"id": target.id, "post_id": target.post_id, "account_id": target.account_id,
            "platform": target.account.platform, "handle": target.account.handle, "state": target.state,
            "attempts": target.attempts, "last_error": target.last_error, "remote_url": target.remote_url,
            "due_at": target.due_at, "published_at": target.published_at}


def variant_bodies(post: Post) -> dict[str, str]:
    return {platform: entry["body"] for platform, entry in (post.variants or {}).items()
            if isinstance(entry, dict) and entry.get("body")}


def dump_campaign_ref(campaign: Campaign | None) -> dict[str, Any] | None:
    if campaign is None:
        return None
    return {"id": campaign.id, "name": campaign.name, "organisation_id": campaign.organisation_id}


def dump_post(post: Post) -> dict[str, Any]:
    return {"id": post.id, "organisation_id": post.organisation_id, "author_id": post.author_id,
            "title": post.title, "body": post.body, "variants": variant_bodies(post), "state": post.state,
            "scheduled_at": post.scheduled_at, "not_after": post.not_after,
            "content_version": post.content_version, "campaign_id": post.campaign_id,
            "campaign": dump_campaign_ref(post.campaign), "created_at": post.created_at,
            "updated_at": post.updated_at,
            "targets": [dump_target(t) for t in sorted(post.targets, key=lambda t: t.id)]}


def _post_for(post_id: int, *roles: str) -> Post:
    return get_scoped_or_404(Post, post_id, current_user, roles=list(roles) if roles else None)


# -- reading ----------------------------------------------------------------------------------------

@bp.route("/posts")
@bp.arguments(schemas.PostFilter, location="query")
@bp.response(200, schemas.paged(schemas.Post, "PostPage"))
def posts(args: dict[str, Any]) -> dict[str, Any]:
    """Posts you may see, newest change first; filter by organisation subtree, state and campaign."""
    organisation = None
    if args.get("org_id") is not None:
        organisation = get_scoped_or_404(Organisation, args["org_id"], current_user)
    query = services.posts_query(current_user, organisation, args.get("state"))
    if args.get("campaign_id") is not None:
        query = query.where(Post.campaign_id == visible_campaign_or_404(current_user, args["campaign_id"]).id)
    query = query.options(selectinload(Post.targets).selectinload(PostTarget.account),
                          selectinload(Post.campaign))
    return paginate(query, args, dump_post)


@bp.route("/posts/<int(max=2147483647):post_id>")
@bp.response(200, schemas.Post)
def post(post_id: int) -> dict[str, Any]:
    return dump_post(_post_for(post_id))


@bp.route("/posts/<int(max=2147483647):post_id>/targets")
@bp.response(200, schemas.Target(many=True))
def post_targets(post_id: int) -> list[dict[str, Any]]:
    return [dump_target(t) for t in sorted(_post_for(post_id).targets, key=lambda t: t.id)]


def _target_for(target_id: int, *roles: str) -> PostTarget:
    target = db.session.get(PostTarget, target_id)
    if target is None:
        raise ApiError(404, "not_found")
    _post_for(target.post_id, *roles)  # 404 for a foreign post, 403 without the role
    return target


@bp.route("/targets/<int(max=2147483647):target_id>")
@bp.response(200, schemas.Target)
def target(target_id: int) -> dict[str, Any]:
    return dump_target(_target_for(target_id))


# -- writing: the editor's rules ---------------------------------------------------------------------

def _validated(organisation: Organisation, offered: dict[int, SocialAccount], values: dict[str, Any],
               post: Post | None = None) -> services.PostInput:
    """Run `values` through the editor's PostForm and `read_form`; 400 with every problem at once."""
    platforms = {a.platform for a in offered.values()}
    unknown = sorted(set(values["variants"]) - platforms)
    form_class = post_form_class(platforms)
    zone = organisation.timezone
    formdata = MultiDict([("title", values["title"]), ("body", values["body"]),
                          ("scheduled_at", local_input_value(values["scheduled_at"], zone)),
                          ("not_after", local_input_value(values["not_after"], zone)),
                          ("campaign", str(values["campaign_id"] or ""))])
    for account_id in values["account_ids"]:
        formdata.add("accounts", str(account_id))
    for platform, text in values["variants"].items():
        formdata.add(f"variant_{platform}", text)
    form = form_class(formdata=formdata, meta={"csrf": False})
    form.accounts.choices = account_choices(sorted(offered.values(), key=lambda a: a.id))
    offer_campaigns(form.campaign, organisation, post.campaign if post else None)
    valid = form.validate()
    data = services.read_form(form, organisation, offered)
    # The API takes exact aware times; the form only saw them to the minute in the organisation's zone.
    if values["scheduled_at"] is not None and "scheduled_at" not in data.errors:
        data.scheduled_at = values["scheduled_at"]
    if values["not_after"] is not None and "not_after" not in data.errors:
        data.not_after = values["not_after"]
    errors: dict[str, list[str]] = {}
    names = {"accounts": "account_ids", "campaign": "campaign_id",
             **{f"variant_{p}": f"variants.{p}" for p in platforms}}
    for name in {**form.errors, **data.errors}:
        merged = list(dict.fromkeys([*form.errors.get(name, []), *data.errors.get(name, [])]))
        errors[names.get(name, name)] = [str(m) for m in merged]
    for platform in unknown:
        errors[f"variants.{platform}"] = [_("None of the chosen accounts is on this platform.")]
    if errors or not valid:
        raise ApiError(400, "validation_failed", _("Some fields are not valid."), {"json": errors})
    return data


@bp.route("/posts", methods=["POST"])
@bp.arguments(schemas.PostCreate)
@bp.response(201, schemas.Post)
def create_post(args: dict[str, Any]) -> dict[str, Any]:
    """Create a draft in an organisation where you are an admin (as on the editor page)."""
    organisation = get_scoped_or_404(Organisation, args["organisation_id"], current_user, roles=[Role.ADMIN])
    offered = {a.id: a for a in active_accounts_in_subtree(current_user, organisation)}
    values = {"title": "", "account_ids": [], "variants": {}, "scheduled_at": None, "not_after": None,
              "campaign_id": None, **args}
    post = services.create_post(organisation, current_user, _validated(organisation, offered, values))
    return dump_post(post)


@bp.route("/posts/<int(max=2147483647):post_id>", methods=["PATCH"])
@bp.arguments(schemas.PostUpdate)
@bp.response(200, schemas.Post)
def update_post(args: dict[str, Any], post_id: int) -> dict[str, Any]:
    """Change a draft; fields left out keep their value. Only drafts can be edited (else 409), except
    `campaign_id` alone: a label, set in any state without a new review or content version."""
    post = _post_for(post_id, Role.ADMIN)
    if post.state not in services.EDITABLE_STATES:
        if set(args) != {"campaign_id"}:
            raise ApiError(409, "not_editable", _l("Only drafts can be edited."))
        _set_campaign(post, args["campaign_id"])
        return dump_post(post)
    organisation = post.organisation
    offered = {a.id: a for a in active_accounts_in_subtree(current_user, organisation)}
    offered.update({a.id: a for a in services.target_accounts(post)})  # current targets stay allowed
    current = {"title": post.title, "body": post.body, "account_ids": [t.account_id for t in post.targets],
               "variants": variant_bodies(post), "scheduled_at": post.scheduled_at, "not_after": post.not_after,
               "campaign_id": post.campaign_id}
    values = {**current, **args}
    if "variants" in args:  # a platform left out of `variants` falls back to the main text
        values["variants"] = {p: args["variants"].get(p, "") for p in {*current["variants"], *args["variants"]}}
    services.update_post(post, _validated(organisation, offered, values, post))
    return dump_post(db.session.get(Post, post_id))


def _set_campaign(post: Post, campaign_id: int | None) -> None:
    """Label a post that is no longer a draft; 400 for a campaign it may not carry."""
    if campaign_id is not None and campaign_id != post.campaign_id \
            and usable_campaign(post.organisation, campaign_id) is None:
        raise ApiError(400, "validation_failed", _("Some fields are not valid."),
                       {"json": {"campaign_id": [str(NOT_USABLE)]}})
    if services.set_campaign(post, campaign_id):
        db.session.commit()


@bp.route("/campaigns")
@bp.arguments(schemas.CampaignFilter, location="query")
@bp.response(200, schemas.paged(schemas.Campaign, "CampaignPage"))
def campaigns(args: dict[str, Any]) -> dict[str, Any]:
    """Campaigns you may filter by (your organisations' and their ancestors'), active first, by name.

    With `org_id` only those that posts of that organisation's subtree can carry; with `usable=true`
    as well, only those a post of that very organisation may be given (`campaign_id` on create/update).
    """
    organisation = None
    if args.get("org_id") is not None:
        organisation = get_scoped_or_404(Organisation, args["org_id"], current_user)
    query = visible_campaigns_query(current_user, organisation)
    if args["usable"] and organisation is not None:
        query = query.where(usable_by(organisation))
    return paginate(query, args, dump_campaign)


def dump_campaign(campaign: Campaign) -> dict[str, Any]:
    return {"id": campaign.id, "organisation_id": campaign.organisation_id, "name": campaign.name,
            "description": campaign.description, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
            "archived": campaign.archived}


# -- review and scheduling: the lifecycle's transitions ---------------------------------------------

def _run(action: Callable[..., Any], *args: Any) -> None:
    """Carry out a lifecycle action and commit, or roll back and answer with its problem."""
    try:
        action(*args)
    except lifecycle.InvalidTransition:
        db.session.rollback()
        raise ApiError(409, "invalid_state", _("This action is not possible in the post's current state.")) from None
    except lifecycle.SubmissionBlocked as exc:
        db.session.rollback()
        raise ApiError(422, "submission_blocked", _("This post cannot be submitted yet:"),
                       {"problems": [str(p) for p in exc.problems]}) from None
    except lifecycle.ReviewError as exc:
        db.session.rollback()
        code = str(exc)
        raise ApiError(REVIEW_STATUS.get(code, 400), code,
                       REVIEW_ERRORS.get(code, _("The request could not be understood."))) from None
    db.session.commit()


@bp.route("/posts/<int(max=2147483647):post_id>/submit", methods=["POST"])
@bp.arguments(schemas.Empty, required=False)
@bp.response(200, schemas.Post)
def submit(args: dict[str, Any], post_id: int) -> dict[str, Any]:
    """Send a draft (or a rejected post) to review: its author or an admin."""
    post = _post_for(post_id)
    if post.author_id != current_user.id and not has_role(current_user, post.organisation, Role.ADMIN):
        raise ApiError(403, "forbidden")
    _run(lifecycle.submit, post, current_user)
    return dump_post(post)


@bp.route("/posts/<int(max=2147483647):post_id>/approve", methods=["POST"])
@scope("approve")
@bp.arguments(schemas.Comment, required=False)
@bp.response(200, schemas.Post)
def approve(args: dict[str, Any], post_id: int) -> dict[str, Any]:
    """Approve the current version (reviewers and admins, never the author; needs the "approve" scope)."""
    post = _post_for(post_id, *REVIEWERS)
    _run(lifecycle.approve, post, current_user, args["comment"])
    return dump_post(post)


@bp.route("/posts/<int(max=2147483647):post_id>/reject", methods=["POST"])
@scope("approve")
@bp.arguments(schemas.Comment, required=False)
@bp.response(200, schemas.Post)
def reject(args: dict[str, Any], post_id: int) -> dict[str, Any]:
    """Send the post back to its author with a comment (required; needs the "approve" scope)."""
    post = _post_for(post_id, *REVIEWERS)
    _run(lifecycle.reject, post, current_user, args["comment"])
    return dump_post(post)


@bp.route("/posts/<int(max=2147483647):post_id>/schedule", methods=["POST"])
@bp.arguments(schemas.ScheduleBody)
@bp.response(200, schemas.Post)
def schedule(args: dict[str, Any], post_id: int) -> dict[str, Any]:
    """Set the publish time; an approved post becomes scheduled (reviewers and admins)."""
    post = _post_for(post_id, *REVIEWERS)
    when: datetime = args["scheduled_at"]
    try:
        lifecycle.set_publish_time(post, when, args["not_after"], current_user)
    except ValueError:
        db.session.rollback()
        raise ApiError(400, "validation_failed", _("Please enter a valid date and time."),
                       {"json": {"not_after": [_("Please enter a valid date and time.")]}}) from None
    if post.state == PostState.APPROVED:
        _run(lifecycle.schedule, post, current_user)
    else:
        db.session.commit()
    return dump_post(post)


@bp.route("/posts/<int(max=2147483647):post_id>/cancel", methods=["POST"])
@bp.arguments(schemas.Empty, required=False)
@bp.response(200, schemas.Post)
def cancel(args: dict[str, Any], post_id: int) -> dict[str, Any]:
    """Take a scheduled post off the schedule (it stays approved; reviewers and admins)."""
    post = _post_for(post_id, *REVIEWERS)
    if post.state != PostState.SCHEDULED:
        raise ApiError(409, "invalid_state", _("This action is not possible in the post's current state."))
    _run(lifecycle.set_publish_time, post, None, None, current_user)
    return dump_post(post)


@bp.route("/targets/<int(max=2147483647):target_id>/retry", methods=["POST"])
@bp.arguments(schemas.Empty, required=False)
@bp.response(200, schemas.Target)
def retry(args: dict[str, Any], target_id: int) -> dict[str, Any]:
    """Send a failed, needs-reconnect, expired or unconfirmed target out again (reviewers and admins)."""
    target = _target_for(target_id, *REVIEWERS)
    _run(lifecycle.retry_target, target, current_user)
    return dump_target(target)
