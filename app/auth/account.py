"""The signed-in person's own account page: language, password, recovery codes, 2FA status.

Every change is audited; a password or recovery-code change ends every other
session of the user (the session token rotates, this session is kept).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app import audit
from app.api import tokens as api_tokens
from app.auth import mfa
from app.auth.forms import ApiTokenForm, LanguageForm, PasswordChangeForm, RecoveryCodesForm
from app.auth.guard import end_other_sessions
from app.auth.limits import FAILED_ATTEMPT_STATUS, throttled
from app.auth.passwords import hash_password, verify_password
from app.extensions import db
from app.models import ApiToken, utcnow

bp = Blueprint("account", __name__, url_prefix="/account")

Page = tuple[str, int]


def _page(status: int = 200, **forms: Any) -> Page:
    language = forms.pop("language", None) or LanguageForm(locale=current_user.locale)
    password = forms.pop("password", None) or PasswordChangeForm(formdata=None)
    recovery = forms.pop("recovery", None) or RecoveryCodesForm(formdata=None)
    token_form = forms.pop("token", None) or ApiTokenForm(formdata=None)
    unused = sum(1 for code in current_user.recovery_codes if code.used_at is None)
    status_key = mfa.mfa_status(current_user)
    return render_template(
        "account/index.html", language_form=language, password_form=password, recovery_form=recovery,
        mfa_status=status_key, mfa_label=mfa.MFA_STATUS_LABELS[status_key], unused_recovery_codes=unused,
        token_form=token_form, api_tokens=api_tokens.tokens_of(current_user), now=utcnow(),
        may_approve=api_tokens.may_approve(current_user),
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
    revoked = api_tokens.revoke_all(current_user)  # a new password: the old credentials may be known
    audit.record("auth.password_changed", current_user)
    db.session.commit()
    flash(_("Password changed. You were signed out everywhere else."), "info")
    if revoked:
        flash(_("Your API tokens were revoked; make new ones if you still need them."), "info")
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
    if not _code_accepted(form, "auth.recovery_codes_failed"):
        return _page(FAILED_ATTEMPT_STATUS, recovery=form)
    codes = mfa.new_recovery_codes(current_user)
    end_other_sessions(current_user)
    audit.record("auth.recovery_codes_regenerated", current_user, after={"count": len(codes)})
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes), 200


TOKEN_ERRORS = {
    "name_required": _l("Give the token a name."),
    "bad_scopes": _l("Choose at least one permission."),
    "mfa_required": _l("Turn on two-step verification first."),
    "not_a_reviewer": _l("Only reviewers and admins can make a token that approves posts."),
    "expiry_in_past": _l("Choose an expiry in the future."),
}


@bp.route("/api-tokens", methods=["POST"])
@login_required
@throttled
def create_api_token() -> Page:
    """A personal API token, shown once; needs a current authenticator code (a new credential)."""
    if not current_user.totp_enabled:
        flash(_("Turn on two-step verification first."), "warning")
        return redirect(url_for("auth.enrol"))  # type: ignore[return-value]
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _page(400, token=form)
    if not _code_accepted(form, "api_token.create_failed"):
        return _page(FAILED_ATTEMPT_STATUS, token=form)
    days = int(form.expires_in_days.data or 0)
    try:
        new = api_tokens.create_token(current_user, form.name.data, set(form.scopes.data),
                                      utcnow() + timedelta(days=days) if days else None)
    except api_tokens.TokenError as exc:
        db.session.rollback()
        form.scopes.errors = [str(TOKEN_ERRORS[exc.code])]
        return _page(400, token=form)
    db.session.commit()
    return render_template("account/api_token_created.html", token=new.token, secret=new.secret), 201


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int) -> Response:
    """Revoke one of your own tokens (someone else's token answers 404)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if api_tokens.revoke_token(token, current_user):
        db.session.commit()
        flash(_("The token was revoked; it no longer works."), "info")
    return redirect(url_for("account.index"))


def _code_accepted(form: FlaskForm, failed_action: str) -> bool:
    """Check the form's current authenticator code; a wrong one is audited and shown on the field."""
    if mfa.verify_totp(current_user, form.code.data):
        return True
    audit.record(failed_action, current_user)
    db.session.commit()
    form.code.errors = [_("That code is not valid. Check your phone's clock and try again.")]
    return False

