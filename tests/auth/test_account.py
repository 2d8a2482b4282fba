"""The account page: language, password change, new recovery codes, 2FA link; every change audited."""
from __future__ import annotations

import pyotp

from app.auth import mfa
from app.auth.passwords import verify_password
from app.extensions import db
from app.models import AuditEvent
from tests.auth.helpers import enrol_totp
from tests.factories import PASSWORD, sign_in

NEW = "a brand new passphrase"


def _actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_account_page_needs_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_account_page_without_2fa_links_to_enrolment(client, factory):
    user = factory.user(factory.org(), "viewer")
    sign_in(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert "/auth/enrol" in page
    assert "/account/recovery-codes" not in page
    assert 'href="/account"' in client.get("/").get_data(as_text=True)  # linked from the header


def test_language_change_is_saved_and_audited(client, factory):
    user = factory.user(factory.org(), "viewer")
    sign_in(client, user)
    response = client.post("/account/language", data={"locale": "en"})
    assert response.status_code == 302
    assert user.locale == "en"
    assert "My account" in client.get("/account").get_data(as_text=True)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.language_changed"))
    assert event.before == {"locale": "id"} and event.after == {"locale": "en"} and event.actor_id == user.id
    assert client.post("/account/language", data={"locale": "fr"}).status_code == 400


def test_password_change_needs_the_current_password(client, factory):
    user = factory.user(factory.org(), "viewer")
    sign_in(client, user)
    old_hash, old_token = user.password_hash, user.session_token
    response = client.post("/account/password",
                           data={"current_password": "not it at all", "new_password": NEW, "confirm_password": NEW})
    assert response.status_code == 401
    assert "Kata sandi saat ini salah" in response.get_data(as_text=True)
    assert user.password_hash == old_hash and user.session_token == old_token
    assert _actions() == ["auth.password_change_failed"]


def test_password_length_rules(client, factory):
    user = factory.user(factory.org(), "viewer")
    sign_in(client, user)
    old_hash = user.password_hash
    for new in ("short12", "x" * 129):
        response = client.post("/account/password",
                               data={"current_password": PASSWORD, "new_password": new, "confirm_password": new})
        assert response.status_code == 400
    mismatch = client.post("/account/password",
                           data={"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW + "!"})
    assert mismatch.status_code == 400
    assert user.password_hash == old_hash and _actions() == []
    # No composition rules: eight lowercase letters, or 128 characters of anything, are fine.
    for new in ("abcdefgh", "ü" * 128):
        response = client.post("/account/password",
                               data={"current_password": PASSWORD if new == "abcdefgh" else "abcdefgh",
                                     "new_password": new, "confirm_password": new})
        assert response.status_code == 302, new


def test_password_change_rotates_sessions_and_is_audited(client, factory):
    user = factory.user(factory.org(), "viewer")
    sign_in(client, user)
    old_token = user.session_token
    response = client.post("/account/password",
                           data={"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW})
    assert response.status_code == 302
    assert verify_password(user.password_hash, NEW) and user.password_changed_at is not None
    assert user.session_token != old_token
    assert client.get("/account").status_code == 200  # this session survived the rotation
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "auth.password_changed"))
    assert event.actor_id == user.id
    assert NEW not in str(event.after) and NEW not in str(event.before)


def test_new_recovery_codes_need_a_current_totp_code(client, factory):
    user = factory.user(factory.org(require_2fa=True), "admin")
    secret = enrol_totp(user)
    old_codes = mfa.new_recovery_codes(user)
    db.session.commit()
    sign_in(client, user)
    assert client.post("/account/recovery-codes", data={"code": "123456"}).status_code == 401
    assert client.post("/account/recovery-codes", data={"code": old_codes[0]}).status_code == 400
    assert _actions() == ["auth.recovery_codes_failed"]

    response = client.post("/account/recovery-codes", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    new_codes = [code for code in _codes_on(page)]
    assert len(new_codes) == mfa.RECOVERY_CODE_COUNT and not set(new_codes) & set(old_codes)
    assert not mfa.use_recovery_code(user, old_codes[1])  # the old set no longer works
    assert mfa.use_recovery_code(user, new_codes[0])
    assert _actions()[-1] == "auth.recovery_codes_regenerated"
    # Shown once: the account page afterwards lists none of them.
    assert not any(code in client.get("/account").get_data(as_text=True) for code in new_codes)


def test_recovery_codes_without_2fa_lead_to_enrolment(client, factory):
    user = factory.user(factory.org(), "viewer")
    sign_in(client, user)
    response = client.post("/account/recovery-codes", data={"code": "123456"})
    assert response.status_code == 302 and response.location.endswith("/auth/enrol")


def test_mfa_status_values(app, factory):
    optional, required = factory.org(require_2fa=False), factory.org(require_2fa=True)
    plain, pending, enrolled = factory.user(optional, "viewer"), factory.user(required, "admin"), factory.user()
    enrol_totp(enrolled)
    assert [mfa.mfa_status(u) for u in (plain, pending, enrolled)] == [mfa.MFA_OFF, mfa.MFA_MISSING, mfa.MFA_ON]
    child = factory.org(parent=required)
    assert mfa.mfa_status(factory.user(child, "viewer")) == mfa.MFA_MISSING  # required by an ancestor


def _codes_on(page: str) -> list[str]:
    import re

    return re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", page)


def test_enrolled_user_cannot_replace_the_second_factor_from_a_session(client, factory):
    user = factory.user(factory.org(require_2fa=True), "admin")
    enrol_totp(user)
    encrypted = user.totp_secret_encrypted
    sign_in(client, user)
    for response in (client.get("/auth/enrol"), client.post("/auth/enrol", data={"code": "123456"})):
        assert response.status_code == 302 and response.location.endswith("/account")
    assert user.totp_secret_encrypted == encrypted


def test_enrolment_ends_other_sessions_and_is_audited(app, factory):
    import re

    user = factory.user(factory.org(require_2fa=True), "admin")
    other, this = app.test_client(), app.test_client()
    sign_in(other, user)
    this.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    page = this.get("/auth/enrol").get_data(as_text=True)
    seed = re.search(r"<code>([A-Z2-7]{32})</code>", page).group(1)
    assert this.post("/auth/enrol", data={"code": "000000"}).status_code == 401
    assert this.post("/auth/enrol", data={"code": pyotp.TOTP(seed).now()}).status_code == 200
    assert user.totp_enabled and mfa.totp_secret(user) == seed
    assert this.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert _actions() == ["auth.totp_enrolled"]
