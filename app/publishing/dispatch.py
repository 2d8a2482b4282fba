"""One dispatcher pass: what is due goes to the queues; what is too late expires; what went
missing from Redis is queued again; dead claimants' targets become unconfirmed.

The database decides everything: a target is handed to RQ only by a conditional
UPDATE (`scheduled → queued`, `dispatch_seq + 1`), so two dispatchers can never
enqueue one target twice, and the job id carries the new `dispatch_seq`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from app.extensions import db
from app.models import Organisation, Post, PostState, PostTarget, SocialAccount, TargetState, utcnow
from app.publishing import lifecycle
from app.publishing.holds import active_holds, hold_matches
from app.publishing.publish import claimant_process, human_error, mark_unconfirmed
from workers.queues import enqueue_publish, job_ids_of

logger = logging.getLogger("warta.dispatcher")
T = TargetState

BATCH = 2000
#: A queued target whose job is missing is re-enqueued only after this grace (covers the
#: moment between the dispatcher's commit and its enqueue).
REPAIR_GRACE = timedelta(seconds=3)
#: A claimant process must be missing this long (two checks) before its claims are unconfirmed.
DEAD_AFTER = timedelta(seconds=3)
RECONCILE_EVERY = timedelta(seconds=30)
ALIVE_PREFIX = "warta:alive:"


@dataclass
class DispatchState:
    """What one dispatcher remembers between passes."""

    missing_since: dict[str, datetime] = field(default_factory=dict)
    popped_seen: set[str] = field(default_factory=set)  # jobs "queued" but in no queue list last pass


def expire_overdue(now: datetime) -> int:
    """Targets past their latest time, and targets of posts not approved by their time, expire."""
    count = 0
    for state in (T.SCHEDULED, T.QUEUED, T.HELD):  # one query per state: each is an index range scan
        late = db.session.scalars(select(PostTarget).where(
            PostTarget.state == state, PostTarget.deadline_at < now).limit(BATCH))
        for target in late:
            lifecycle.expire_target(target, "too_late", human_error("too_late"))
            count += 1
    unapproved = db.session.scalars(
        select(PostTarget).join(Post, Post.id == PostTarget.post_id)
        .where(PostTarget.state == T.SCHEDULED, Post.state.in_(
            [PostState.DRAFT, PostState.IN_REVIEW, PostState.REJECTED, PostState.APPROVED]),
            Post.scheduled_at <= now, Post.scheduled_at.is_not(None)).limit(BATCH))
    for target in unapproved:
        if target.post.state == PostState.APPROVED:
            continue  # approved but never scheduled: the approval did not set a time; nothing was promised
        lifecycle.expire_target(target, "not_approved", human_error("not_approved"))
        count += 1
    if count:
        db.session.commit()
    return count


def dispatch_due(now: datetime) -> int:
    """Move due targets of scheduled posts to `queued` and enqueue them; returns how many.

    Due means its time has come, or (native scheduling) its `handover_at` did: the platform will
    hold it until its time (app/publishing/native.py).
    """
    rows = db.session.execute(
        select(PostTarget.id, SocialAccount.platform, Organisation.path, PostTarget.account_id)
        .join(Post, Post.id == PostTarget.post_id)
        .join(Organisation, Organisation.id == Post.organisation_id)
        .join(SocialAccount, SocialAccount.id == PostTarget.account_id)
        .where(PostTarget.state == T.SCHEDULED, or_(PostTarget.due_at <= now, PostTarget.handover_at <= now),
               Post.state == PostState.SCHEDULED)
        .order_by(PostTarget.due_at).limit(BATCH)).all()
    if not rows:
        return 0
    holds = active_holds()
    to_hold = [r.id for r in rows if any(hold_matches(h, r.path, r.account_id, r.platform) for h in holds)]
    for target in db.session.scalars(select(PostTarget).where(PostTarget.id.in_(to_hold))):
        lifecycle.move_target(target, T.HELD, reason="hold_at_dispatch")
    platform_of = {r.id: r.platform for r in rows if r.id not in set(to_hold)}
    if not platform_of:
        db.session.commit()
        return 0
    lifecycle.check_target_transition(T.SCHEDULED, T.QUEUED)
    result = db.session.execute(
        update(PostTarget)
        .where(PostTarget.id.in_(list(platform_of)), PostTarget.state == T.SCHEDULED)
        .values(state=T.QUEUED, dispatch_seq=PostTarget.dispatch_seq + 1, queued_at=now)
        .returning(PostTarget.id, PostTarget.dispatch_seq)
        .execution_options(synchronize_session=False)).all()
    db.session.commit()
    items = [(target_id, seq, platform_of[target_id]) for target_id, seq in result]
    enqueue_publish(items, account_of={r.id: r.account_id for r in rows})
    for target_id, seq, _platform in items:
        logger.info("queued", extra={"target_id": target_id, "seq": seq})
    return len(items)


def _job_states(redis, ids: list[str]) -> list[tuple[str | None, str | None]]:
    pipe = redis.pipeline(transaction=False)
    for jid in ids:
        pipe.hmget(f"rq:job:{jid}", "status", "worker_name")
    return [(s.decode() if s else None, w.decode() if w else None) for s, w in pipe.execute()]


def _alive(redis, processes: set[str]) -> dict[str, bool]:
    names = sorted(processes)
    pipe = redis.pipeline(transaction=False)
    for name in names:
        pipe.exists(f"{ALIVE_PREFIX}{name}")
    return dict(zip(names, (bool(x) for x in pipe.execute()), strict=True))


def _dead(state: DispatchState, alive: dict[str, bool], now: datetime) -> set[str]:
    """Processes missing for at least DEAD_AFTER (seen missing on two passes)."""
    dead = set()
    for name, is_alive in alive.items():
        if is_alive:
            state.missing_since.pop(name, None)
            continue
        first = state.missing_since.setdefault(name, now)
        if now - first >= DEAD_AFTER:
            dead.add(name)
    return dead


def repair(redis, state: DispatchState, now: datetime) -> dict[str, int]:
    """Re-enqueue queued targets whose job vanished or died; unconfirm dead claims; reconcile."""
    counts = {"requeued": 0, "unconfirmed": 0, "reconciling": 0}
    queued = db.session.execute(
        select(PostTarget.id, PostTarget.dispatch_seq, SocialAccount.platform)
        .join(SocialAccount, SocialAccount.id == PostTarget.account_id)
        .where(PostTarget.state == T.QUEUED, PostTarget.queued_at < now - REPAIR_GRACE)).all()
    publishing = db.session.execute(
        select(PostTarget.id, PostTarget.claimed_by, PostTarget.claimed_at).where(PostTarget.state == T.PUBLISHING)
    ).all()
    job_ids = job_ids_of(redis, [(t, s) for t, s, _p in queued])
    statuses = _job_states(redis, job_ids)
    processes = {claimant_process(w) for (_st, w) in statuses if w}
    processes |= {claimant_process(c) for _t, c, _at in publishing if c}
    dead = _dead(state, _alive(redis, processes), now)
    # A job still "queued" but no longer waiting in its queue was popped by a worker that died before
    # starting it (BLPOP across several queues takes it out of every list; BLMOVE leaves it in
    # `:intermediate`). Seen so on two passes in a row, it is lost.
    waiting: set[str] = set()
    for platform in {p for _t, _s, p in queued}:
        waiting |= {x.decode() for x in redis.lrange(f"rq:queue:publish-{platform}", 0, -1)}
    popped_now = set()
    lost = []
    for (target_id, seq, platform), jid, (status, worker) in zip(queued, job_ids, statuses, strict=True):
        if status == "queued" and jid not in waiting:
            popped_now.add(jid)
        if (status is None or status in ("failed", "stopped", "canceled", "finished")
                or (status == "started" and worker and claimant_process(worker) in dead)
                or (jid in popped_now and jid in state.popped_seen)):
            lost.append((target_id, seq, platform))
    state.popped_seen = popped_now
    requeue = []
    for target_id, seq, platform in lost:
        row = db.session.execute(
            update(PostTarget).where(PostTarget.id == target_id, PostTarget.state == T.QUEUED,
                                     PostTarget.dispatch_seq == seq)
            .values(dispatch_seq=seq + 1, queued_at=now).execution_options(synchronize_session=False)).rowcount
        if row == 1:
            requeue.append((target_id, seq + 1, platform))
    db.session.commit()
    if requeue:
        enqueue_publish(requeue)
        for target_id, seq, _platform in requeue:
            logger.warning("job missing from Redis, queued again", extra={"target_id": target_id, "seq": seq})
    counts["requeued"] = len(requeue)
    dead_claims = {t for t, c, _at in publishing if c and claimant_process(c) in dead}
    # A live worker whose job ended without recording (its database went away mid-job) leaves a claim
    # older than any job may run: its outcome is unknown too.
    oldest_allowed = now - longest_job()
    stale_claims = {t for t, _c, at in publishing if at is not None and at < oldest_allowed} - dead_claims
    for target in db.session.scalars(select(PostTarget).where(PostTarget.id.in_(dead_claims | stale_claims),
                                                              PostTarget.state == T.PUBLISHING)):
        if target.id in dead_claims:
            mark_unconfirmed(target, f"worker {target.claimed_by} died during the platform call")
        else:
            mark_unconfirmed(target, f"claimed by {target.claimed_by} longer ago than any job may run")
        counts["unconfirmed"] += 1
    db.session.commit()
    counts["reconciling"] = start_reconciling(now)
    return counts


def longest_job() -> timedelta:
    """How long a publish job may run at most (a shared job's timeout grows with its targets), plus a minute."""
    from flask import current_app

    config = current_app.config
    seconds = int(config.get("WARTA_PUBLISH_TIMEOUT", 120)) * max(1, int(config.get("WARTA_PUBLISH_BATCH_MAX", 1)))
    return timedelta(seconds=seconds + 60)


def start_reconciling(now: datetime) -> int:
    """Enqueue a reconcile job for each unconfirmed target whose next check is due."""
    return _start_checks(T.UNCONFIRMED, "reconcile", now)


def start_native_checks(now: datetime) -> int:
    """Enqueue a native job for each natively scheduled target whose check is due (cancel, update, confirm)."""
    return _start_checks(T.PLATFORM_SCHEDULED, "native", now)


def _start_checks(state: str, kind: str, now: datetime) -> int:
    """Claim the due targets in `state` (bumping their job sequence) and enqueue one `kind` job each."""
    rows = db.session.execute(
        select(PostTarget.id, PostTarget.dispatch_seq, SocialAccount.platform)
        .join(SocialAccount, SocialAccount.id == PostTarget.account_id)
        .where(PostTarget.state == state, PostTarget.due_at <= now).limit(BATCH)).all()
    items = []
    for target_id, seq, platform in rows:
        changed = db.session.execute(
            update(PostTarget).where(PostTarget.id == target_id, PostTarget.state == state,
                                     PostTarget.dispatch_seq == seq)
            .values(dispatch_seq=seq + 1, due_at=now + RECONCILE_EVERY)  # the job sets the real next check
            .execution_options(synchronize_session=False)).rowcount
        if changed == 1:
            items.append((target_id, seq + 1, platform))
    db.session.commit()
    if items:
        enqueue_publish(items, kind=kind)
    return len(items)


def next_wake(now: datetime, ceiling: timedelta) -> datetime:
    """The next moment something becomes due (never later than now + ceiling)."""
    # The earliest dispatchable target, even one already due (it may have come due during the
    # pass that just ran): then the answer is "now".
    # ORDER BY ... LIMIT 1 walks the (state, due_at) index instead of joining whole tables.
    candidates = [now + ceiling, db.session.scalar(
        select(PostTarget.due_at).join(Post, Post.id == PostTarget.post_id)
        .where(PostTarget.state == T.SCHEDULED, PostTarget.due_at.is_not(None), Post.state == PostState.SCHEDULED)
        .order_by(PostTarget.due_at).limit(1))]
    # min() per state keeps each query an index lookup on (state, due_at) / (state, deadline_at).
    for state in (T.UNCONFIRMED, T.PLATFORM_SCHEDULED):
        candidates.append(db.session.scalar(select(func.min(PostTarget.due_at)).where(
            PostTarget.state == state, PostTarget.due_at > now)))
    candidates.append(db.session.scalar(select(func.min(PostTarget.handover_at)).where(
        PostTarget.state == T.SCHEDULED, PostTarget.handover_at > now)))
    for state in (T.SCHEDULED, T.QUEUED, T.HELD):
        candidates.append(db.session.scalar(select(func.min(PostTarget.deadline_at)).where(
            PostTarget.state == state, PostTarget.deadline_at > now)))
    return max(now, min(c for c in candidates if c is not None))


def run_pass(redis, state: DispatchState, do_repair: bool) -> dict[str, int]:
    """Everything one wake-up does; returns counts for the log."""
    now = utcnow()
    counts = {"queued": dispatch_due(now)}  # the time-critical step first
    counts["native"] = start_native_checks(now)
    counts["expired"] = expire_overdue(now)
    if do_repair:
        counts.update(repair(redis, state, utcnow()))
    return counts
