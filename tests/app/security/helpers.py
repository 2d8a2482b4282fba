"""Shared set-up for the security tests: a Diskominfo with one OPD, its people and an account."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image

from app.extensions import db
from app.models import Organisation, OrgKind, Role, SocialAccount, User, utcnow
from app.security import actions
from app.security.evidence import CheckedUpload, check_upload
from app.security.items import find_item


def png_bytes(colour: str = "white", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def qr_png(text: str) -> bytes:
    import qrcode

    buffer = io.BytesIO()
    qrcode.make(text).save(buffer)
    return buffer.getvalue()


@dataclass
class World:
    root: Organisation
    opd: Organisation
    admin: User
    admin2: User
    officer: User
    officer2: User
    account: SocialAccount


def build_world(factory, platform: str = "instagram") -> World:
    root = factory.org("Diskominfo Kota", kind=OrgKind.DISKOMINFO)
    opd = factory.org("Dinas Kesehatan", parent=root)
    admin = factory.user(opd, Role.ADMIN, name="Admin OPD")
    admin2 = factory.user(opd, Role.ADMIN, name="Admin Dua")
    officer = factory.user(root, Role.SECURITY_OFFICER, name="Petugas Keamanan")
    officer2 = factory.user(root, Role.SECURITY_OFFICER, name="Petugas Dua")
    account = factory.account(opd, platform)
    return World(root, opd, admin, admin2, officer, officer2, account)


def upload(note: str = "") -> CheckedUpload:
    return check_upload(png_bytes(), "screenshot.png", note)


def attest_and_accept(world: World, item_id: str, checked_on: datetime | None = None,
                      attester: User | None = None, reviewer: User | None = None):
    item = find_item(world.account, item_id)
    attestation = actions.attest(world.account, item, attester or world.admin, checked_on or utcnow(), "ok",
                                 upload())
    db.session.flush()
    actions.review(attestation, reviewer or world.officer, True, "")
    db.session.commit()
    return attestation


def accept_all_critical(world: World, checked_on: datetime | None = None) -> None:
    """Attest and accept every critical item of the account (so the gate opens)."""
    from app.security.status import account_report

    for result in account_report(world.account).results:
        if result.item.is_critical:
            attest_and_accept(world, result.item.id, checked_on)


def days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def login(client, user: User) -> None:
    """Sign `user` in; also forget the previous request's user and locale, which the test app context's `g` keeps."""
    from flask import g

    from tests.factories import sign_in

    sign_in(client, user)
    for key in [k for k in vars(g) if k in ("_login_user", "_flask_babel") or k.startswith("_warta_memberships_")]:
        g.pop(key, None)
