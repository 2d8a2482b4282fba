"""marshmallow schemas: they validate requests and, through apispec, are the OpenAPI document."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from app.models import HoldScope, PostState, TargetState

MAX_LIMIT = 100
#: Ids are 32-bit integers in the database; larger numbers are refused as invalid, not looked up.
MAX_ID = 2**31 - 1
ID = validate.Range(min=1, max=MAX_ID)


class StrictSchema(ma.Schema):
    """Refuse unknown fields instead of silently ignoring them."""

    class Meta:
        unknown = ma.RAISE


class ErrorBody(ma.Schema):
    code = fields.String(required=True, metadata={"description": "Machine-readable code, e.g. `not_found`"})
    message = fields.String(required=True, metadata={"description": "Human message in the request's language"})
    details = fields.Raw(allow_none=True, metadata={"description": "Field errors or other details, or null"})


class Error(ma.Schema):
    """Every 4xx/5xx answer under /api."""

    error = fields.Nested(ErrorBody, required=True)


class PageArgs(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))


class PageMeta(ma.Schema):
    page = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    total = fields.Integer(required=True)
    next_page = fields.Integer(required=True, allow_none=True)


def paged(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A list answer: `items` plus the page numbers."""
    return ma.Schema.from_dict({"items": fields.List(fields.Nested(item), required=True),
                                "page": fields.Nested(PageMeta, required=True)}, name=name)


# -- organisations and accounts -----------------------------------------------------------------

class Organisation(ma.Schema):
    id = fields.Integer(required=True)
    parent_id = fields.Integer(required=True, allow_none=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    timezone = fields.String(required=True)
    roles = fields.List(fields.String(), required=True,
                        metadata={"description": "Your roles here, held directly or from above"})


class OrgFilter(PageArgs):
    org_id = fields.Integer(validate=ID, metadata={"description": "Only this organisation's subtree"})


class Account(ma.Schema):
    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    platform = fields.String(required=True)
    handle = fields.String(required=True)
    display_name = fields.String(required=True)
    status = fields.String(required=True)
    token_expires_at = fields.DateTime(required=True, allow_none=True)
    token_expiry = fields.String(required=True, allow_none=True, metadata={"description": "`expired`, `soon` or null"})


class ChecklistItem(ma.Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    severity = fields.String(required=True)
    critical = fields.Boolean(required=True)
    status = fields.String(required=True, metadata={"description": "passing, failing, due, overdue, not_applicable"})
    detail = fields.String(required=True)
    due_at = fields.DateTime(required=True, allow_none=True)
    expires_at = fields.DateTime(required=True, allow_none=True)


class Checklist(ma.Schema):
    account_id = fields.Integer(required=True)
    score = fields.Integer(required=True, metadata={"description": "Severity-weighted share of passing items, 0–100"})
    critical_problems = fields.Integer(required=True)
    items = fields.List(fields.Nested(ChecklistItem), required=True)


# -- posts and targets --------------------------------------------------------------------------

class Target(ma.Schema):
    id = fields.Integer(required=True)
    post_id = fields.Integer(required=True)
    account_id = fields.Integer(required=True)
    platform = fields.String(required=True)
    handle = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": [s.value for s in TargetState]})
    attempts = fields.Integer(required=True)
    last_error = fields.String(required=True, allow_none=True)
    remote_url = fields.String(required=True, allow_none=True)
    due_at = fields.DateTime(required=True, allow_none=True)
    published_at = fields.DateTime(required=True, allow_none=True)


class Campaign(ma.Schema):
    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    starts_on = fields.Date(required=True, allow_none=True)
    ends_on = fields.Date(required=True, allow_none=True)
    archived = fields.Boolean(required=True, metadata={"description": "Archived campaigns are kept on their posts "
                                                                      "but cannot be set on posts any more"})


class CampaignRef(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    organisation_id = fields.Integer(required=True)


class CampaignFilter(OrgFilter):
    usable = fields.Boolean(load_default=False, metadata={
        "description": "With `org_id`: only the campaigns a post of that organisation may carry (its own and its "
                       "ancestors', not archived)"})


class Post(ma.Schema):
    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    author_id = fields.Integer(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    variants = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                           metadata={"description": "Text per platform where it differs from `body`"})
    state = fields.String(required=True, metadata={"enum": [s.value for s in PostState]})
    scheduled_at = fields.DateTime(required=True, allow_none=True)
    not_after = fields.DateTime(required=True, allow_none=True)
    content_version = fields.Integer(required=True)
    campaign_id = fields.Integer(required=True, allow_none=True)
    campaign = fields.Nested(CampaignRef, required=True, allow_none=True,
                             metadata={"description": "The campaign the post is labelled with, or null"})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    targets = fields.List(fields.Nested(Target), required=True)


class PostFilter(OrgFilter):
    state = fields.String(validate=validate.OneOf([s.value for s in PostState]))
    campaign_id = fields.Integer(validate=ID, metadata={"description": "Only posts labelled with this campaign"})


def _aware(value):
    if value.tzinfo is None:
        raise ma.ValidationError("Give a time zone offset, e.g. 2026-12-24T08:00:00+07:00.")


class PostUpdate(StrictSchema):
    title = fields.String(validate=validate.Length(max=200))
    body = fields.String(validate=validate.Length(min=1, max=20000))
    account_ids = fields.List(fields.Integer(validate=ID), validate=validate.Length(max=50))
    variants = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=32)),
                           values=fields.String(validate=validate.Length(max=20000)),
                           validate=validate.Length(max=10))
    scheduled_at = fields.AwareDateTime(allow_none=True, validate=_aware)
    not_after = fields.AwareDateTime(allow_none=True, validate=_aware)
    campaign_id = fields.Integer(allow_none=True, validate=ID, metadata={
        "description": "A campaign of the post's organisation or an ancestor, not archived; null for none. A label: "
                       "changing it keeps the content version, and it is the one field a non-draft accepts"})


class PostCreate(PostUpdate):
    organisation_id = fields.Integer(required=True, validate=ID)
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))


class Comment(StrictSchema):
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class ScheduleBody(StrictSchema):
    scheduled_at = fields.AwareDateTime(required=True, validate=_aware)
    not_after = fields.AwareDateTime(allow_none=True, load_default=None, validate=_aware)


class Empty(StrictSchema):
    """No fields."""


# -- holds, activity, audit ---------------------------------------------------------------------

class Hold(ma.Schema):
    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    scope = fields.String(required=True, metadata={"enum": [s.value for s in HoldScope]})
    account_id = fields.Integer(required=True, allow_none=True)
    platform = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True)
    created_by_id = fields.Integer(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    released_at = fields.DateTime(required=True, allow_none=True)
    release_mode = fields.String(required=True, allow_none=True)


class HoldCreate(StrictSchema):
    organisation_id = fields.Integer(required=True, validate=ID)
    scope = fields.String(required=True, validate=validate.OneOf([s.value for s in HoldScope]))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    account_id = fields.Integer(validate=ID, allow_none=True, load_default=None)
    platform = fields.String(validate=validate.Length(min=1, max=32), allow_none=True, load_default=None)


class HoldRelease(StrictSchema):
    mode = fields.String(load_default="resume_all", validate=validate.OneOf(["resume_all", "review"]))


class Activity(ma.Schema):
    organisation_id = fields.Integer(required=True)
    name = fields.String(required=True)
    published_7d = fields.Integer(required=True)
    published_30d = fields.Integer(required=True)
    published_90d = fields.Integer(required=True)


class AuditFilter(PageArgs):
    org_id = fields.Integer(validate=ID)
    actor_id = fields.Integer(validate=ID)
    action = fields.String(validate=validate.Length(min=1, max=64),
                           metadata={"description": "Exact action, or a prefix ending in `.` (e.g. `post.`)"})
    since = fields.AwareDateTime(validate=_aware)
    until = fields.AwareDateTime(validate=_aware)


class AuditEvent(ma.Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor_id = fields.Integer(required=True, allow_none=True)
    organisation_id = fields.Integer(required=True, allow_none=True)
    action = fields.String(required=True)
    object_type = fields.String(required=True, allow_none=True)
    object_id = fields.String(required=True, allow_none=True)
    before = fields.Dict(required=True, allow_none=True)
    after = fields.Dict(required=True, allow_none=True)
    ip = fields.String(required=True, allow_none=True)
