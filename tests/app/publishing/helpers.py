"""Shared set-up for pipeline tests: an organisation with an author, a reviewer and recorder accounts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.extensions import db
from app.models import Organisation, Post, PostTarget, Role, SocialAccount, User, utcnow
from app.publishing import lifecycle


@dataclass
class Desk:
    org: Organisation
    author: User
    reviewer: User
    admin: User
    accounts: list[SocialAccount]


def make_desk(factory, accounts: int = 1, platform: str = "recorder", **settings) -> Desk:
    org = factory.org(**settings)
    author = factory.user(org, Role.VIEWER)
    reviewer = factory.user(org, Role.REVIEWER)
    admin = factory.user(org, Role.ADMIN)
    return Desk(org, author, reviewer, admin, [factory.account(org, platform) for _ in range(accounts)])


def scheduled_post(factory, desk: Desk, when: datetime | None = None, not_after: datetime | None = None,
                   body: str = "Halo") -> Post:
    """A post approved by the reviewer and scheduled for `when` on every desk account."""
    post = factory.post(desk.org, desk.author, body=body)
    for account in desk.accounts:
        db.session.add(PostTarget(post=post, account_id=account.id))
    db.session.flush()
    lifecycle.set_publish_time(post, when or utcnow() - timedelta(seconds=1), not_after)
    lifecycle.submit(post, desk.author)
    lifecycle.approve(post, desk.reviewer)
    db.session.commit()
    return post
