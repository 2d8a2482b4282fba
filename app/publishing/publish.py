"""Publishing each target exactly once; a job carries one target, or several in a burst.

1. Claim (one transaction for the job's targets): one conditional UPDATE moves each target
   `queued → publishing` only while its `dispatch_seq` still matches the job's — a second or
   stale job claims nothing.
2. Re-check in the same transaction: approval of the current version, holds, the latest
   allowed time, "never early", the account, quotas (a reservation is written).
3. Call the adapter (the only platform call; never retried blindly): a job's calls at the
   same time, within the process's limit of calls in flight.
4. Record the outcomes in one transaction, mapping typed errors to target states.

If the worker dies during step 3, the targets stay `publishing` until the dispatcher sees
their claimant is gone and marks them `unconfirmed`; `reconcile_target` then asks the
adapter's `find_published` and resolves each.
"""
from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, select, tuple_, update
from sqlalchemy.orm import joinedload

import adapters
from adapters.base import (
    NATIVE_TOO_CLOSE,
    AccountRef,
    AdapterError,
    AuthExpired,
    Permanent,
    PlatformAdapter,
    PublishJob,
    PublishResult,
    RateLimited,
    Transient,
    Variant,
)
from app.crypto import decrypt_json
from app.events import emit, shared_lookups
from app.extensions import db
from app.influencers.services import apply_collaborations, record_target_published
from app.media import media_item
from app.models import (
    AccountStatus,
    Hold,
    Organisation,
    Post,
    PostCollaboration,
    PostMedia,
    PostState,
    PostTarget,
    SocialAccount,
    TargetState,
    utcnow,
)
from app.publishing import hooks, lifecycle, metrics, native, notify, quotas
from app.publishing.holds import active_holds, hold_for_target
from app.security.gate import blocking_reason
from plugins import post_problems

logger = logging.getLogger("warta.publishing")
T = TargetState

#: `apply_collaborations` sets this variant option whenever the post has collaborations.
COLLABORATIONS_APPLIED = "disclosure_fields"
#: Transient errors are retried this many times in all, with exponential backoff and jitter.
MAX_TRANSIENT_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 30 * 60

_claimant = threading.local()


def set_claimant(name: str) -> None:
    """Name the current thread's worker (`host|pid|n`); claims carry it so liveness can be checked."""
    _claimant.name = name


def claimant() -> str:
    return getattr(_claimant, "name", None) or f"{socket.gethostname()}|{os.getpid()}|main"


def claimant_process(name: str) -> str:
    """The process part (`host|pid`) of a claimant name."""
    return "|".join(name.split("|")[:2])


def backoff_delay(attempt: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: up to base·2^(attempt-1), capped."""
    rng = rng or random.Random()
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))


def human_error(kind: str, platform_message: str = "") -> str:
    """The last error in words a person understands (in the app's default language), with the platform's own."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "id")):
        texts = {
            "permanent": _("The platform refused this post. Its message: %(message)s", message=platform_message),
            "auth": _("The account's connection has expired or was revoked. An admin must reconnect it. "
                      "Platform message: %(message)s", message=platform_message),
            "transient": _("The platform kept failing after several tries. Platform message: %(message)s",
                           message=platform_message),
            "unconfirmed": _("We could not confirm whether this post went out. Please check the account "
                             "before posting it again."),
            "unresolved": _("We could not confirm whether this post went out: the platform could not be asked, "
                            "even after several tries. Please check the account before posting it again. "
                            "Platform message: %(message)s", message=platform_message),
            "account_disabled": _("The account is switched off in Warta, so nothing was published."),
            "too_late": _("It could not go out before its latest allowed time, so it was not published."),
            "not_approved": _("The post was not approved by its time, so it was not published."),
        }
    return texts[kind]


@dataclass(frozen=True)
class Claimed:
    """What the claim read, so recording the outcome needs no row loaded again."""

    target_id: int
    seq: int
    claimant: str
    platform: str
    job: PublishJob
    scheduled_at: datetime | None
    organisation_id: int
    post_id: int
    author_id: int
    account_id: int
    attempts: int
    deadline_at: datetime | None
    has_collaborations: bool = False
    hold_generation: int | None = None  # read before the re-checks (notify.HOLD_GENERATION_KEY)

    @classmethod
    def of(cls, target: PostTarget, seq: int, who: str, job: PublishJob, hold_generation: int | None = None) -> Claimed:
        post = target.post
        return cls(target.id, seq, who, target.account.platform, job, post.scheduled_at, post.organisation_id,
                   post.id, post.author_id, target.account_id, target.attempts, target.deadline_at,
                   has_collaborations=COLLABORATIONS_APPLIED in job.variant.options, hold_generation=hold_generation)


def publish_target(target_id: int, seq: int) -> str:
    """The whole publish step for one target; returns the outcome (for logs and tests)."""
    return publish_targets([(target_id, seq)])[0]


def publish_targets(pairs: list[tuple[int, int]]) -> list[str]:
    """Publish the targets of one job: claimed in one transaction, the platform calls made at the
    same time (one thread per call, within the process's limit of calls in flight), the outcomes
    recorded in one transaction.

    A worker that dies during the calls leaves its targets `publishing`; the dispatcher sees the
    claimant is gone and marks them `unconfirmed`, and the reconciler asks the platform.
    """
    with metrics.batched():
        claims = claim_many(pairs, claimant())
        outcomes: list[str] = [claimed if isinstance(claimed, str) else "" for claimed in claims]
        ready: list[tuple[int, Claimed, PlatformAdapter]] = []
        for index, claimed in enumerate(claims):
            if isinstance(claimed, str):
                continue
            adapter = adapters.get_adapter(claimed.platform)
            stopped = _before_call(claimed, adapter)
            if stopped is not None:
                outcomes[index] = stopped
            else:
                ready.append((index, claimed, adapter))
        calls = [(claimed, adapter) for _index, claimed, adapter in ready]
        answers, interrupted = _call_all(calls)
        recorded = _record_together([(claimed, answer) for (claimed, _a), answer in zip(calls, answers, strict=True)])
        for (index, _claimed, _adapter), outcome in zip(ready, recorded, strict=True):
            outcomes[index] = outcome
    if interrupted is not None:  # a job timeout or shutdown: recorded as unknown outcomes, then raised
        raise interrupted
    return outcomes


def _before_call(claimed: Claimed, adapter: PlatformAdapter) -> str | None:
    """The last checks before the platform call; an outcome string when the call must not happen."""
    try:  # a read, not a post: its typed errors map like the publish call's, and nothing can be unconfirmed
        live_full_until = quotas.live_deferral(adapter, claimed.job.account, utcnow())
    except AdapterError as exc:
        return _record(claimed, exc)
    if live_full_until is not None:  # e.g. Instagram's content_publishing_limit says the cap is reached
        metrics.count_quota_deferral(claimed.platform)
        return finish_deferred(claimed, live_full_until, "quota", "live publishing limit reached")
    logger.info("platform call starting", extra={"target_id": claimed.target_id, "seq": claimed.seq,
                                                 "platform": claimed.platform})
    # Single call site for the plugin hooks before_publish / after_publish (app.publishing.hooks).
    problems = adapter.validate(claimed.job.variant)  # e.g. the post lost its media after approval
    if problems:
        return finish_permanent(claimed, " ".join(problem.message for problem in problems))
    veto = hooks.before_publish(claimed.target_id, claimed.job)
    if veto is not None:
        return finish_vetoed(claimed, veto)
    return None


Answer = PublishResult | BaseException

#: Platform calls this process may have in flight at once (None: as many as its jobs carry).
_call_slots: threading.BoundedSemaphore | None = None


def limit_calls_in_flight(count: int | None) -> None:
    """Let at most `count` platform calls of this process be in flight at once (the worker sets it):
    more jobs than calls can then be claimed and recorded while others' calls wait on the platform."""
    global _call_slots
    _call_slots = threading.BoundedSemaphore(count) if count else None


class NotSent(Exception):
    """The call was given up before it started: nothing reached the platform."""


def _call(claimed: Claimed, adapter: PlatformAdapter) -> tuple[Answer, float]:
    """The platform call and its duration; whatever it raises is returned, for `_record` to map."""
    started = time.monotonic()
    try:
        return adapter.publish(claimed.job), time.monotonic() - started
    except BaseException as exc:  # OutcomeUnknown, a timeout, an adapter bug: _record decides
        return exc, time.monotonic() - started


def _still_goes(claimed: Claimed) -> bool:
    """After a wait for a call slot: no hold started since the claim's re-checks, and still in time."""
    if claimed.deadline_at is not None and utcnow() > claimed.deadline_at:
        return False
    return notify.hold_generation() == claimed.hold_generation


class _Call:
    """One platform call of a job: made once a call slot of this process is free, unless given up first."""

    def __init__(self, claimed: Claimed, adapter: PlatformAdapter) -> None:
        self.claimed, self.adapter = claimed, adapter
        self.started_at: datetime | None = None
        self.answer: Answer | None = None
        self.seconds = 0.0
        self._lock = threading.Lock()
        self._given_up = False

    def run(self) -> None:
        slots = _call_slots
        waited = slots is not None and not slots.acquire(blocking=False)
        if waited:
            slots.acquire()
        try:
            with self._lock:
                if self._given_up or (waited and not _still_goes(self.claimed)):
                    self._given_up = True
                    return
                self.started_at = utcnow()
            self.answer, self.seconds = _call(self.claimed, self.adapter)
        finally:
            if slots is not None:
                slots.release()

    def give_up(self) -> None:
        """A call not started by now never starts (`NotSent`: the target goes back to the dispatcher)."""
        with self._lock:
            self._given_up = True

    def answer_or(self, interrupted: BaseException | None) -> Answer:
        """The platform's answer; `NotSent` if it never started; else (still running) an unknown outcome."""
        with self._lock:
            if self.answer is not None:
                return self.answer
            if self.started_at is None:
                return NotSent("given up before the call started")
            return interrupted or RuntimeError("the platform call did not finish")


def _call_all(calls: list[tuple[Claimed, PlatformAdapter]]) -> tuple[list[Answer], BaseException | None]:
    """Make the calls at the same time, one thread each (a platform call is mostly waiting), within
    the process's limit of calls in flight.

    If this thread is interrupted meanwhile (the job's timeout, a shutdown), calls not started yet
    never start, and a call that has not answered counts as an unknown outcome; the interruption is
    returned, to be raised once every answer is recorded.
    """
    pending = [_Call(claimed, adapter) for claimed, adapter in calls]
    interrupted: BaseException | None = None
    try:
        if len(pending) == 1:
            pending[0].run()
        elif pending:
            app = current_app._get_current_object()  # type: ignore[attr-defined]

            def run(call: _Call) -> None:
                with app.app_context():  # adapters may translate messages
                    call.run()

            name = threading.current_thread().name
            threads = [threading.Thread(target=run, args=(call,), name=f"{name}-call{i}", daemon=True)
                       for i, call in enumerate(pending)]
            for thread in threads:
                thread.start()
            for thread in threads:
                while thread.is_alive():  # a bounded wait: a job timeout (raised in this thread) gets through
                    thread.join(0.05)
    except BaseException as exc:  # recorded first, raised after recording
        interrupted = exc
        for call in pending:
            call.give_up()
    answers = []
    for call in pending:
        answers.append(call.answer_or(interrupted))
        platform, scheduled_at = call.claimed.platform, call.claimed.scheduled_at
        if call.started_at is not None and scheduled_at is not None:
            metrics.observe_dispatch_lag(platform, (call.started_at - scheduled_at).total_seconds())
        if call.answer is not None:
            metrics.observe_publish_latency(platform, call.seconds)
    return answers, interrupted


def _record(claimed: Claimed, answer: Answer) -> str:
    """Map the call's answer (or typed error) to the target's new state."""
    if isinstance(answer, PublishResult):
        return finish_published(claimed, answer)
    if isinstance(answer, RateLimited):
        return finish_deferred(claimed, answer.retry_at, "rate_limited", answer.platform_message)
    if isinstance(answer, Transient):
        return finish_transient(claimed, answer)
    if isinstance(answer, AuthExpired):
        return finish_auth_expired(claimed, answer)
    if isinstance(answer, Permanent):
        return finish_permanent(claimed, answer.platform_message)
    if isinstance(answer, NotSent):  # nothing reached the platform: it goes out again as soon as it can
        return finish_deferred(claimed, utcnow(), "not_sent")
    return finish_unconfirmed(claimed, repr(answer))  # OutcomeUnknown, timeout, adapter bug: it may have gone out


def _record_together(items: list[tuple[Claimed, Answer]]) -> list[str]:
    """Record the answers in one transaction (one by one if that fails), then run `after_publish`."""
    if not items:
        return []
    try:
        with _together() as counts:
            _recording.published = _publish_together(items)
            outcomes = [_record(claimed, answer) for claimed, answer in items]
            db.session.commit()
    except Exception:
        db.session.rollback()
        logger.exception("recording the outcomes together failed; recording them one by one")
        outcomes = [_record(claimed, answer) for claimed, answer in items]
    else:
        for platform, outcome in counts:
            metrics.count_publish(platform, outcome)
    stopping = None
    for (claimed, answer), outcome in zip(items, outcomes, strict=True):
        if outcome == "published" and isinstance(answer, PublishResult):
            hooks.after_publish(claimed.target_id, answer)
        elif isinstance(answer, BaseException) and not isinstance(answer, Exception):
            stopping = answer  # KeyboardInterrupt / SystemExit during a call: recorded as unconfirmed first
    if stopping is not None:
        raise stopping
    return outcomes


_recording = threading.local()


@contextmanager
def _together() -> Iterator[list[tuple[str, str]]]:
    """Inside: outcomes share the current transaction (no commit, no rollback per target) and
    their metric counts are collected, to be sent only once the caller committed."""
    db.session.rollback()  # a fresh transaction: the claim's is committed
    _recording.counts, _recording.published = [], set()
    try:
        # Rows added (audit events, notifications) are inserted together at the commit; the
        # outcome UPDATEs do not depend on them.
        with shared_lookups(), db.session.no_autoflush:  # shared: e.g. the author's notification preferences
            yield _recording.counts
    finally:
        _recording.counts, _recording.published = None, set()


def _recording_together() -> bool:
    return getattr(_recording, "counts", None) is not None


def _published_values(result: PublishResult) -> dict[str, object]:
    return {"remote_id": result.remote_id, "remote_url": result.permalink, "last_error": None}


def _publish_together(items: list[tuple[Claimed, Answer]]) -> set[int]:
    """Move every target the platform published (the common outcome) `publishing → published` in one
    UPDATE; `_settle` then only audits those. Any other outcome, or a target that moved meanwhile,
    is recorded on its own."""
    moves = {claimed.target_id: (claimed.seq, _published_values(answer)) for claimed, answer in items
             if isinstance(answer, PublishResult) and not answer.details.get("native_scheduled")}
    return lifecycle.move_many_if(moves, T.PUBLISHED, T.PUBLISHING)


def claim(target_id: int, seq: int, who: str) -> Claimed | str:
    """Compare-and-set `queued → publishing` and re-check everything; a string says why not."""
    return claim_many([(target_id, seq)], who)[0]


def claim_many(pairs: list[tuple[int, int]], who: str) -> list[Claimed | str]:
    """Claim several targets in one transaction: one conditional UPDATE moves every `(id, seq)`
    still `queued` at that `dispatch_seq` to `publishing` (a second or stale job claims nothing),
    then each is re-checked (approval, holds, deadline, never early, account, quotas)."""
    now = utcnow()
    seqs = dict(pairs)
    taken = set(db.session.scalars(
        update(PostTarget)
        .where(PostTarget.state == T.QUEUED, tuple_(PostTarget.id, PostTarget.dispatch_seq).in_(list(seqs.items())))
        .values(state=T.PUBLISHING, claimed_at=now, claimed_by=who, attempts=PostTarget.attempts + 1)
        .returning(PostTarget.id).execution_options(synchronize_session=False)))
    for target_id in seqs.keys() - taken:
        logger.info("not claimed: already taken or stale job", extra={"target_id": target_id, "seq": seqs[target_id]})
    if not taken:
        db.session.rollback()
        return ["not_claimed"] * len(pairs)
    # Read before the holds: a hold started later moves it on. Only a call that waits for a slot needs it.
    generation = notify.hold_generation() if _call_slots is not None else None
    batch = _ClaimBatch.load(taken)
    checked = [_recheck(batch.targets[t], s, who, now, batch, generation) if t in taken else "not_claimed"
               for t, s in pairs]
    going = [batch.targets[c.target_id] for c in checked if isinstance(c, Claimed)]
    # Last, so the accounts stay locked only for the counting, the reservations and the commit.
    tally = quotas.QuotaTally.locked_for([(target.account, quotas.kind_for(target)) for target in going], now)
    results = [_within_quota(c, batch.targets[c.target_id], now, tally) if isinstance(c, Claimed) else c
               for c in checked]
    db.session.commit()
    return results


@dataclass
class _ClaimBatch:
    """What the re-checks of the claimed targets share, each read once for all of them."""

    targets: dict[int, PostTarget]
    holds: list[Hold]
    approved: set[int]
    collaborated: set[int]

    @classmethod
    def load(cls, target_ids: set[int]) -> _ClaimBatch:
        targets = {target.id: target for target in db.session.scalars(
            _with_relations(select(PostTarget).where(PostTarget.id.in_(target_ids)))
            .execution_options(populate_existing=True))}
        posts = {target.post_id: target.post for target in targets.values()}
        collaborated = set(db.session.scalars(select(PostCollaboration.post_id).distinct()
                                              .where(PostCollaboration.post_id.in_(posts))))
        return cls(targets, active_holds(), lifecycle.approved_post_ids(posts.values()), collaborated)


def _recheck(target: PostTarget, seq: int, who: str, now: datetime, batch: _ClaimBatch,
             hold_generation: int | None) -> Claimed | str:
    """Audit the claim and re-check the target; what goes out next gets its adapter job."""
    from app import audit

    audit.record("target.publishing", target, organisation_id=target.post.organisation_id,
                 before={"state": T.QUEUED}, after={"state": T.PUBLISHING, "claimant": who})
    reason = _blocked(target, now, holds=batch.holds, approved=target.post_id in batch.approved)
    if reason is not None:
        logger.info("not published: %s", reason, extra={"target_id": target.id, "seq": seq})
        return reason
    # Past the re-checks before its time: a native handover (the platform holds it until then).
    handover = target.due_at is not None and now < target.due_at
    job = build_job(target, native=handover, collaborations=target.post_id in batch.collaborated)
    return Claimed.of(target, seq, who, job, hold_generation)


def _within_quota(claimed: Claimed, target: PostTarget, now: datetime, tally: quotas.QuotaTally) -> Claimed | str:
    """Reserve the call in the quota ledger, or defer the target to the earliest time its caps allow."""
    kind, account = quotas.kind_for(target), target.account
    if not quotas.applies(account.platform, kind):
        return claimed
    if not tally.allows_now(account, kind, now):
        _defer(target, quotas.earliest_allowed(account, kind, now), "quota")  # autoflush: sees this claim's
        metrics.count_quota_deferral(account.platform)
        return "deferred_quota"
    tally.reserve(target, account, kind, now)
    return claimed


def _with_relations(query: Select) -> Select:
    """Load the target's post, its organisation and author, and the account in the same query
    (the post's media in one more)."""
    post = joinedload(PostTarget.post, innerjoin=True)
    return query.options(post.joinedload(Post.organisation, innerjoin=True), post.joinedload(Post.author),
                         post.selectinload(Post.media_links).joinedload(PostMedia.media),
                         joinedload(PostTarget.account, innerjoin=True))


def _for_update() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _blocked(target: PostTarget, now: datetime, holds: list[Hold], approved: bool) -> str | None:
    """Apply the re-checks after the claim; returns a reason when the target must not go out now."""
    post = target.post
    if target.deadline_at is not None and now > target.deadline_at:
        lifecycle.expire_target(target, "too_late", human_error("too_late"))
        return "expired"
    if post.state != PostState.SCHEDULED or not approved:
        lifecycle.move_target(target, T.SCHEDULED, reason="not_approved_now")
        return "not_approved"
    hold = hold_for_target(target, holds)
    if hold is not None:
        lifecycle.move_target(target, T.HELD, reason=f"hold:{hold.id}")
        return "held"
    if target.due_at is not None and now < target.due_at and not native.native_now(target, now):
        lifecycle.move_target(target, T.SCHEDULED, reason="not_due_yet")
        target.handover_at = native.handover_time(target, now)
        return "early"
    # Blocking content rules, checked again at publish time for this target's platform.
    rule_problems = post_problems(post, [target.account.platform])
    if rule_problems:
        lifecycle.move_target(target, T.FAILED, reason="content_rule", error=" ".join(rule_problems))
        _emit_failed(target)
        return "content_rule"
    gate_reason = blocking_reason(target.account_id)
    if gate_reason is not None:
        # Released by release_security_gate() when the account's critical checklist items pass again.
        lifecycle.move_target(target, T.HELD, reason="security_gate", error=gate_reason)
        return "security_gate"
    if target.account.status == AccountStatus.NEEDS_RECONNECT:
        lifecycle.move_target(target, T.NEEDS_RECONNECT, reason="account_needs_reconnect",
                              error=human_error("auth", ""))
        return "needs_reconnect"
    if target.account.status == AccountStatus.DISABLED:
        lifecycle.move_target(target, T.FAILED, reason="account_disabled", error=human_error("account_disabled"))
        return "account_disabled"
    return None


def _defer(target: PostTarget, when: datetime, reason: str) -> None:
    if target.deadline_at is not None and when > target.deadline_at:
        lifecycle.expire_target(target, f"{reason}_past_deadline", human_error("too_late"))
        return
    lifecycle.move_target(target, T.SCHEDULED, reason=reason)
    if target.due_at is not None and when < target.due_at:  # a native handover: its time stays
        target.handover_at = native.deferred_handover(target.account.platform, target.due_at, when)
    else:
        target.due_at = when
    from app.publishing.notify import wake_dispatcher_after_commit

    wake_dispatcher_after_commit()


def build_job(target: PostTarget, native: bool = False, collaborations: bool = True) -> PublishJob:
    """Plain data for the adapter: the platform's variant, media and decrypted credentials.

    `native`: the platform is to hold it until `scheduled_at` (`options["native_schedule"]`, which
    only the pipeline sets). `collaborations=False`: the caller knows the post has none.
    """
    post, account = target.post, target.account
    variant_data = post.variants.get(account.platform) or {}
    options = {k: v for k, v in (variant_data.get("options") or {}).items() if k != "native_schedule"}
    if native:
        options["native_schedule"] = True
    media = tuple(media_item(link.media) for link in post.media_links)  # fresh signed public URLs
    credentials = decrypt_json(account.credentials_encrypted) if account.credentials_encrypted else {}
    variant = Variant(text=post.body_for(account.platform), media=media, title=variant_data.get("title", post.title),
                      options=options)
    return PublishJob(
        target_id=target.id,
        account=AccountRef(account.id, account.external_id, account.handle, credentials),
        variant=apply_collaborations(post, account.platform, variant) if collaborations else variant,
        idempotency_marker=f"warta-{target.id}",
        scheduled_at=target.due_at,
    )


# -- recording outcomes ----------------------------------------------------------------------------
#
# Every outcome is "move the target, audit, emit, count, commit": `_settle` moves it with one
# conditional UPDATE (still this job's `dispatch_seq`, still publishing — or unconfirmed when the
# dispatcher gave up on this worker meanwhile) using what the claim already read; no row is loaded.

_SOURCES = (T.PUBLISHING, T.UNCONFIRMED)


def _settle(claimed: Claimed, new: str, *, reason: str, error: str | None = None,
            values: dict | None = None, release_quota: bool = True, sources: tuple[str, ...] = _SOURCES) -> bool:
    """Record one outcome (state, audit, quota release); False when the target moved on meanwhile."""
    together = _recording_together()
    if not together:
        db.session.rollback()  # a fresh transaction: the claim's is committed
    if together and new == T.PUBLISHED and claimed.target_id in _recording.published:  # moved by _publish_together
        _recording.published.discard(claimed.target_id)
        source: str | None = T.PUBLISHING
        lifecycle.audit_move(claimed.target_id, claimed.organisation_id, T.PUBLISHING, new, reason)
    else:
        source = lifecycle.move_target_if(claimed.target_id, claimed.seq, claimed.organisation_id, new, sources,
                                          reason=reason, error=error, values=values)
    if source is None:
        if not _recording_together():
            db.session.rollback()
        logger.warning("outcome not recorded: target moved on meanwhile", extra={"target_id": claimed.target_id})
        return False
    if release_quota:
        quotas.release(claimed.target_id)
    return True


def _emit(claimed: Claimed, name: str, **payload: object) -> None:
    # Listeners (notifications, plugins) each look the organisation up; the session's identity map
    # holds rows only while referenced, so holding it here makes that one query for all of them.
    organisation = db.session.get(Organisation, claimed.organisation_id)
    emit(name, organisation_id=claimed.organisation_id, target_id=claimed.target_id, post_id=claimed.post_id,
         author_id=claimed.author_id, **payload)
    del organisation


def _done(claimed: Claimed, outcome: str, metric: str | None = None) -> str:
    if _recording_together():  # counted once the caller commits
        _recording.counts.append((claimed.platform, metric or outcome))
        return outcome
    metrics.count_publish(claimed.platform, metric or outcome)
    db.session.commit()
    return outcome


def finish_published(claimed: Claimed, result: PublishResult) -> str:
    if result.details.get("native_scheduled"):
        return finish_platform_scheduled(claimed, result)
    if not _settle(claimed, T.PUBLISHED, reason="platform_confirmed", values=_published_values(result),
                   release_quota=False):
        return "lost_race"
    _after_published(claimed, result.permalink)
    _done(claimed, "published")
    logger.info("published", extra={"target_id": claimed.target_id, "remote_id": result.remote_id})
    return "published"


def finish_platform_scheduled(claimed: Claimed, result: PublishResult) -> str:
    """The platform holds the post until its time: `platform_scheduled`, checked again after that time."""
    when = claimed.job.scheduled_at
    values = {"remote_id": result.remote_id, "remote_url": result.permalink, "last_error": None,
              "native_scheduled_for": when, "handover_at": None, "reconcile_attempts": 0,
              "due_at": (when or utcnow()) + native.CONFIRM_GRACE}
    if not _settle(claimed, T.PLATFORM_SCHEDULED, reason="platform_holds_it", values=values, release_quota=False):
        return "lost_race"
    target = db.session.get(PostTarget, claimed.target_id)
    if native.wanted(target) is not None:  # a hold, an edit or a new time arrived during the call
        native.recheck(target)
    _done(claimed, "platform_scheduled")
    logger.info("scheduled on the platform", extra={"target_id": claimed.target_id, "remote_id": result.remote_id})
    return "platform_scheduled"


def _after_published(claimed: Claimed, permalink: str | None) -> None:
    """What follows a publish in its transaction: collaboration statuses (issue #8), the event."""
    if claimed.has_collaborations:
        record_target_published(db.session.get(PostTarget, claimed.target_id))
    _emit(claimed, "target.published", remote_url=permalink)


def finish_deferred(claimed: Claimed, when: datetime, reason: str, message: str = "",
                    error: str | None = None) -> str:
    """Back to `scheduled` at `when` (rate limit, quota, transient retry), or `expired` past the deadline."""
    when = max(when, utcnow())
    if claimed.deadline_at is not None and when > claimed.deadline_at:
        if not _settle(claimed, T.EXPIRED, reason=f"{reason}_past_deadline", error=human_error("too_late")):
            return "lost_race"
        _emit(claimed, "target.expired", reason=f"{reason}_past_deadline")
    else:
        values: dict = {"due_at": when, "handover_at": None}
        if claimed.job.scheduled_at is not None and when < claimed.job.scheduled_at:  # a native handover
            values = {"handover_at": native.deferred_handover(claimed.platform, claimed.job.scheduled_at, when)}
        if not _settle(claimed, T.SCHEDULED, reason=reason, error=error, values=values):
            return "lost_race"
        from app.publishing.notify import wake_dispatcher_after_commit

        wake_dispatcher_after_commit()
    _done(claimed, f"deferred_{reason}", reason)
    logger.info("deferred (%s) until %s: %s", reason, when.isoformat(), message,
                extra={"target_id": claimed.target_id})
    return f"deferred_{reason}"


def finish_transient(claimed: Claimed, exc: Transient) -> str:
    if exc.code == NATIVE_TOO_CLOSE and claimed.job.scheduled_at is not None:  # published at its time instead
        return finish_deferred(claimed, claimed.job.scheduled_at, "native_too_close")
    if claimed.attempts >= MAX_TRANSIENT_ATTEMPTS:
        return _finish_failed(claimed, "transient_exhausted", human_error("transient", exc.platform_message))
    when = utcnow() + backoff_delay(claimed.attempts)
    outcome = finish_deferred(claimed, when, "transient", exc.platform_message, error=exc.platform_message)
    return "retry_transient" if outcome == "deferred_transient" else outcome


def finish_auth_expired(claimed: Claimed, exc: AuthExpired) -> str:
    if not _settle(claimed, T.NEEDS_RECONNECT, reason="auth_expired",
                   error=human_error("auth", exc.platform_message)):
        return "lost_race"
    account = db.session.get(SocialAccount, claimed.account_id)
    if account.status != AccountStatus.NEEDS_RECONNECT:
        from app import audit

        audit.record("account.needs_reconnect", account, before={"status": account.status},
                     after={"status": AccountStatus.NEEDS_RECONNECT})
        account.status = AccountStatus.NEEDS_RECONNECT
    emit("account.needs_reconnect", organisation_id=account.organisation_id, account_id=account.id,
         platform=account.platform, target_id=claimed.target_id, notify_roles=["admin"])
    _emit(claimed, "target.needs_reconnect")
    return _done(claimed, "needs_reconnect")


def finish_permanent(claimed: Claimed, message: str) -> str:
    outcome = _finish_failed(claimed, "permanent", human_error("permanent", message))
    logger.info("failed permanently: %s", message, extra={"target_id": claimed.target_id})
    return outcome


def _finish_failed(claimed: Claimed, reason: str, error: str, release_quota: bool = True) -> str:
    if not _settle(claimed, T.FAILED, reason=reason, error=error, release_quota=release_quota):
        return "lost_race"
    _emit(claimed, "target.failed", error=error)
    return _done(claimed, "failed")


def finish_vetoed(claimed: Claimed, reason: str) -> str:
    """A plugin said "not now" (e.g. an election quiet period): hold the target with its reason."""
    if not _settle(claimed, T.HELD, reason="plugin_veto", error=reason):
        return "lost_race"
    if not _recording_together():
        db.session.commit()
    logger.info("held by a plugin: %s", reason, extra={"target_id": claimed.target_id})
    return "held"


def finish_unconfirmed(claimed: Claimed, detail: str) -> str:
    """The call's outcome is unknown; a target the dispatcher already marked stays as it is."""
    grace = timedelta(seconds=current_app.config.get("WARTA_RECONCILE_GRACE_SECONDS", 30))
    values = {"due_at": utcnow() + grace, "reconcile_attempts": 0}
    if claimed.job.variant.options.get("native_schedule"):
        values["native_scheduled_for"] = claimed.job.scheduled_at  # reconcile looks among scheduled posts too
    if _settle(claimed, T.UNCONFIRMED, reason=detail[:200], error=human_error("unconfirmed"),
               values=values, release_quota=False,
               sources=(T.PUBLISHING,)):
        _emit(claimed, "target.unconfirmed")
        _done(claimed, "unconfirmed")
        logger.warning("unconfirmed: %s", detail, extra={"target_id": claimed.target_id})
    return "unconfirmed"


def mark_unconfirmed(target: PostTarget, detail: str) -> None:
    """The outcome of a platform call is unknown: never retry blindly, reconcile soon."""
    lifecycle.move_target(target, T.UNCONFIRMED, reason=detail[:200], error=human_error("unconfirmed"))
    target.reconcile_attempts = 0
    if target.due_at is not None and target.claimed_at is not None and target.claimed_at < target.due_at:
        target.native_scheduled_for = target.due_at  # claimed before its time: a native handover
    # The platform may still be finishing the request the client gave up on: asking at once can find
    # nothing, re-queue, and post twice (tests/e2e/test_pipeline_meta.py reproduces it). Wait a grace first.
    target.due_at = utcnow() + timedelta(seconds=current_app.config.get("WARTA_RECONCILE_GRACE_SECONDS", 30))
    emit("target.unconfirmed", organisation_id=target.post.organisation_id, target_id=target.id,
         post_id=target.post_id, author_id=target.post.author_id)
    metrics.count_publish(target.account.platform, "unconfirmed")
    logger.warning("unconfirmed: %s", detail, extra={"target_id": target.id})


def _emit_failed(target: PostTarget) -> None:
    emit("target.failed", organisation_id=target.post.organisation_id, target_id=target.id,
         post_id=target.post_id, author_id=target.post.author_id, error=target.last_error)


# -- reconciling unconfirmed targets ---------------------------------------------------------------

def _count_unresolved(claimed: Claimed, exc: AdapterError) -> str:
    """One more round that could not ask the platform; after WARTA_RECONCILE_MAX_ATTEMPTS the target
    fails and its author is told to check the account (it is never re-posted blindly)."""
    db.session.rollback()
    target = db.session.get(PostTarget, claimed.target_id, with_for_update=_for_update())
    if target is None or target.state != T.UNCONFIRMED or target.dispatch_seq != claimed.seq:
        db.session.rollback()
        return "stale"
    target.reconcile_attempts = (target.reconcile_attempts or 0) + 1
    if target.reconcile_attempts < int(current_app.config.get("WARTA_RECONCILE_MAX_ATTEMPTS", 20)):
        db.session.commit()
        return "unresolved"
    tries = target.reconcile_attempts
    db.session.commit()
    outcome = _finish_failed(claimed, "reconcile_exhausted", human_error("unresolved", exc.platform_message),
                             release_quota=False)  # it may have gone out: the call still counts
    logger.warning("unconfirmed and unresolved after %d tries: failed", tries, extra={"target_id": claimed.target_id})
    return "unresolved_failed" if outcome == "failed" else outcome


def reconcile_target(target_id: int, seq: int) -> str:
    """Ask the platform whether an unconfirmed target went out: published, or back to queued."""
    target = db.session.get(PostTarget, target_id)
    if target is None or target.state != T.UNCONFIRMED or target.dispatch_seq != seq:
        return "stale"
    # due_at moves with every reconcile round; the search window must start before the platform call.
    handed_over = target.native_scheduled_for is not None
    job = replace(build_job(target, native=handed_over), scheduled_at=target.claimed_at or target.post.scheduled_at)
    claimed = Claimed.of(target, seq, target.claimed_by or "", job)
    platform = claimed.platform
    db.session.rollback()
    try:
        found = adapters.get_adapter(platform).find_published(job)
    except AdapterError as exc:
        logger.warning("reconcile could not ask the platform: %s", exc, extra={"target_id": target_id})
        return _count_unresolved(claimed, exc)
    if found is not None and handed_over:  # the platform holds it (or published it at its time): check it there
        if not _settle(claimed, T.PLATFORM_SCHEDULED, reason="reconciled_found", sources=(T.UNCONFIRMED,),
                       release_quota=False, values={"remote_id": found.remote_id, "remote_url": found.permalink,
                                                   "last_error": None, "due_at": utcnow(), "reconcile_attempts": 0}):
            return "stale"
        _done(claimed, "platform_scheduled", "reconciled_platform_scheduled")
        return "platform_scheduled"
    if found is not None:
        if not _settle(claimed, T.PUBLISHED, reason="reconciled_found", sources=(T.UNCONFIRMED,), release_quota=False,
                       values={"remote_id": found.remote_id, "remote_url": found.permalink, "last_error": None}):
            return "stale"
        _after_published(claimed, found.permalink)
        _done(claimed, "published", "reconciled_published")
        logger.info("reconciled: found on the platform", extra={"target_id": target_id})
        return "published"
    target = db.session.get(PostTarget, target_id, with_for_update=_for_update())
    if target is None or target.state != T.UNCONFIRMED or target.dispatch_seq != seq:
        db.session.rollback()
        return "stale"
    quotas.release(target.id)
    lifecycle.move_target(target, T.QUEUED, reason="reconciled_absent")
    target.dispatch_seq += 1
    target.queued_at = target.due_at = utcnow()  # due now: the reconcile back-off no longer applies
    if target.native_scheduled_for is not None:  # never early: its time again (handed over again if it still can)
        target.due_at, target.native_scheduled_for = target.native_scheduled_for, None
    target.last_error = None
    new_seq = target.dispatch_seq
    db.session.commit()
    from workers.queues import enqueue_publish

    enqueue_publish([(target_id, new_seq, platform)])
    logger.info("reconciled: not on the platform, queued again", extra={"target_id": target_id})
    return "queued"
