"""The signed-in person's own account page: language, password, recovery codes, 2FA status.

Every change is audited; a password or recovery-code change ends every other
session of the user (the session token rotates, this session is kept).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app import audit
from app.auth import mfa
from app.auth.forms import LanguageForm, PasswordChangeForm, RecoveryCodesForm
from app.auth.guard import end_other_sessions
from app.auth.limits import FAILED_ATTEMPT_STATUS, throttled
from app.auth.passwords import hash_password, verify_password
from app.extensions import db
from app.models import utcnow

bp = Blueprint("account", __name__, url_prefix="/account")

Page = tuple[str, int]


def _page(status: int = 200, **forms: Any) -> Page:
    language = forms.pop("language", None) or LanguageForm(locale=current_user.locale)
    password = forms.pop("password", None) or PasswordChangeForm(formdata=None)
    recovery = forms.pop("recovery", None) or RecoveryCodesForm(formdata=None)
    unused = sum(1 for code in current_user.recovery_codes if code.used_at is None)
    status_key = mfa.mfa_status(current_user)
    return render_template(
        "account/index.html", language_form=language, password_form=password, recovery_form=recovery,
        mfa_status=status_key, mfa_label=mfa.MFA_STATUS_LABELS[status_key], unused_recovery_codes=unused,
    ), status


@bp.route("", methods=["GET"])
@login_required
def index() -> Page:
    return _page()


@bp.route("/language", methods=["POST"])
@login_required
def language() -> Response | Page:
    form = LanguageForm()
    if not form.validate_on_submit():
        return _page(400, language=form)
    before = {"locale": current_user.locale}
    current_user.locale = form.locale.data
    session["locale"] = form.locale.data
    audit.record("user.language_changed", current_user, before=before, after={"locale": form.locale.data})
    db.session.commit()
    flash(_("Language saved."), "info")
    return redirect(url_for("account.index"))


@bp.route("/password", methods=["POST"])
@login_required
@throttled
def password() -> Response | Page:
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _page(400, password=form)
    if not verify_password(current_user.password_hash, form.current_password.data):
        audit.record("auth.password_change_failed", current_user)
        db.session.commit()
        form.current_password.errors = [_("The current password is wrong.")]
        return _page(FAILED_ATTEMPT_STATUS, password=form)
    current_user.password_hash = hash_password(form.new_password.data)
    current_user.password_changed_at = utcnow()
    end_other_sessions(current_user)
    audit.record("auth.password_changed", current_user)
    db.session.commit()
    flash(_("Password changed. You were signed out everywhere else."), "info")
    return redirect(url_for("account.index"))


@bp.route("/recovery-codes", methods=["POST"])
@login_required
@throttled
def recovery_codes() -> Response | Page:
    """New recovery codes (the old ones stop working); needs a current authenticator code."""
    if not current_user.totp_enabled:
        flash(_("Turn on two-step verification first."), "warning")
        return redirect(url_for("auth.enrol"))
    form = RecoveryCodesForm()
    if not form.validate_on_submit():
        return _page(400, recovery=form)
    if not mfa.verify_totp(current_user, form.code.data):
        audit.record("auth.recovery_codes_failed", current_user)
        db.session.commit()
        form.code.errors = [_("That code is not valid. Check your phone's clock and try again.")]
        return _page(FAILED_ATTEMPT_STATUS, recovery=form)
    codes = mfa.new_recovery_codes(current_user)
    end_other_sessions(current_user)
    audit.record("auth.recovery_codes_regenerated", current_user, after={"count": len(codes)})
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes), 200
