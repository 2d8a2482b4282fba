"""The post page drives review and publishing: submit, approve (not your own), schedule, target states."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import Post, PostState, PostTarget, utcnow
from tests.factories import sign_in


def _post_with_target(factory):
    org = factory.org(timezone="Asia/Makassar")
    author = factory.user(org, "admin", name="Penulis")
    reviewer = factory.user(org, "reviewer", name="Peninjau")
    account = factory.account(org, "facebook")
    post = factory.post(org, author, body="Posyandu Sabtu ini")
    db.session.add(PostTarget(post=post, account_id=account.id))
    db.session.commit()
    return org, author, reviewer, post


def test_author_submits_reviewer_approves_and_schedules_from_the_post_page(app, factory):
    _org, author, reviewer, post = _post_with_target(factory)
    author_client, reviewer_client = app.test_client(), app.test_client()
    sign_in(author_client, author)
    sign_in(reviewer_client, reviewer)

    page = author_client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f"/posts/{post.id}/submit" in page
    assert f"/posts/{post.id}/approve" not in page  # nobody approves their own post
    assert author_client.post(f"/posts/{post.id}/submit").status_code == 302

    page = reviewer_client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f"/posts/{post.id}/approve" in page and "Setujui versi ini" in page
    assert reviewer_client.post(f"/posts/{post.id}/approve").status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post.id).state == PostState.APPROVED

    local = (utcnow() + timedelta(days=1)).astimezone(ZoneInfo("Asia/Makassar"))
    response = reviewer_client.post(f"/posts/{post.id}/schedule",
                                    data={"scheduled_at": local.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    db.session.expire_all()
    scheduled = db.session.get(Post, post.id)
    assert scheduled.state == PostState.SCHEDULED
    assert scheduled.scheduled_at == local.replace(second=0, microsecond=0).astimezone(scheduled.scheduled_at.tzinfo)
    page = author_client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Menunggu" in page  # the target waits for its time


def test_viewer_sees_states_but_no_actions(app, factory):
    org, _author, _reviewer, post = _post_with_target(factory)
    viewer = factory.user(org, "viewer")
    client = app.test_client()
    sign_in(client, viewer)
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Tidak ada tindakan yang menunggu Anda" in page
    assert client.post(f"/posts/{post.id}/submit").status_code == 403
