"""Every row of the lifecycle tables, and the review rules."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import Post, PostState, PostTarget, TargetState, utcnow
from app.publishing import lifecycle
from tests.app.publishing.helpers import make_desk


@pytest.mark.parametrize(("start", "action"), sorted(lifecycle.POST_TRANSITIONS))
def test_post_transition_table(app, factory, start, action):
    desk = make_desk(factory)
    post = factory.post(desk.org, desk.author, state=start)
    lifecycle._post_move(post, action, desk.admin)
    assert post.state == lifecycle.POST_TRANSITIONS[(start, action)]


def test_post_invalid_transition_raises(app, factory):
    desk = make_desk(factory)
    post = factory.post(desk.org, desk.author)
    with pytest.raises(lifecycle.InvalidTransition):
        lifecycle.approve(post, desk.reviewer)
    with pytest.raises(lifecycle.InvalidTransition):
        lifecycle.schedule(factory.post(desk.org, desk.author, scheduled_at=utcnow()), desk.admin)


ALL_TARGET_PAIRS = [(a, b) for a in TargetState for b in TargetState]


@pytest.mark.parametrize(("start", "new"), ALL_TARGET_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_TARGET_PAIRS])
def test_target_transition_table(app, factory, start, new):
    desk = make_desk(factory)
    post = factory.post(desk.org, desk.author)
    target = PostTarget(post=post, account_id=desk.accounts[0].id, state=start)
    db.session.add(target)
    db.session.flush()
    if new in lifecycle.TARGET_TRANSITIONS[start]:
        lifecycle.move_target(target, new, reason="test")
        assert target.state == new
    else:
        with pytest.raises(lifecycle.InvalidTransition):
            lifecycle.move_target(target, new, reason="test")
        assert target.state == start


def _in_review(factory, desk):
    post = factory.post(desk.org, desk.author, scheduled_at=utcnow() + timedelta(hours=1))
    db.session.add(PostTarget(post=post, account_id=desk.accounts[0].id))
    db.session.flush()
    lifecycle.submit(post, desk.author)
    return post


def test_no_self_approval(app, factory):
    desk = make_desk(factory)
    post = factory.post(desk.org, desk.reviewer)
    lifecycle.submit(post, desk.reviewer)
    with pytest.raises(lifecycle.ReviewError, match="self_approval"):
        lifecycle.approve(post, desk.reviewer)


def test_approvals_needed_per_org_and_bound_to_version(app, factory):
    desk = make_desk(factory, approvals_required=2)
    second = factory.user(desk.org, "reviewer")
    post = _in_review(factory, desk)
    lifecycle.approve(post, desk.reviewer)
    assert post.state == PostState.IN_REVIEW
    with pytest.raises(lifecycle.ReviewError, match="already_approved"):
        lifecycle.approve(post, desk.reviewer)
    lifecycle.approve(post, second)
    assert post.state == PostState.SCHEDULED  # approved with a time → scheduled at once
    lifecycle.content_edited(post, desk.author)
    assert post.state == PostState.IN_REVIEW and post.content_version == 2
    assert not lifecycle.is_approved_version(post)


def test_reject_needs_comment_then_reopen(app, factory):
    desk = make_desk(factory)
    post = _in_review(factory, desk)
    with pytest.raises(lifecycle.ReviewError, match="comment_required"):
        lifecycle.reject(post, desk.reviewer, " ")
    lifecycle.reject(post, desk.reviewer, "Typo in the road name")
    assert post.state == PostState.REJECTED
    lifecycle.reopen(post, desk.author)
    assert post.state == PostState.DRAFT


def test_trusted_admin_skip_is_off_by_default(app, factory):
    desk = make_desk(factory)
    post = factory.post(desk.org, desk.admin)
    lifecycle.submit(post, desk.admin)
    assert post.state == PostState.IN_REVIEW
    desk2 = make_desk(factory, trusted_admins_skip_review=True)
    desk2.org.settings = {"trusted_admins_skip_review": True, "trusted_admin_ids": [desk2.admin.id]}
    post2 = factory.post(desk2.org, desk2.admin)
    lifecycle.submit(post2, desk2.admin)
    assert post2.state == PostState.APPROVED


def test_approvals_setting_is_validated(app, factory):
    desk = make_desk(factory, approvals_required=4)
    with pytest.raises(ValueError, match="approvals_required"):
        lifecycle.approve(factory.post(desk.org, desk.author, state=PostState.IN_REVIEW), desk.reviewer)


def test_deadline_uses_not_after_or_org_lateness(app, factory):
    desk = make_desk(factory, max_lateness_minutes=30)
    when = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    post = factory.post(desk.org, desk.author)
    lifecycle.set_publish_time(post, when)
    assert lifecycle.deadline_for(post) == when + timedelta(minutes=30)
    lifecycle.set_publish_time(post, when, when + timedelta(minutes=10))
    assert lifecycle.deadline_for(post) == when + timedelta(minutes=10)
    with pytest.raises(ValueError, match="timezone-aware"):
        lifecycle.set_publish_time(post, datetime(2026, 12, 1, 8, 0))


@pytest.mark.parametrize(("zone", "local_hour", "utc_hour", "utc_day"), [
    ("Asia/Jakarta", 8, 1, 1),  # WIB, UTC+7
    ("Asia/Makassar", 8, 0, 1),  # WITA, UTC+8: 08:00 WITA goes out at 00:00 UTC
    ("Asia/Jayapura", 8, 23, 30),  # WIT, UTC+9: the previous UTC day
    ("Europe/Amsterdam", 8, 7, 1),  # DST zone, winter (UTC+1)
])
def test_times_entered_in_org_zone_are_stored_in_utc(app, factory, zone, local_hour, utc_hour, utc_day):
    desk = make_desk(factory)
    desk.org.timezone = zone
    post = factory.post(desk.org, desk.author)
    lifecycle.set_publish_time(post, datetime(2026, 12, 1, local_hour, 0, tzinfo=ZoneInfo(zone)))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Post, post.id).scheduled_at
    assert stored.tzinfo == UTC
    assert (stored.day, stored.hour) == (utc_day, utc_hour)


def test_dst_zone_summer_and_gap(app, factory):
    desk = make_desk(factory)
    post = factory.post(desk.org, desk.author)
    summer = datetime(2026, 7, 1, 8, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    lifecycle.set_publish_time(post, summer)
    db.session.commit()
    assert db.session.get(Post, post.id).scheduled_at == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    # 02:30 on the spring-forward night does not exist; zoneinfo (fold=0) reads it with the winter offset: 01:30 UTC.
    gap = datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    lifecycle.set_publish_time(post, gap)
    db.session.commit()
    assert db.session.get(Post, post.id).scheduled_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
