"""No plaintext platform token or TOTP seed in a full database dump or in DEBUG logs; key rotation works."""
from __future__ import annotations

import logging
import re
import shutil
import sqlite3
import subprocess

import pyotp
import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from app.auth import mfa
from app.crypto import decrypt_json
from app.extensions import db
from app.models import AuditEvent, SocialAccount, User
from tests.factories import PASSWORD

TOKEN = "EAAG-known-platform-token-4f1c2d9e8b7a"
REFRESH = "refresh-known-6a5b4c3d2e1f"


def _dump_database() -> str:
    """The whole database as text: iterdump / pg_dump, plus every row of every table."""
    url = make_url(str(db.engine.url))
    parts = []
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as conn:
            parts.append("\n".join(conn.iterdump()))
    elif shutil.which("pg_dump"):
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        parts.append(subprocess.run(["pg_dump", "--data-only", f"--dbname={plain}"], check=True,
                                    capture_output=True, text=True, timeout=60).stdout)
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - names from the schema
                parts.append(" ".join(_as_text(value) for value in row))
    return "\n".join(parts)


def _as_text(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    return str(value)


def _forms(secret: str) -> list[str]:
    """A secret as text and as the hex that dumps use for binary columns."""
    return [secret, secret.encode().hex()]


def _enrol_through_the_pages(client, user) -> str:
    page = client.get("/auth/enrol").get_data(as_text=True)
    seed = re.search(r"<code>([A-Z2-7]{32})</code>", page).group(1)
    assert client.post("/auth/enrol", data={"code": pyotp.TOTP(seed).now()}).status_code == 200
    return seed


def test_dump_and_logs_hold_no_plaintext_token_or_seed(app, client, factory, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")  # SQL and its parameters
    org = factory.org(require_2fa=True)
    account = factory.account(org, "facebook", credentials={"access_token": TOKEN, "refresh_token": REFRESH})
    user = factory.user(org, "admin")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    seed = _enrol_through_the_pages(client, user)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    session_data = app.session_interface.get_signing_serializer(app).loads(cookie)
    client.post("/auth/logout")

    dump = _dump_database()
    db.session.expire_all()
    account = db.session.get(SocialAccount, account.id)
    user = db.session.get(User, user.id)
    assert decrypt_json(account.credentials_encrypted)["access_token"] == TOKEN
    assert mfa.totp_secret(user) == seed
    ciphertexts = [bytes(account.credentials_encrypted).decode(), bytes(user.totp_secret_encrypted).decode()]
    assert all(c.startswith("gAAAAA") for c in ciphertexts)
    assert all(any(form in dump for form in _forms(c)) for c in ciphertexts), "ciphertext missing from the dump"

    logs = caplog.text
    assert "INSERT INTO" in logs or "UPDATE" in logs  # the SQL really was logged at DEBUG
    for secret in (TOKEN, REFRESH, seed):
        for form in _forms(secret):
            assert form not in dump, f"plaintext secret in the database dump: {secret}"
            assert form not in logs, f"plaintext secret in the logs: {secret}"
        assert secret not in str(session_data), "plaintext secret in the session cookie"
        assert secret not in repr(account) + repr(user)


def test_rotate_keys_re_encrypts_with_the_new_key(app, factory):
    old_key = app.config["WARTA_ENCRYPTION_KEYS"][0]
    org = factory.org()
    account = factory.account(org, "x", credentials={"access_token": TOKEN})
    user = factory.user(org, "admin")
    seed = mfa.new_totp_secret()
    mfa.set_totp_secret(user, seed)
    db.session.commit()
    account_id, user_id = account.id, user.id

    new_key = Fernet.generate_key().decode()
    app.config["WARTA_ENCRYPTION_KEYS"] = [new_key, old_key]  # new key first, old still decrypts
    result = app.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "2" in result.output

    db.session.expire_all()
    app.config["WARTA_ENCRYPTION_KEYS"] = [new_key]  # the old key is gone
    account, user = db.session.get(SocialAccount, account_id), db.session.get(User, user_id)
    assert decrypt_json(account.credentials_encrypted) == {"access_token": TOKEN}
    assert mfa.totp_secret(user) == seed
    app.config["WARTA_ENCRYPTION_KEYS"] = [old_key]
    with pytest.raises(InvalidToken):
        decrypt_json(account.credentials_encrypted)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "security.keys_rotated"))
    assert event is not None and event.after == {"re_encrypted": 2}
