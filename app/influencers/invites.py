"""Collaborator invites the platform reports on (Instagram): ask until each is accepted or declined.

After a post with collaborator invites is published, its status rows start `pending`
(`services.record_target_published`). The periodic job `collaborator_invites` reads the
published media's collaborators (`GET /<ig-media-id>/collaborators` → `invite_status`) and
records each change through `services.set_collaboration_status` (audited). A row stops
being asked about when it is final (accepted / declined) or when the target was published
more than `INVITE_WINDOW` ago; it then stays `pending` (the invitee never answered).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select

import adapters
from adapters.base import AccountRef, AdapterError
from app.crypto import decrypt_json
from app.extensions import db
from app.influencers.services import set_collaboration_status
from app.models import (
    AccountStatus,
    CollaborationStatus,
    PostCollaborationStatus,
    PostTarget,
    SocialAccount,
    TargetState,
    utcnow,
)

logger = logging.getLogger(__name__)

#: How long after publishing Warta keeps asking about an unanswered invite.
INVITE_WINDOW = timedelta(days=14)
#: The platform's words (lower-cased) mapped onto Warta's statuses; anything else leaves the row alone.
REPORTED = {"accepted": CollaborationStatus.ACCEPTED, "declined": CollaborationStatus.DECLINED,
            "pending": CollaborationStatus.PENDING}


def open_invites(now: datetime) -> dict[int, list[PostCollaborationStatus]]:
    """Pending rows of published targets inside the window on platforms that report invites, by target id."""
    tracked = [slug for slug, cls in adapters.adapter_classes().items() if cls.supports_collaborator_status]
    rows = db.session.scalars(
        select(PostCollaborationStatus)
        .join(PostTarget, PostTarget.id == PostCollaborationStatus.target_id)
        .join(SocialAccount, SocialAccount.id == PostTarget.account_id)
        .where(PostCollaborationStatus.status == CollaborationStatus.PENDING,
               PostTarget.state == TargetState.PUBLISHED, PostTarget.remote_id.is_not(None),
               PostTarget.published_at >= now - INVITE_WINDOW,
               SocialAccount.platform.in_(tracked), SocialAccount.status == AccountStatus.ACTIVE)
        .order_by(PostCollaborationStatus.target_id, PostCollaborationStatus.id)).all()
    grouped: dict[int, list[PostCollaborationStatus]] = defaultdict(list)
    for row in rows:
        grouped[row.target_id].append(row)
    return grouped


def _reported(target: PostTarget) -> dict[str, str]:
    account = target.account
    credentials = decrypt_json(account.credentials_encrypted) if account.credentials_encrypted else {}
    ref = AccountRef(account_id=account.id, external_id=account.external_id, handle=account.handle,
                     credentials=credentials)
    return adapters.get_adapter(account.platform).collaborator_statuses(ref, target.remote_id or "")


def poll_collaborator_invites(now: datetime | None = None) -> dict[str, int]:
    """Ask the platform about every open invite; one commit per target. Counts for the job's result."""
    now = now or utcnow()
    counts = {"targets": 0, "changed": 0, "failed": 0}
    for target_id, rows in open_invites(now).items():
        target = db.session.get(PostTarget, target_id)
        counts["targets"] += 1
        try:
            reported = _reported(target)
        except AdapterError as exc:
            logger.info("collaborator invites not read", extra={"target_id": target_id, "error": type(exc).__name__})
            counts["failed"] += 1
            continue
        platform = target.account.platform
        for row in rows:
            handle = row.collaboration.influencer.handle_for(platform)
            if handle is None:
                continue
            status = REPORTED.get(reported.get(handle.handle.lower(), ""))
            if status is not None and status != row.status:
                set_collaboration_status(row.collaboration, target, status)
                counts["changed"] += 1
        db.session.commit()
    return counts
