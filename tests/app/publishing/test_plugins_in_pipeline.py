"""Plugins in the pipeline: blocking rules stop submission, sensitive topics need two approvals,
a before_publish veto holds the target, after_publish hears about the publish."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import PostState, PostTarget, TargetState
from app.publishing import dispatch, lifecycle
from app.redis_conn import get_redis
from plugins import hookimpl
from tests.app.publishing.helpers import make_desk, scheduled_post
from tests.pipeline_adapters import read_records


class QuietPeriod:
    """A plugin that holds everything (an election quiet period) and records publishes."""

    def __init__(self) -> None:
        self.veto: str | None = None
        self.published: list[int] = []

    @hookimpl
    def before_publish(self, target, job):
        return self.veto

    @hookimpl
    def after_publish(self, target, result):
        self.published.append(target.id)


@pytest.fixture
def quiet():
    return QuietPeriod()


@pytest.fixture
def app_config(app_config, quiet):
    app_config["WARTA_PLUGIN_OBJECTS"] = [quiet]
    return app_config


def test_before_publish_veto_holds_and_after_publish_is_told(app, factory, run_jobs, quiet, tmp_path):
    desk = make_desk(factory, accounts=1)
    scheduled_post(factory, desk)
    quiet.veto = "Masa tenang pemilu"
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=True)
    run_jobs()
    db.session.expire_all()
    target = db.session.query(PostTarget).one()
    assert (target.state, target.last_error) == (TargetState.HELD, "Masa tenang pemilu")
    assert read_records(str(tmp_path / "platform.log")) == []

    quiet.veto = None
    from app.publishing import holds

    holds.resume_target(target, desk.admin)
    db.session.commit()
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=True)
    run_jobs()
    db.session.expire_all()
    assert db.session.get(PostTarget, target.id).state == TargetState.PUBLISHED
    assert quiet.published == [target.id]


def test_blocking_content_rule_stops_submission(app, factory):
    desk = make_desk(factory)
    desk.org.settings = {"content_policy": {"banned": [{"phrase": "hoaks", "reason": "Jangan sebar hoaks"}]}}
    db.session.commit()
    post = factory.post(desk.org, desk.author, body="Ini hoaks")
    with pytest.raises(lifecycle.SubmissionBlocked) as blocked:
        lifecycle.submit(post, desk.author)
    assert any("Jangan sebar hoaks" in p for p in blocked.value.problems)


def test_sensitive_topic_needs_a_second_approval(app, factory):
    desk = make_desk(factory)
    desk.org.settings = {"content_policy": {"sensitive_words": ["pilkada"]}}
    second = factory.user(desk.org, "reviewer")
    db.session.commit()
    post = factory.post(desk.org, desk.author, body="Jadwal debat pilkada")
    lifecycle.submit(post, desk.author)
    lifecycle.approve(post, desk.reviewer)
    assert post.state == PostState.IN_REVIEW  # one approval is not enough for a sensitive topic
    lifecycle.approve(post, second)
    assert post.state == PostState.APPROVED


def test_content_rule_added_after_approval_stops_the_publish(app, factory, run_jobs, tmp_path):
    desk = make_desk(factory)
    scheduled_post(factory, desk, body="Info banjir dari grup sebelah")
    desk.org.settings = {"content_policy": {"banned": [{"phrase": "grup sebelah", "reason": "Sumber tidak resmi"}]}}
    db.session.commit()
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=True)
    run_jobs()
    db.session.expire_all()
    target = db.session.query(PostTarget).one()
    assert target.state == TargetState.FAILED and "Sumber tidak resmi" in target.last_error
    assert read_records(str(tmp_path / "platform.log")) == []
