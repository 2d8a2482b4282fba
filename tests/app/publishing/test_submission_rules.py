"""Submitting a post for review runs the collaboration and disclosure rules first."""
from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models import Post, PostState
from tests.app.influencers.builders import collaborate, influencer
from tests.factories import sign_in


def test_paid_collaboration_without_consent_cannot_be_submitted(app, factory, client):
    org = factory.org(timezone="Asia/Makassar")
    author = factory.user(org, "admin")
    post = factory.post(org, author, scheduled_at=datetime(2026, 12, 10, 23, 30, tzinfo=UTC))
    collaborate(post, influencer(org, instagram=("ayu.bpp", None)), "collaborator", "paid_partnership")
    sign_in(client, author)
    response = client.post(f"/posts/{post.id}/submit")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Unggahan ini belum dapat diajukan" in page and "belum ada persetujuan yang tercatat" in page
    db.session.expire_all()
    assert db.session.get(Post, post.id).state == PostState.DRAFT  # nothing half-written


def test_platform_rules_are_checked_at_submission(app, factory, client):
    """An Instagram target without media is refused at submission with Instagram's own rule."""
    from app.models import PostTarget

    org = factory.org()
    author = factory.user(org, "admin")
    account = factory.account(org, "instagram", handle="dinkesbpp")
    post = factory.post(org, author, body="Posyandu Sabtu ini")
    db.session.add(PostTarget(post=post, account_id=account.id))
    db.session.commit()
    sign_in(client, author)
    response = client.post(f"/posts/{post.id}/submit")
    assert response.status_code == 422
    assert "instagram · dinkesbpp" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, post.id).state == PostState.DRAFT
