"""Fixtures for /api/v1 tests: a Pemda tree with every role, accounts, a post, and real tokens."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from app.api import tokens
from app.extensions import db
from app.models import Organisation, OrgKind, Post, PostTarget, SocialAccount, User


@dataclass
class World:
    root: Organisation
    opd: Organisation
    foreign: Organisation
    users: dict[str, User]
    account: SocialAccount
    foreign_account: SocialAccount
    post: Post
    foreign_post: Post
    secrets: dict[str, str] = field(default_factory=dict)


def token_for(user: User, *scopes: str) -> str:
    """A real token for `user` (who gets 2FA switched on if needed)."""
    if not user.totp_enabled:
        user.totp_enabled = True
    secret = tokens.create_token(user, "test", set(scopes or ("read",))).secret
    db.session.commit()
    return secret


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def world(factory: Any) -> World:
    root = factory.org("Diskominfo Balikpapan", kind=OrgKind.DISKOMINFO)
    opd = factory.org("Dinas Kesehatan", parent=root)
    foreign = factory.org("Diskominfo Samarinda", kind=OrgKind.DISKOMINFO)
    users = {role: factory.user(root, role, totp_enabled=True)
             for role in ("admin", "reviewer", "security_officer", "coordinator", "viewer")}
    users["opd_admin"] = factory.user(opd, "admin", totp_enabled=True)
    users["foreign_admin"] = factory.user(foreign, "admin", totp_enabled=True)
    account = factory.account(opd, "x", handle="dinkes_bpp")
    foreign_account = factory.account(foreign, "x", handle="kominfo_smd")
    post = factory.post(opd, users["opd_admin"], body="Vaksinasi gratis di puskesmas")
    db.session.add(PostTarget(post_id=post.id, account_id=account.id))
    foreign_post = factory.post(foreign, users["foreign_admin"], body="Rahasia Samarinda")
    db.session.add(PostTarget(post_id=foreign_post.id, account_id=foreign_account.id))
    db.session.commit()
    return World(root, opd, foreign, users, account, foreign_account, post, foreign_post)


@pytest.fixture
def make_app(app_config: dict) -> Any:
    """Build an app with extra settings (the shared fixture turns rate limits and CSRF off).

    Yields a function `overrides -> (app, client, user)`; `user` is a viewer with 2FA on.
    """
    from app import create_app
    from app.redis_conn import get_redis
    from tests.conftest import RequestIsolatingClient, _empty_all_tables
    from tests.factories import Factory

    contexts = []

    def build(**overrides: Any) -> tuple[Any, Any, User]:
        app = create_app({**app_config, **overrides})
        app.test_client_class = RequestIsolatingClient
        context = app.app_context()
        context.push()
        contexts.append(context)
        get_redis(app).flushdb()
        factory = Factory()
        user = factory.user(factory.org("Diskominfo Uji", kind=OrgKind.DISKOMINFO), "viewer", totp_enabled=True)
        return app, app.test_client(), user

    yield build
    for context in reversed(contexts):
        db.session.remove()
        _empty_all_tables(db)
        db.engine.dispose()
        context.pop()
