"""The one owner of post and target states: every allowed transition is listed here.

Post:   draft → in_review → approved → scheduled, with rejected (back to draft).
Target: scheduled → queued → publishing → published | failed | needs_reconnect |
        unconfirmed | held | expired (and back to scheduled for deferrals); under native
        scheduling publishing → platform_scheduled → published | held | scheduled | failed.

Anything not in the tables raises `InvalidTransition`. docs/PIPELINE.md shows the
same tables for people; tests/app/publishing/test_lifecycle.py walks every row.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, tuple_, update

from app import audit
from app.events import emit
from app.extensions import db
from app.models import Approval, Decision, Post, PostState, PostTarget, Role, TargetState, User, utcnow
from app.publishing.notify import wake_dispatcher_after_commit
from app.publishing.settings import publishing_settings


class InvalidTransition(Exception):
    """A state change that the lifecycle tables do not allow."""


class ReviewError(Exception):
    """A review action that is not allowed (self-approval, second vote, missing comment...)."""


class SubmissionBlocked(ReviewError):
    """The post cannot go to review: `problems` are translated messages for the author."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("blocked")
        self.problems = problems


def submission_problems(post: Post) -> list[str]:
    """Everything that stops a post from being submitted: collaboration rules and blocking plugin rules."""
    from app.influencers.services import collaboration_problems
    from plugins import post_problems

    return [str(problem) for problem in collaboration_problems(post)] + post_problems(post) + platform_problems(post)


def platform_problems(post: Post) -> list[str]:
    """What each target's platform would reject (the adapters' own `validate`), named by account."""
    import adapters
    from app.publishing.publish import build_job

    problems = []
    for target in post.targets:
        account = target.account
        for problem in adapters.get_adapter(account.platform).validate(build_job(target).variant):
            problems.append(f"{account.platform} · {account.handle}: {problem.message}")
    return problems


def approvals_required(post: Post) -> int:
    """Approvals this post needs: the organisation's number, at least two on a sensitive topic."""
    from plugins.builtin.content_policy import requires_extra_approval

    required = publishing_settings(post.organisation).approvals_required
    return max(required, 2) if requires_extra_approval(post) else required


P, T = PostState, TargetState

#: (post state, action) → new post state.
POST_TRANSITIONS: dict[tuple[str, str], str] = {
    (P.DRAFT, "submit"): P.IN_REVIEW,
    (P.REJECTED, "submit"): P.IN_REVIEW,
    (P.REJECTED, "reopen"): P.DRAFT,
    (P.IN_REVIEW, "approve"): P.APPROVED,
    (P.IN_REVIEW, "reject"): P.REJECTED,
    (P.IN_REVIEW, "withdraw"): P.DRAFT,
    (P.DRAFT, "trusted_approve"): P.APPROVED,
    (P.REJECTED, "trusted_approve"): P.APPROVED,
    (P.APPROVED, "schedule"): P.SCHEDULED,
    (P.SCHEDULED, "unschedule"): P.APPROVED,
    (P.APPROVED, "edit"): P.IN_REVIEW,
    (P.SCHEDULED, "edit"): P.IN_REVIEW,
}

#: target state → states it may move to.
TARGET_TRANSITIONS: dict[str, frozenset[str]] = {
    T.SCHEDULED: frozenset({T.QUEUED, T.HELD, T.EXPIRED}),
    T.QUEUED: frozenset({T.PUBLISHING, T.QUEUED, T.SCHEDULED, T.HELD, T.EXPIRED}),
    T.PUBLISHING: frozenset({T.PUBLISHED, T.FAILED, T.NEEDS_RECONNECT, T.UNCONFIRMED, T.SCHEDULED,
                             T.HELD, T.EXPIRED, T.PLATFORM_SCHEDULED}),
    T.UNCONFIRMED: frozenset({T.PUBLISHED, T.QUEUED, T.SCHEDULED, T.FAILED, T.PLATFORM_SCHEDULED}),
    T.PLATFORM_SCHEDULED: frozenset({T.PUBLISHED, T.HELD, T.SCHEDULED, T.FAILED}),
    T.HELD: frozenset({T.SCHEDULED, T.EXPIRED}),
    T.FAILED: frozenset({T.SCHEDULED}),
    T.NEEDS_RECONNECT: frozenset({T.SCHEDULED}),
    T.EXPIRED: frozenset({T.SCHEDULED}),
    T.PUBLISHED: frozenset(),
}

#: Target states from which nothing happens without a person.
FINAL_TARGET_STATES = frozenset({T.PUBLISHED, T.FAILED, T.NEEDS_RECONNECT, T.EXPIRED})


def check_target_transition(current: str, new: str) -> None:
    if new not in TARGET_TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"target cannot go from {current!r} to {new!r}")


def _post_move(post: Post, action: str, actor: User | None, **details: Any) -> None:
    new = POST_TRANSITIONS.get((post.state, action))
    if new is None:
        raise InvalidTransition(f"post {post.id} cannot {action!r} while {post.state!r}")
    before = {"state": post.state}
    post.state = new
    audit.record(f"post.{action}", post, before=before, after={"state": new, **details},
                 actor_id=actor.id if actor else None)


def move_target(target: PostTarget, new: str, *, reason: str = "", actor_id: int | None = None,
                error: str | None = None) -> None:
    """Change one target's state (audited); raises InvalidTransition when not allowed."""
    check_target_transition(target.state, new)
    before = {"state": target.state}
    target.state = new
    if error is not None:
        target.last_error = error
    if new == T.PUBLISHED:
        target.published_at = target.published_at or utcnow()
    audit.record(f"target.{new}", target, organisation_id=target.post.organisation_id, before=before,
                 after={"state": new, "reason": reason}, actor_id=actor_id)


def move_target_if(target_id: int, seq: int, organisation_id: int, new: str, sources: tuple[str, ...], *,
                   reason: str, error: str | None = None, values: dict[str, Any] | None = None) -> str | None:
    """Move a target by one conditional UPDATE (no row loaded) and audit it; returns the state it left.

    The row moves only while its `dispatch_seq` is still `seq` and its state is one of `sources`
    from which `new` is allowed (tried in order, so the audit names the true previous state).
    None when no row matched: someone else moved the target meanwhile.
    """
    changes: dict[str, Any] = {"state": new, **(values or {})}
    if error is not None:
        changes["last_error"] = error
    table = PostTarget.__table__  # a Core UPDATE: nothing in the session needs to follow it
    if new == T.PUBLISHED:
        changes["published_at"] = func.coalesce(table.c.published_at, utcnow())
    for source in sources:
        if new not in TARGET_TRANSITIONS.get(source, frozenset()):
            continue
        moved = db.session.execute(
            update(table)
            .where(table.c.id == target_id, table.c.dispatch_seq == seq, table.c.state == source)
            .values(**changes)).rowcount
        if moved == 1:
            audit_move(target_id, organisation_id, source, new, reason)
            return source
    return None


def move_many_if(moves: dict[int, tuple[int, dict[str, Any]]], new: str, source: str) -> set[int]:
    """`move_target_if` for many targets leaving `source` in one UPDATE: `moves` maps each target id to
    its `dispatch_seq` and its own column values. Returns the ids moved; the caller audits each
    (`audit_move`) and tries the others on their own."""
    check_target_transition(source, new)
    if not moves:
        return set()
    table = PostTarget.__table__
    changes: dict[str, Any] = {"state": new}
    for column in sorted({name for _seq, values in moves.values() for name in values}):
        per_target = {target_id: values.get(column) for target_id, (_seq, values) in moves.items()}
        distinct = set(per_target.values())
        changes[column] = distinct.pop() if len(distinct) == 1 else case(per_target, value=table.c.id)
    if new == T.PUBLISHED:
        changes["published_at"] = func.coalesce(table.c.published_at, utcnow())
    owned = [(target_id, seq) for target_id, (seq, _values) in moves.items()]
    return set(db.session.scalars(
        update(table).where(table.c.state == source, tuple_(table.c.id, table.c.dispatch_seq).in_(owned))
        .values(**changes).returning(table.c.id)))


def audit_move(target_id: int, organisation_id: int, source: str, new: str, reason: str) -> None:
    """The audit row of a target moved by a conditional UPDATE."""
    event = audit.record(f"target.{new}", organisation_id=organisation_id, before={"state": source},
                         after={"state": new, "reason": reason})
    event.object_type, event.object_id = PostTarget.__name__, str(target_id)


# -- deadlines ------------------------------------------------------------------------------


def deadline_for(post: Post, when: datetime | None = None) -> datetime | None:
    """The latest allowed publish time: the post's `not_after`, else its time plus the org's lateness."""
    when = when or post.scheduled_at
    if when is None:
        return post.not_after
    limit = when + publishing_settings(post.organisation).max_lateness
    return min(limit, post.not_after) if post.not_after else limit


def set_publish_time(post: Post, scheduled_at: datetime | None, not_after: datetime | None = None,
                     actor: User | None = None) -> None:
    """Set (or clear) when a post goes out; waiting targets follow. Times must be timezone-aware."""
    for value in (scheduled_at, not_after):
        if value is not None and value.tzinfo is None:
            raise ValueError("publish times must be timezone-aware")
    if scheduled_at and not_after and not_after < scheduled_at:
        raise ValueError("not_after: must not be before the publish time")
    before = {"scheduled_at": _iso(post.scheduled_at), "not_after": _iso(post.not_after)}
    from app.publishing import native

    post.scheduled_at = scheduled_at
    post.not_after = not_after
    if post.state == P.SCHEDULED and scheduled_at is None:
        _post_move(post, "unschedule", actor)
    for target in post.targets:
        if target.state in (T.SCHEDULED, T.HELD):
            target.deadline_at = deadline_for(post)
            if target.state == T.SCHEDULED:
                native.set_waiting_time(target, scheduled_at)
            else:
                target.due_at = scheduled_at
        native.recheck(target)  # natively scheduled: update (or cancel) it on the platform
    audit.record("post.time_set", post, before=before,
                 after={"scheduled_at": _iso(scheduled_at), "not_after": _iso(not_after)},
                 actor_id=actor.id if actor else None)
    wake_dispatcher_after_commit()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# -- review -----------------------------------------------------------------------------------


def current_approvals(post: Post) -> int:
    return db.session.scalar(
        select(func.count(func.distinct(Approval.reviewer_id))).where(
            Approval.post_id == post.id, Approval.content_version == post.content_version,
            Approval.decision.in_([Decision.APPROVED, Decision.TRUSTED_SKIP]))) or 0


def is_approved_version(post: Post) -> bool:
    """Whether the post's current content version carries enough approvals (or a trusted skip)."""
    return post.id in approved_post_ids([post])


def approved_post_ids(posts: Iterable[Post]) -> set[int]:
    """The ids of those `posts` whose current content version is approved (one query for all)."""
    versions = {post.id: post for post in posts}
    if not versions:
        return set()
    rows = db.session.execute(select(Approval.post_id, Approval.reviewer_id, Approval.decision).where(
        tuple_(Approval.post_id, Approval.content_version).in_([(p.id, p.content_version) for p in versions.values()]),
        Approval.decision.in_([Decision.APPROVED, Decision.TRUSTED_SKIP]))).all()
    approved: set[int] = set()
    approvers: dict[int, set[int]] = defaultdict(set)
    for post_id, reviewer_id, decision in rows:
        if decision == Decision.TRUSTED_SKIP:
            approved.add(post_id)
        approvers[post_id].add(reviewer_id)
    for post_id, reviewers in approvers.items():
        if len(reviewers) >= publishing_settings(versions[post_id].organisation).approvals_required:
            approved.add(post_id)
    return approved


def _content_snapshot(post: Post) -> dict[str, Any]:
    """The reviewed content, kept with the decision (the approval inbox diffs against it)."""
    from app.posts.diff import content_snapshot

    return content_snapshot(post)


def submit(post: Post, actor: User) -> None:
    """Send a draft (or a rejected post) to review; trusted admins may skip review when allowed."""
    problems = submission_problems(post)
    if problems:
        raise SubmissionBlocked(problems)
    settings = publishing_settings(post.organisation)
    if settings.trusted_admins_skip_review and actor.id in settings.trusted_admin_ids and post.author_id == actor.id:
        db.session.add(Approval(post_id=post.id, organisation_id=post.organisation_id, reviewer_id=actor.id,
                                content_version=post.content_version, decision=Decision.TRUSTED_SKIP,
                                content_snapshot=_content_snapshot(post)))
        _post_move(post, "trusted_approve", actor, content_version=post.content_version)
        _schedule_if_timed(post, actor)
        return
    _post_move(post, "submit", actor)
    emit("post.submitted", organisation_id=post.organisation_id, post_id=post.id, author_id=post.author_id)


def approve(post: Post, reviewer: User, comment: str = "") -> None:
    """Record one approval of the current version; enough of them approve (and schedule) the post."""
    from app.tenancy import has_role

    if post.state != P.IN_REVIEW:
        raise InvalidTransition(f"post {post.id} cannot 'approve' while {post.state!r}")
    if reviewer.id == post.author_id:
        raise ReviewError("self_approval")
    if not has_role(reviewer, post.organisation, Role.REVIEWER, Role.ADMIN):
        raise ReviewError("not_a_reviewer")
    already = db.session.scalar(select(func.count()).select_from(Approval).where(
        Approval.post_id == post.id, Approval.reviewer_id == reviewer.id,
        Approval.content_version == post.content_version, Approval.decision == Decision.APPROVED))
    if already:
        raise ReviewError("already_approved")
    db.session.add(Approval(post_id=post.id, organisation_id=post.organisation_id, reviewer_id=reviewer.id,
                            content_version=post.content_version, decision=Decision.APPROVED, comment=comment,
                            content_snapshot=_content_snapshot(post)))
    db.session.flush()
    audit.record("post.approval_recorded", post, after={"reviewer_id": reviewer.id,
                                                        "content_version": post.content_version},
                 actor_id=reviewer.id)
    if current_approvals(post) >= approvals_required(post):
        _post_move(post, "approve", reviewer, content_version=post.content_version)
        emit("post.approved", organisation_id=post.organisation_id, post_id=post.id, author_id=post.author_id)
        _schedule_if_timed(post, reviewer)


def reject(post: Post, reviewer: User, comment: str) -> None:
    """Send the post back to its author with the reviewer's comment (required)."""
    if not comment.strip():
        raise ReviewError("comment_required")
    if reviewer.id == post.author_id:
        raise ReviewError("self_approval")
    db.session.add(Approval(post_id=post.id, organisation_id=post.organisation_id, reviewer_id=reviewer.id,
                            content_version=post.content_version, decision=Decision.REJECTED,
                            comment=comment.strip(), content_snapshot=_content_snapshot(post)))
    _post_move(post, "reject", reviewer, comment=comment.strip())
    emit("post.rejected", organisation_id=post.organisation_id, post_id=post.id, author_id=post.author_id,
         comment=comment.strip())


def reopen(post: Post, actor: User) -> None:
    """A rejected post goes back to draft for editing."""
    _post_move(post, "reopen", actor)


def withdraw(post: Post, actor: User) -> None:
    """The author takes a post back out of review."""
    _post_move(post, "withdraw", actor)


def content_edited(post: Post, actor: User | None) -> None:
    """Call after any edit of text, media, variants or targets: a new version needs new approvals."""
    from app.publishing.native import recheck

    post.content_version = (post.content_version or 1) + 1
    if post.state in (P.APPROVED, P.SCHEDULED):
        _post_move(post, "edit", actor, content_version=post.content_version)
        emit("post.back_to_review", organisation_id=post.organisation_id, post_id=post.id,
             author_id=post.author_id)
    for target in post.targets:
        recheck(target)  # natively scheduled: cancelled on the platform (re-approval schedules it again)


def schedule(post: Post, actor: User | None) -> None:
    """An approved post with a time becomes scheduled; its waiting targets get their due time."""
    if post.scheduled_at is None:
        raise ReviewError("no_time")
    from app.publishing.native import set_waiting_time

    _post_move(post, "schedule", actor, scheduled_at=_iso(post.scheduled_at))
    for target in post.targets:
        if target.state == T.SCHEDULED:
            target.deadline_at = deadline_for(post)
            set_waiting_time(target, target.due_at or post.scheduled_at)
    wake_dispatcher_after_commit()


def unschedule(post: Post, actor: User | None) -> None:
    from app.publishing.native import recheck

    _post_move(post, "unschedule", actor)
    for target in post.targets:
        recheck(target)


def _schedule_if_timed(post: Post, actor: User | None) -> None:
    if post.scheduled_at is not None:
        schedule(post, actor)


# -- targets moved by people -------------------------------------------------------------------


def retry_target(target: PostTarget, actor: User) -> None:
    """A person sends a failed, needs-reconnect, expired or unconfirmed target out again."""
    post = target.post
    when = max(utcnow(), post.scheduled_at) if post.scheduled_at else utcnow()
    from app.publishing.native import set_waiting_time

    move_target(target, T.SCHEDULED, reason="retry", actor_id=actor.id)
    target.deadline_at = deadline_for(post, when)
    set_waiting_time(target, when)
    target.last_error = None
    wake_dispatcher_after_commit()


def expire_target(target: PostTarget, reason: str, message: str) -> None:
    """Expire one target and tell its author why (never published late)."""
    move_target(target, T.EXPIRED, reason=reason, error=message)
    emit("target.expired", organisation_id=target.post.organisation_id, target_id=target.id,
         post_id=target.post_id, author_id=target.post.author_id, reason=reason)


# -- moving a post to another time (content calendar) ------------------------------------------

#: Target states a post may be moved in: nothing has gone out yet (a natively scheduled target's
#: time is updated on the platform).
MOVABLE_TARGET_STATES = frozenset({T.SCHEDULED, T.HELD, T.PLATFORM_SCHEDULED})


class RescheduleError(Exception):
    """A move that is not allowed; `code`: published, past, after_not_after, unchanged."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def reschedule(post: Post, when: datetime, actor: User, now: datetime | None = None) -> bool:
    """A person moves a post to `when` (aware); True when it went back to review.

    Refused once any target left the waiting states (queued, publishing, published...), for a
    time in the past or after the post's `not_after`. An approved or scheduled post goes back to
    review (a new version, `content_edited`) when the organisation's `reschedule_needs_review` is on.
    """
    if when.tzinfo is None:
        raise ValueError("publish times must be timezone-aware")
    if any(target.state not in MOVABLE_TARGET_STATES for target in post.targets):
        raise RescheduleError("published")
    if when <= (now or utcnow()):
        raise RescheduleError("past")
    if post.not_after is not None and when > post.not_after:
        raise RescheduleError("after_not_after")
    if post.scheduled_at == when:
        raise RescheduleError("unchanged")
    set_publish_time(post, when, post.not_after, actor)
    if post.state in (P.APPROVED, P.SCHEDULED) and publishing_settings(post.organisation).reschedule_needs_review:
        content_edited(post, actor)
        return True
    return False
