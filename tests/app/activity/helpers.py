"""Builders for activity tests: organisations with accounts and published posts at chosen times."""
from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import Organisation, Post, PostState, PostTarget, SocialAccount, TargetState, User


def publish(org: Organisation, author: User, accounts: list[SocialAccount], at: datetime, body: str = "Halo") -> Post:
    """A post published at `at` on each of `accounts` (one target per account)."""
    post = Post(organisation_id=org.id, author_id=author.id, body=body, state=PostState.SCHEDULED, variants={})
    db.session.add(post)
    db.session.flush()
    for n, account in enumerate(accounts):
        db.session.add(PostTarget(post_id=post.id, account_id=account.id, state=TargetState.PUBLISHED,
                                  published_at=at, remote_id=f"r{post.id}-{n}",
                                  remote_url=f"https://example.org/{post.id}/{n}"))
    db.session.commit()
    return post
