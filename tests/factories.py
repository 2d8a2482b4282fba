"""Small factories for test data, and a helper to sign a test client in."""
from __future__ import annotations

import itertools
import time
from typing import Any

from app.auth.passwords import hash_password
from app.crypto import encrypt_json
from app.extensions import db
from app.models import Membership, Organisation, OrgKind, Post, SocialAccount, User

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_password_hash = None


def _hashed() -> str:
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    return _password_hash


class Factory:
    """Creates committed rows with sensible defaults."""

    def org(self, name: str | None = None, parent: Organisation | None = None, kind: str = OrgKind.OPD,
            timezone: str = "Asia/Jakarta", require_2fa: bool = False, **settings: Any) -> Organisation:
        from app.demo import create_organisation

        org = create_organisation(name or f"Org {next(_counter)}", kind, parent, timezone=timezone)
        org.require_2fa = require_2fa
        org.settings = settings
        db.session.commit()
        return org

    def user(self, org: Organisation | None = None, role: str | None = None, email: str | None = None,
             name: str | None = None, **fields: Any) -> User:
        n = next(_counter)
        user = User(email=email or f"user{n}@example.org", name=name or f"User {n}",
                    password_hash=_hashed(), **fields)
        db.session.add(user)
        if org is not None and role is not None:
            db.session.add(Membership(user=user, organisation=org, role=role))
        db.session.commit()
        return user

    def member(self, user: User, org: Organisation, role: str) -> Membership:
        membership = Membership(user=user, organisation=org, role=role)
        db.session.add(membership)
        db.session.commit()
        return membership

    def account(self, org: Organisation, platform: str = "instagram", handle: str | None = None,
                credentials: dict[str, Any] | None = None, **fields: Any) -> SocialAccount:
        handle = handle or f"acct{next(_counter)}"
        account = SocialAccount(organisation=org, platform=platform, handle=handle, display_name=handle,
                                external_id=f"ext-{platform}-{handle}",
                                credentials_encrypted=encrypt_json(credentials or {"access_token": f"tok-{handle}"}),
                                **fields)
        db.session.add(account)
        db.session.commit()
        return account

    def post(self, org: Organisation, author: User, body: str = "Halo Balikpapan", **fields: Any) -> Post:
        post = Post(organisation=org, author=author, body=body, variants=fields.pop("variants", {}), **fields)
        db.session.add(post)
        db.session.commit()
        return post


def sign_in(client: Any, user: User, mfa_ok: bool = True) -> None:
    """Put a signed-in session for `user` into the test client (the real flow is tested in tests/auth)."""
    now = int(time.time())
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["auth_at"] = now
        session["seen_at"] = now
        session["mfa_ok"] = mfa_ok
