"""Sign-in, second factor, enrolment and sign-out."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from cryptography.fernet import InvalidToken
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app import audit
from app.auth import mfa
from app.auth.forms import EnrolForm, LoginForm, TotpForm
from app.auth.guard import end_other_sessions
from app.auth.limits import FAILED_ATTEMPT_STATUS, throttled
from app.auth.passwords import DUMMY_HASH, verify_password
from app.crypto import decrypt_text, encrypt_text
from app.extensions import db
from app.models import User, utcnow

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in (no open redirect).

    Browsers read a backslash as a slash and drop tabs and newlines, so a
    backslash or a tab after the first slash turns it into "//evil.example":
    any backslash, whitespace or control character refuses the target.
    """
    fallback = url_for("main.index")
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if any(char == "\\" or char.isspace() or ord(char) < 32 or ord(char) == 127 for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


@bp.route("/login", methods=["GET", "POST"])
@throttled
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated and session.get("mfa_ok"):
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(db.select(User).where(User.email == email))
        ok = verify_password(user.password_hash if user else DUMMY_HASH, form.password.data)
        if not ok or user is None or not user.active:
            audit.record("auth.login_failed", after={"email": email[:254]}, actor_id=user.id if user else None)
            db.session.commit()
            flash(_("Wrong email or password."), "error")
            return render_template("auth/login.html", form=form), FAILED_ATTEMPT_STATUS
        session.clear()  # a fresh session on every sign-in (no fixation)
        login_user(user)
        now = int(time.time())
        session.update(auth_at=now, seen_at=now, mfa_ok=False, next=_safe_next(request.args.get("next")))
        if not user.totp_enabled and not mfa.user_requires_2fa(user):
            return _finish_sign_in(user, method="password")
        return redirect(url_for("auth.totp" if user.totp_enabled else "auth.enrol"))
    return render_template("auth/login.html", form=form)


def _finish_sign_in(user: User, method: str) -> Response:
    session["mfa_ok"] = True
    user.last_login_at = utcnow()
    audit.record("auth.login", user, after={"method": method}, actor_id=user.id)
    db.session.commit()
    return redirect(session.pop("next", None) or url_for("main.index"))


@bp.route("/totp", methods=["GET", "POST"])
@login_required
@throttled
def totp() -> Response | str | tuple[str, int]:
    if session.get("mfa_ok"):
        return redirect(url_for("main.index"))
    if not current_user.totp_enabled:
        return redirect(url_for("auth.enrol"))
    form = TotpForm()
    if form.validate_on_submit():
        code = form.code.data
        if mfa.verify_totp(current_user, code):
            return _finish_sign_in(current_user, method="totp")
        if mfa.use_recovery_code(current_user, code):
            return _finish_sign_in(current_user, method="recovery_code")
        audit.record("auth.totp_failed", current_user, actor_id=current_user.id)
        db.session.commit()
        flash(_("That code is not valid. Check your phone's clock, or use a recovery code."), "error")
        return render_template("auth/totp.html", form=form), FAILED_ATTEMPT_STATUS
    return render_template("auth/totp.html", form=form)


@bp.route("/enrol", methods=["GET", "POST"])
@login_required
@throttled
def enrol() -> Response | str | tuple[str, int]:
    """Set up TOTP: scan the QR code, confirm one code, receive recovery codes once."""
    if current_user.totp_enabled:
        # Replacing a working second factor from a session alone would let a stolen
        # session lock the owner out; it is not offered (an admin resets 2FA instead).
        return redirect(url_for("account.index" if session.get("mfa_ok") else "auth.totp"))
    secret = _enrolment_secret()
    form = EnrolForm()
    if form.validate_on_submit():
        if not mfa.verify_totp(current_user, form.code.data, secret=secret):
            flash(_("That code is not valid. Scan the QR code again and enter the new code."), "error")
            uri = mfa.provisioning_uri(current_user, secret)
            page = render_template("auth/enrol.html", form=form, qr_svg=mfa.qr_svg(uri), secret=secret)
            return page, FAILED_ATTEMPT_STATUS
        mfa.set_totp_secret(current_user, secret)
        current_user.totp_enabled = True
        codes = mfa.new_recovery_codes(current_user)
        session.pop("enrol_secret", None)
        session["mfa_ok"] = True
        audit.record("auth.totp_enrolled", current_user, actor_id=current_user.id)
        end_other_sessions(current_user)  # a new second factor ends every other session
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes)
    uri = mfa.provisioning_uri(current_user, secret)
    return render_template("auth/enrol.html", form=form, qr_svg=mfa.qr_svg(uri), secret=secret)


def _enrolment_secret() -> str:
    """The seed being enrolled, kept encrypted in the session cookie until it is confirmed."""
    stored = session.get("enrol_secret")
    if stored:
        try:
            return decrypt_text(stored.encode())
        except InvalidToken:
            pass
    secret = mfa.new_totp_secret()
    session["enrol_secret"] = encrypt_text(secret).decode()
    return secret


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out and end every other session of this user too."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        user.end_all_sessions()
        audit.record("auth.logout", user, actor_id=user.id)
        db.session.commit()
        logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
