"""Issue #8 in the pipeline: a published target records its collaborations' statuses (no longer "planned")."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from adapters.base import OutcomeUnknown
from app.extensions import db
from app.models import AuditEvent, PostCollaborationStatus, PostTarget, TargetState, utcnow
from app.publishing import dispatch, lifecycle
from app.redis_conn import get_redis
from tests.app.influencers.builders import collaborate, influencer
from tests.app.publishing.helpers import make_desk
from tests.pipeline_adapters import RecordingAdapter

REAL_PUBLISH = RecordingAdapter.publish


def _post_with_collaboration(factory, handle_on_recorder: bool = True):
    desk = make_desk(factory, accounts=1)
    post = factory.post(desk.org, desk.author, body="Festival Teluk Balikpapan")
    db.session.add(PostTarget(post=post, account_id=desk.accounts[0].id))
    db.session.flush()
    person = influencer(desk.org, **({"recorder": ("ayu.bpp", None)} if handle_on_recorder else
                                     {"instagram": ("ayu.bpp", None)}))
    [mention] = collaborate(post, person, "mention")
    lifecycle.set_publish_time(post, utcnow() - timedelta(seconds=1))
    lifecycle.submit(post, desk.author)
    lifecycle.approve(post, desk.reviewer)
    db.session.commit()
    return post, mention


def _statuses(collaboration_id: int) -> list[tuple[int, str]]:
    return [(row.target_id, row.status) for row in db.session.scalars(
        select(PostCollaborationStatus).where(PostCollaborationStatus.collaboration_id == collaboration_id))]


def test_publishing_records_the_collaboration_status(app, factory, run_jobs):
    post, mention = _post_with_collaboration(factory)
    target_id = post.targets[0].id
    assert _statuses(mention.id) == []  # planned: nothing recorded before the platform call
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    run_jobs()
    db.session.expire_all()
    assert db.session.get(PostTarget, target_id).state == TargetState.PUBLISHED
    assert _statuses(mention.id) == [(target_id, "sent")]
    recorded = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "collaboration.status_recorded")).one()
    assert recorded.after == {"status": "sent", "target_id": target_id, "collaboration_id": mention.id}


def test_a_collaboration_without_a_handle_on_the_platform_records_nothing(app, factory, run_jobs):
    post, mention = _post_with_collaboration(factory, handle_on_recorder=False)
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    run_jobs()
    db.session.expire_all()
    assert db.session.get(PostTarget, post.targets[0].id).state == TargetState.PUBLISHED
    assert _statuses(mention.id) == []


def test_a_reconciled_publish_records_the_collaboration_status(app, factory, run_jobs, monkeypatch):
    app.config["WARTA_RECONCILE_GRACE_SECONDS"] = 0

    def lost_answer(self, job):
        REAL_PUBLISH(self, job)  # it went out, but the answer was lost
        raise OutcomeUnknown("timeout after send")

    monkeypatch.setattr(RecordingAdapter, "publish", lost_answer)
    post, mention = _post_with_collaboration(factory)
    target_id = post.targets[0].id
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    run_jobs()
    db.session.expire_all()
    assert db.session.get(PostTarget, target_id).state == TargetState.UNCONFIRMED
    assert _statuses(mention.id) == []
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=True)
    run_jobs()
    db.session.expire_all()
    assert db.session.get(PostTarget, target_id).state == TargetState.PUBLISHED
    assert _statuses(mention.id) == [(target_id, "sent")]
