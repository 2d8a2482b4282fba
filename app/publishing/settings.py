"""Per-organisation publishing settings, read from `Organisation.settings` (nearest ancestor wins)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import inspect, select

from app.extensions import db
from app.models import Organisation

DEFAULTS: dict[str, Any] = {
    "approvals_required": 1,  # 1-3 distinct reviewers per content version
    "trusted_admins_skip_review": False,  # off by default
    "trusted_admin_ids": [],  # user ids allowed to skip review when the switch above is on
    "max_lateness_minutes": 120,  # a target later than this after its time expires instead
    "reschedule_needs_review": False,  # an approved / scheduled post moved to another time goes back to review
    "native_scheduling": False,  # "Use Facebook's own scheduling": hand posts to the platform early (native.py)
}


@dataclass(frozen=True)
class PublishingSettings:
    approvals_required: int
    trusted_admins_skip_review: bool
    trusted_admin_ids: frozenset[int]
    max_lateness: timedelta
    reschedule_needs_review: bool = False
    native_scheduling: bool = False


def _validated(raw: dict[str, Any]) -> PublishingSettings:
    required = int(raw["approvals_required"])
    if not 1 <= required <= 3:
        raise ValueError("approvals_required: must be between 1 and 3")
    lateness = int(raw["max_lateness_minutes"])
    if lateness < 0:
        raise ValueError("max_lateness_minutes: must not be negative")
    return PublishingSettings(
        approvals_required=required,
        trusted_admins_skip_review=bool(raw["trusted_admins_skip_review"]),
        trusted_admin_ids=frozenset(int(i) for i in raw["trusted_admin_ids"]),
        max_lateness=timedelta(minutes=lateness),
        reschedule_needs_review=bool(raw["reschedule_needs_review"]),
        native_scheduling=bool(raw["native_scheduling"]),
    )


def ancestor_organisations(organisation: Organisation) -> dict[int, Organisation]:
    """The organisation and its ancestors by id; rows already loaded in this session cost no query.

    A worker's session lives for one job, so this is the per-job cache of the organisation
    chain that settings, content rules and the pipeline's re-checks all read.
    """
    ids = organisation.ancestor_ids or [organisation.id]
    found: dict[int, Organisation] = {}
    missing = []
    for org_id in ids:
        loaded = db.session.identity_map.get(db.session.identity_key(Organisation, org_id))
        if loaded is not None and "settings" not in inspect(loaded).unloaded:
            found[org_id] = loaded
        else:
            missing.append(org_id)
    if missing:
        found.update({o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(missing)))})
    return found


def publishing_settings(organisation: Organisation) -> PublishingSettings:
    """Settings for `organisation`: its own keys, else its nearest ancestor's, else DEFAULTS."""
    merged = dict(DEFAULTS)
    ancestors = ancestor_organisations(organisation)
    for org_id in organisation.ancestor_ids or [organisation.id]:  # root first, own last
        org = ancestors.get(org_id)
        if org is not None:
            merged.update({k: v for k, v in (org.settings or {}).items() if k in DEFAULTS})
    return _validated(merged)
