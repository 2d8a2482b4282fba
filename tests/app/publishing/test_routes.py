"""The small POST routes: tenancy (foreign → 404, wrong role → 403), rules, audit."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import AuditEvent, PostState, PostTarget, utcnow
from tests.app.publishing.helpers import make_desk
from tests.factories import sign_in


def _post_in_review(factory, desk):
    post = factory.post(desk.org, desk.author, scheduled_at=utcnow() + timedelta(hours=2))
    db.session.add(PostTarget(post=post, account_id=desk.accounts[0].id))
    post.state = PostState.IN_REVIEW
    db.session.commit()
    return post


def test_reviewer_approves_and_post_is_scheduled(app, factory, client):
    desk = make_desk(factory)
    post = _post_in_review(factory, desk)
    sign_in(client, desk.reviewer)
    assert client.post(f"/posts/{post.id}/approve").status_code == 302
    db.session.expire_all()
    assert post.state == PostState.SCHEDULED
    assert db.session.query(AuditEvent).filter_by(action="post.approve").count() == 1


def test_foreign_post_is_404(app, factory, client):
    desk, foreign = make_desk(factory), make_desk(factory)
    post = _post_in_review(factory, foreign)
    sign_in(client, desk.reviewer)
    assert client.post(f"/posts/{post.id}/approve").status_code == 404
    assert client.post(f"/posts/{post.id}/reject", data={"comment": "x"}).status_code == 404


def test_author_without_reviewer_role_gets_403(app, factory, client):
    desk = make_desk(factory)
    post = _post_in_review(factory, desk)
    sign_in(client, desk.author)
    assert client.post(f"/posts/{post.id}/approve").status_code == 403


def test_reject_without_comment_is_400_and_changes_nothing(app, factory, client):
    desk = make_desk(factory)
    post = _post_in_review(factory, desk)
    sign_in(client, desk.reviewer)
    assert client.post(f"/posts/{post.id}/reject", data={"comment": " "}).status_code == 400
    db.session.expire_all()
    assert post.state == PostState.IN_REVIEW


def test_schedule_reads_time_in_org_zone(app, factory, client):
    desk = make_desk(factory)
    desk.org.timezone = "Asia/Makassar"
    post = factory.post(desk.org, desk.author, state=PostState.APPROVED)
    sign_in(client, desk.reviewer)
    response = client.post(f"/posts/{post.id}/schedule", data={"scheduled_at": "2026-12-01T08:00"})
    assert response.status_code == 302
    db.session.expire_all()
    assert post.state == PostState.SCHEDULED
    assert post.scheduled_at.isoformat() == "2026-12-01T00:00:00+00:00"  # 08:00 WITA = 00:00 UTC
