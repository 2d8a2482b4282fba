"""A small Pemda tree for the targets view and the CSV import/export tests."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import Organisation, Post, PostTarget, SocialAccount, User


@dataclass
class Desk:
    root: Organisation
    opd: Organisation  # Asia/Makassar (WITA)
    other: Organisation  # a sibling OPD in Jakarta
    admin: User  # admin at the root
    opd_admin: User  # admin of `opd` only
    viewer: User  # viewer at the root
    facebook: SocialAccount
    x: SocialAccount
    other_x: SocialAccount
    post: Post


@pytest.fixture
def desk(app, factory) -> Desk:
    root = factory.org("Diskominfo Balikpapan", kind="diskominfo", timezone="Asia/Makassar")
    opd = factory.org("Dinas Kesehatan", parent=root, timezone="Asia/Makassar")
    other = factory.org("Dinas Pendidikan", parent=root, timezone="Asia/Jakarta")
    admin = factory.user(root, "admin", name="Admin Kota", email="admin@kota.example.org")
    opd_admin = factory.user(opd, "admin", name="Admin Dinkes", email="dinkes@kota.example.org")
    viewer = factory.user(root, "viewer", name="Pemantau", email="viewer@kota.example.org")
    facebook = factory.account(opd, "facebook", handle="dinkes.bpp")
    x = factory.account(opd, "x", handle="dinkesbpp")
    other_x = factory.account(other, "x", handle="disdikbpp")
    post = factory.post(opd, opd_admin, title="Posyandu Sabtu", body="Posyandu Sabtu ini",
                        scheduled_at=datetime(2026, 11, 24, 0, 0, tzinfo=UTC))
    db.session.add_all([PostTarget(post_id=post.id, account_id=facebook.id, state="published",
                                   remote_url="https://facebook.example/p/1",
                                   published_at=datetime(2026, 11, 24, 0, 1, tzinfo=UTC)),
                        PostTarget(post_id=post.id, account_id=x.id, state="failed",
                                   last_error="The platform refused this post. Its message: duplicate",
                                   due_at=datetime(2026, 11, 24, 0, 0, tzinfo=UTC))])
    db.session.commit()
    return Desk(root, opd, other, admin, opd_admin, viewer, facebook, x, other_x, post)
