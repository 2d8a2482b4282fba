"""Native scheduling ("Use Facebook's own scheduling", issue #4): the platform holds the post.

When the organisation's `native_scheduling` setting is on and the target's platform supports it,
the dispatcher hands a scheduled target to the platform early (`handover_at`: as soon as its time
is inside the platform's window and at least its minimum lead away). The publish job sends it with
`scheduled_publish_time` = the post's time and the target becomes `platform_scheduled`
(`remote_id` = the platform's scheduled post, `native_scheduled_for` = its time). Never early: the
platform publishes it at its time.

From then on one job (`native_target`, enqueued by the dispatcher whenever the target's `due_at`
is reached) keeps the platform in step with Warta, deciding afresh each time (`wanted`):
- a crisis hold covers it, or the post went back to review / lost its time → cancel it on the
  platform (delete the scheduled post); the target becomes `held` or `scheduled` again;
- the post's time changed → update the scheduled time on the platform (or cancel when the new time
  is outside the window: it is then published by Warta at its time or handed over again);
- otherwise, once its time has passed, ask the platform whether it is live → `published`.
A failed cancel is never silent: the target keeps `platform_scheduled` (the truth: the platform still
holds it), `last_error` says so, the admins, security officers and the author are notified, and the
cancel is tried again every RECHECK_EVERY.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

import adapters
from adapters.base import AdapterError, Permanent, PlatformAdapter, PublishJob
from app import audit
from app.events import emit
from app.extensions import db
from app.i18n import format_local
from app.models import PostState, PostTarget, TargetState, utcnow
from app.publishing import lifecycle, quotas
from app.publishing.holds import hold_for_target
from app.publishing.notify import wake_dispatcher_after_commit
from app.publishing.settings import publishing_settings

logger = logging.getLogger("warta.publishing")
T = TargetState

#: The dispatcher hands a target over only while it is at least the platform's minimum lead plus
#: this far from its time (the job may wait in the queue a little).
HANDOVER_MARGIN = timedelta(minutes=5)
#: The publish job's own check, just before the platform call.
CLAIM_MARGIN = timedelta(minutes=1)
#: No cancel or update this close to the time: the platform may be publishing it already.
CANCEL_SAFETY = timedelta(minutes=2)
#: The first "is it live?" question comes this long after the time.
CONFIRM_GRACE = timedelta(minutes=1)
#: Between two rounds (a failed cancel, a post not live yet, a platform that could not be asked).
RECHECK_EVERY = timedelta(seconds=30)

CANCEL, UPDATE = "cancel", "update"


def native_class(target: PostTarget) -> type[PlatformAdapter] | None:
    """The target's adapter class when native scheduling applies to it (platform and organisation)."""
    cls = adapters.adapter_classes().get(target.account.platform)
    if cls is None or not cls.supports_native_scheduling:
        return None
    if not publishing_settings(target.post.organisation).native_scheduling:
        return None
    return cls


def _in_window(cls: type[PlatformAdapter], when: datetime, now: datetime, margin: timedelta) -> bool:
    return cls.native_schedule_min + margin <= when - now <= cls.native_schedule_max


def handover_time(target: PostTarget, now: datetime | None = None) -> datetime | None:
    """When the dispatcher may hand this scheduled target to the platform; None: publish at its time."""
    now = now or utcnow()
    cls = native_class(target)
    if cls is None or target.due_at is None or target.due_at - now < cls.native_schedule_min + HANDOVER_MARGIN:
        return None
    return max(now, target.due_at - cls.native_schedule_max)


def deferred_handover(platform: str, due: datetime, when: datetime) -> datetime | None:
    """A native handover put off to `when` (rate limit, quota, transient error): `when`, or None when the
    platform could no longer hold it for `due` then — it is published at its time as usual."""
    cls = adapters.adapter_classes().get(platform)
    if cls is None or due - when < cls.native_schedule_min + HANDOVER_MARGIN:
        return None
    return when


def native_now(target: PostTarget, now: datetime) -> bool:
    """The publish job's check: may this claimed target go to the platform natively scheduled now?"""
    cls = native_class(target)
    return cls is not None and target.due_at is not None and _in_window(cls, target.due_at, now, CLAIM_MARGIN)


def set_waiting_time(target: PostTarget, when: datetime | None) -> None:
    """A waiting (`scheduled`) target's time: `due_at` and the matching `handover_at`."""
    target.due_at = when
    target.native_scheduled_for = None
    target.handover_at = handover_time(target) if when is not None else None


def recheck(target: PostTarget) -> None:
    """Something changed (hold, edit, new time): the target's platform check is due now."""
    if target.state == T.PLATFORM_SCHEDULED:
        target.due_at = utcnow()
        wake_dispatcher_after_commit()


def wanted(target: PostTarget) -> str | None:
    """What the platform must be told now: CANCEL, UPDATE (a new time) or nothing."""
    post = target.post
    if hold_for_target(target) is not None:
        return CANCEL
    if post.state != PostState.SCHEDULED or post.scheduled_at is None or not lifecycle.is_approved_version(post):
        return CANCEL
    if post.scheduled_at != target.native_scheduled_for:
        return UPDATE
    return None


def message(kind: str, **values: object) -> str:
    """What people read about a natively scheduled target (in the app's default language)."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "id")):
        texts = {
            "cancel_failed": _("Facebook still holds this post and will publish it at %(time)s: cancelling it "
                               "there failed, Warta keeps trying. Delete it on Facebook by hand if this must "
                               "not go out. Platform message: %(message)s", **values),
            "update_failed": _("Facebook still holds this post for its old time %(time)s: changing the time "
                               "there failed, Warta keeps trying. Platform message: %(message)s", **values),
            "too_late_to_cancel": _("Facebook still holds this post and will publish it at %(time)s: it is too "
                                    "close to its time to cancel it safely. Delete it on Facebook by hand if "
                                    "this must not go out.", **values),
            "gone": _("The post Facebook held for %(time)s is not there any more (deleted on Facebook?), so it "
                      "was not published. Platform message: %(message)s", **values),
            "not_live": _("Facebook held this post for %(time)s but we could not confirm that it went out. "
                          "Please check the account. Platform message: %(message)s", **values),
        }
    return texts[kind]


def _loud(target: PostTarget, text: str, reason: str) -> None:
    """A cancel that did not happen: shown on the target; audited and people told once per message."""
    if target.last_error == text:
        return
    target.last_error = text
    audit.record("target.native_cancel_failed", target, organisation_id=target.post.organisation_id,
                 after={"state": target.state, "reason": reason, "remote_id": target.remote_id,
                        "held": hold_for_target(target) is not None})
    emit("target.native_cancel_failed", organisation_id=target.post.organisation_id, target_id=target.id,
         post_id=target.post_id, author_id=target.post.author_id, remote_id=target.remote_id, error=text)
    logger.error("natively scheduled post not cancelled: %s", reason, extra={"target_id": target.id})


def _locked(target_id: int, seq: int) -> PostTarget | None:
    from app.publishing.publish import _for_update

    target = db.session.get(PostTarget, target_id, with_for_update=_for_update(), populate_existing=True)
    if target is None or target.state != T.PLATFORM_SCHEDULED or target.dispatch_seq != seq:
        db.session.rollback()
        return None
    return target


def native_target(target_id: int, seq: int) -> str:
    """The job: keep a natively scheduled target in step with the platform (see the module docstring)."""
    from app.publishing.publish import build_job

    target = db.session.get(PostTarget, target_id)
    if target is None or target.state != T.PLATFORM_SCHEDULED or target.dispatch_seq != seq:
        return "stale"
    now = utcnow()
    action = wanted(target)
    when, remote_id, platform = target.native_scheduled_for, target.remote_id, target.account.platform
    new_time = target.post.scheduled_at
    cls = native_class(target)
    job = replace(build_job(target), scheduled_at=new_time)
    adapter = adapters.get_adapter(platform)
    if action == UPDATE and (cls is None or new_time is None or not _in_window(cls, new_time, now, CLAIM_MARGIN)):
        action = CANCEL  # the new time is too close or too far for the platform: Warta takes it back
    if action is not None and when is not None and when - now < CANCEL_SAFETY:
        if now < when:  # the platform may be publishing it: never touch it now, tell people
            _loud(target, message("too_late_to_cancel", time=_local(target, when)), "too_late")
            target.due_at = when + CONFIRM_GRACE
            db.session.commit()
            return "too_late_to_cancel"
        action = None  # its time has passed: confirm what the platform did
    db.session.rollback()  # no lock held during the platform call; the seq check below decides
    if action is None:
        return _confirm(target_id, seq, job, adapter, remote_id, now)
    try:
        if action == CANCEL:
            adapter.cancel_native_schedule(job.account, remote_id)
        else:
            adapter.update_native_schedule(job, remote_id)
    except AdapterError as exc:
        gone = action == CANCEL and _gone(adapter, job, remote_id)  # e.g. someone deleted it on Facebook
        target = _locked(target_id, seq)
        if target is None:
            return "stale"
        if gone:
            _cancelled(target)
            db.session.commit()
            return "cancelled"
        kind = "cancel_failed" if action == CANCEL else "update_failed"
        _loud(target, message(kind, time=_local(target, when), message=exc.platform_message), f"{action}_failed")
        target.due_at = utcnow() + RECHECK_EVERY
        db.session.commit()
        return f"{action}_failed"
    target = _locked(target_id, seq)
    if target is None:  # moved meanwhile (cannot happen without a new seq); the platform call stands
        logger.warning("native %s done but the target moved on", action, extra={"target_id": target_id})
        return "stale"
    if action == UPDATE:
        audit.record("target.native_rescheduled", target, organisation_id=target.post.organisation_id,
                     before={"native_scheduled_for": when.isoformat() if when else None},
                     after={"native_scheduled_for": new_time.isoformat()})
        target.native_scheduled_for = new_time
        target.due_at = new_time + CONFIRM_GRACE
        target.deadline_at = lifecycle.deadline_for(target.post)
        target.last_error = None
        db.session.commit()
        return "updated"
    _cancelled(target)
    db.session.commit()
    return "cancelled"


def _gone(adapter: PlatformAdapter, job: PublishJob, remote_id: str | None) -> bool:
    """Whether the platform says the scheduled post does not exist any more."""
    try:
        adapter.native_schedule_status(job.account, remote_id or "")
    except Permanent as exc:
        return exc.code == "native_gone"
    except AdapterError:
        return False
    return False


def _cancelled(target: PostTarget) -> None:
    """The platform no longer holds it: back to `held` (a hold covers it) or `scheduled` (waits as usual)."""
    post = target.post
    hold = hold_for_target(target)
    back = T.HELD if hold is not None else T.SCHEDULED
    lifecycle.move_target(target, back, reason=f"native_cancelled:hold:{hold.id}" if hold else "native_cancelled")
    target.remote_id = target.remote_url = target.native_scheduled_for = None
    target.last_error = None
    target.deadline_at = lifecycle.deadline_for(post)
    quotas.release(target.id)  # nothing went out
    if back == T.SCHEDULED:
        set_waiting_time(target, post.scheduled_at)
        wake_dispatcher_after_commit()
    else:
        target.due_at, target.handover_at = post.scheduled_at, None


def _confirm(target_id: int, seq: int, job: PublishJob, adapter: PlatformAdapter, remote_id: str | None,
             now: datetime) -> str:
    """After its time: ask the platform whether the post is live."""
    when = db.session.get(PostTarget, target_id).native_scheduled_for
    if when is not None and now < when + CONFIRM_GRACE:
        target = _locked(target_id, seq)
        if target is None:
            return "stale"
        target.due_at = when + CONFIRM_GRACE
        target.last_error = None  # nothing to cancel any more (e.g. the hold ended before a cancel worked)
        db.session.commit()
        return "waiting"
    problem: AdapterError | None = None
    found = None
    try:
        found = adapter.native_schedule_status(job.account, remote_id or "")
    except Permanent as exc:
        problem = exc
        if exc.code == "native_gone":
            target = _locked(target_id, seq)
            if target is None:
                return "stale"
            return _failed(target, message("gone", time=_local(target, when), message=exc.platform_message),
                           "native_gone")
    except AdapterError as exc:
        problem = exc
    target = _locked(target_id, seq)
    if target is None:
        return "stale"
    if found is not None:
        lifecycle.move_target(target, T.PUBLISHED, reason="native_published")
        target.published_at = when or utcnow()
        target.remote_url = found.permalink or target.remote_url
        target.last_error = None
        from app.influencers.services import record_target_published

        record_target_published(target)
        emit("target.published", organisation_id=target.post.organisation_id, target_id=target.id,
             post_id=target.post_id, author_id=target.post.author_id, remote_url=target.remote_url)
        db.session.commit()
        logger.info("natively scheduled post is live", extra={"target_id": target_id})
        return "published"
    target.reconcile_attempts = (target.reconcile_attempts or 0) + 1
    if target.reconcile_attempts >= int(current_app.config.get("WARTA_RECONCILE_MAX_ATTEMPTS", 20)):
        detail = problem.platform_message if problem else "still not published"
        return _failed(target, message("not_live", time=_local(target, when), message=detail), "native_not_live")
    target.due_at = utcnow() + RECHECK_EVERY
    db.session.commit()
    return "not_live_yet"


def _failed(target: PostTarget, text: str, reason: str) -> str:
    lifecycle.move_target(target, T.FAILED, reason=reason, error=text)
    emit("target.failed", organisation_id=target.post.organisation_id, target_id=target.id,
         post_id=target.post_id, author_id=target.post.author_id, error=text)
    db.session.commit()
    return "failed"


def _local(target: PostTarget, value: datetime | None) -> str:
    """A time as the organisation reads it ("02-12-2026 15:00 WITA")."""
    return format_local(value, target.post.organisation.timezone)
