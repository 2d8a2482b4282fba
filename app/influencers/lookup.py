"""Resolve an influencer's handle to the platform user id through the platform's own API.

The lookup uses a connected, active account of the platform in the influencer's
organisation tree: the organisation itself first, then its ancestors (nearest first),
then its descendants. The token stays on the server; only the found id is stored.
X, YouTube and Instagram (business/creator accounts, through Business Discovery) can
look people up; TikTok has no such API and Facebook needs a feature Warta does not use,
so their ids stay typed by hand.

The lookup runs while the handle is saved, bounded by `WARTA_HANDLE_LOOKUP_TIMEOUT`
seconds, after the handle itself is committed (no transaction waits on the platform).
"""
from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from adapters import adapter_classes
from adapters.base import AccountRef, AdapterError, PlatformAdapter, ResolvedUser
from app import audit
from app.crypto import decrypt_json
from app.extensions import db
from app.influencers.handles import PLATFORM_NAMES
from app.models import AccountStatus, HandleLookup, InfluencerHandle, Organisation, SocialAccount, utcnow

logger = logging.getLogger(__name__)

#: Why a platform's user id has to be typed by hand, shown next to the handle form.
MANUAL_REASONS = {
    "tiktok": _l("TikTok has no API to look up other people's accounts: enter the user id by hand if you need it."),
    "facebook": _l("Facebook lets apps look up Pages by username only with the Page Public Metadata Access "
                   "feature, which Warta does not use: enter the Page id by hand if you need it."),
}


def platform_label(platform: str) -> str:
    classes = adapter_classes()
    return PLATFORM_NAMES.get(platform) or getattr(classes.get(platform), "display_name", "") or platform


def can_look_up(platform: str) -> bool:
    cls = adapter_classes().get(platform)
    return bool(cls and cls.supports_user_lookup)


def manual_reason(platform: str) -> str | None:
    """Why the platform's ids are typed by hand, or None when Warta looks them up."""
    if can_look_up(platform):
        return None
    reason = MANUAL_REASONS.get(platform)
    if reason is not None:
        return str(reason)
    return _("%(platform)s cannot look up other people's accounts: enter the user id by hand if you need it.",
             platform=platform_label(platform))


def lookup_account(organisation: Organisation, platform: str) -> SocialAccount | None:
    """An active account of `platform` in the organisation, its ancestors (nearest first) or its subtree."""
    ancestors = organisation.ancestor_ids
    subtree = select(Organisation.id).where(Organisation.path.like(f"{organisation.path}%"))
    accounts = db.session.scalars(
        select(SocialAccount).join(Organisation, Organisation.id == SocialAccount.organisation_id)
        .where(SocialAccount.platform == platform, SocialAccount.status == AccountStatus.ACTIVE,
               SocialAccount.credentials_encrypted.is_not(None),
               or_(SocialAccount.organisation_id.in_(ancestors), SocialAccount.organisation_id.in_(subtree)))
        .order_by(Organisation.path, SocialAccount.id)).all()
    rank = {org_id: len(ancestors) - index for index, org_id in enumerate(ancestors)}  # self 1, parent 2, ...
    return min(accounts, key=lambda a: rank.get(a.organisation_id, len(ancestors) + 1), default=None)


def _adapter(platform: str) -> PlatformAdapter:
    """A fresh adapter with the lookup's short timeout (the cached publishing one keeps its own)."""
    settings = dict(current_app.config.get("WARTA_PLATFORMS", {}).get(platform, {}))
    settings["timeout"] = float(current_app.config.get("WARTA_HANDLE_LOOKUP_TIMEOUT", 5))
    return adapter_classes()[platform](settings)


def _ask(platform: str, account: SocialAccount, handle: str) -> ResolvedUser | None:
    credentials = decrypt_json(account.credentials_encrypted) if account.credentials_encrypted else {}
    ref = AccountRef(account_id=account.id, external_id=account.external_id, handle=account.handle,
                     credentials=credentials)
    adapter = _adapter(platform)
    try:
        return adapter.resolve_user(ref, handle)
    finally:
        close = getattr(getattr(adapter, "client", None), "close", None)
        if callable(close):  # a Graph adapter's own httpx client (X uses the pooled one, YouTube httplib2)
            close()


def look_up(row: InfluencerHandle) -> tuple[str, str]:
    """Look the handle up, store and audit the outcome; (HandleLookup, translated message). Caller commits."""
    platform, name = row.platform, platform_label(row.platform)
    before = {"platform": platform, "handle": row.handle, "platform_user_id": row.platform_user_id,
              "lookup_status": row.lookup_status}
    found: ResolvedUser | None = None
    detail = ""
    if not can_look_up(platform):
        status, message = HandleLookup.UNSUPPORTED, manual_reason(platform) or ""
    elif (account := lookup_account(db.session.get(Organisation, row.organisation_id), platform)) is None:
        status = HandleLookup.NO_ACCOUNT
        message = _("No connected %(platform)s account in this organisation or above it can look the handle up: "
                    "connect one, or enter the user id by hand.", platform=name)
    else:
        try:
            found = _ask(platform, account, row.handle)
        except AdapterError as exc:
            logger.info("handle lookup failed", extra={"platform": platform, "error": type(exc).__name__})
            status, detail = HandleLookup.FAILED, str(exc.platform_message or exc)[:300]
            message = _("%(platform)s could not be asked just now (%(reason)s). The handle is saved; "
                        "try “Resolve again” later.", platform=name, reason=detail)
        else:
            if found is None:
                status = HandleLookup.NOT_FOUND
                message = not_found_message(platform, row.handle)
            else:
                status = HandleLookup.RESOLVED
                message = _("%(platform)s account @%(handle)s found: user id %(id)s.", platform=name,
                            handle=row.handle, id=found.user_id)
    _store(row, status, found, detail, utcnow())
    audit.record("influencer.handle_looked_up", row.influencer, before=before, after={
        "platform": platform, "handle": row.handle, "platform_user_id": row.platform_user_id,
        "lookup_status": status, "detail": detail})
    return status, message


def _store(row: InfluencerHandle, status: str, found: ResolvedUser | None, detail: str, now: datetime) -> None:
    row.lookup_status, row.lookup_at, row.lookup_detail = status, now, detail
    if found is not None:
        if found.user_id != row.platform_user_id:
            row.platform_user_id = found.user_id
        row.resolved_at = now
    elif status == HandleLookup.NOT_FOUND:
        row.platform_user_id, row.resolved_at = None, None  # the handle names nobody: marked unresolved


def not_found_message(platform: str, handle: str) -> str:
    if platform == "instagram":
        return _("No Instagram business or creator account is called @%(handle)s (Instagram lets apps find only "
                 "business and creator accounts). The handle is kept but not resolved; check the spelling, or enter "
                 "the user id by hand.", handle=handle)
    return _("No %(platform)s account is called @%(handle)s. The handle is kept but not resolved; check the "
             "spelling.", platform=platform_label(platform), handle=handle)


def status_text(row: InfluencerHandle) -> str:
    """A short description of the handle's last lookup for the detail page."""
    labels = {
        HandleLookup.RESOLVED: _("resolved"),
        HandleLookup.NOT_FOUND: _("not found on the platform"),
        HandleLookup.FAILED: _("lookup failed"),
        HandleLookup.NO_ACCOUNT: _("no connected account to look it up"),
        HandleLookup.UNSUPPORTED: _("typed by hand"),
    }
    if row.lookup_status is None:
        return _("entered by hand") if row.platform_user_id else _("not looked up")
    return labels.get(HandleLookup(row.lookup_status), row.lookup_status)
