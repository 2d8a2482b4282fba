"""Registry rows for the influencer tests."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from app.extensions import db
from app.models import (
    Agreement,
    ConsentRecord,
    Influencer,
    InfluencerHandle,
    Organisation,
    Post,
    PostCollaboration,
    PostTarget,
    SocialAccount,
    utcnow,
)


def influencer(org: Organisation, name: str = "Ayu", **handles: tuple[str, str | None]) -> Influencer:
    row = Influencer(organisation_id=org.id, name=name, contact="0812-0000", notes="")
    for platform, (handle, user_id) in handles.items():
        row.handles.append(InfluencerHandle(organisation_id=org.id, platform=platform, handle=handle,
                                            platform_user_id=user_id))
    db.session.add(row)
    db.session.commit()
    return row


def consent(person: Influencer, given_at: datetime | None = None,
            withdrawn_at: datetime | None = None) -> ConsentRecord:
    row = ConsentRecord(organisation_id=person.organisation_id, influencer=person, given_by=person.name,
                        given_at=given_at or utcnow() - timedelta(days=30), method="signed_form",
                        withdrawn_at=withdrawn_at)
    db.session.add(row)
    db.session.commit()
    return row


def agreement(person: Influencer, starts_on: date, ends_on: date, paid: bool = True,
              third_party_brand: bool = False) -> Agreement:
    row = Agreement(organisation_id=person.organisation_id, influencer=person, starts_on=starts_on, ends_on=ends_on,
                    paid=paid, third_party_brand=third_party_brand)
    db.session.add(row)
    db.session.commit()
    return row


def collaborate(post: Post, person: Influencer, *kinds: str) -> list[PostCollaboration]:
    rows = [PostCollaboration(organisation_id=post.organisation_id, post_id=post.id, influencer_id=person.id, kind=k)
            for k in kinds]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def target(post: Post, account: SocialAccount) -> PostTarget:
    row = PostTarget(post=post, account=account)
    db.session.add(row)
    db.session.commit()
    return row
