"""Checks run before every request for a signed-in user: time-outs and the second factor."""
from __future__ import annotations

import time

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from app.auth.mfa import user_requires_2fa
from app.extensions import login_manager
from app.models import User

#: Endpoints reachable before the second factor is done.
PRE_MFA_ENDPOINTS = {"auth.totp", "auth.enrol", "auth.logout", "auth.login", "static", "main.set_language"}


def enforce_session_rules() -> Response | None:
    """End expired sessions; keep half-signed-in users on the 2FA pages.

    /api ignores session cookies: its requests start anonymous (the cookie is never read or rewritten)
    and app.api.core signs in the owner of a valid bearer token for that request only.
    """
    if request.path.startswith("/api/"):
        g._login_user = login_manager.anonymous_user()
        return None
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    idle = current_app.config["WARTA_SESSION_IDLE_SECONDS"]
    absolute = current_app.config["PERMANENT_SESSION_LIFETIME"]
    auth_at = session.get("auth_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - auth_at > absolute or now - seen_at > idle:
        logout_user()
        session.clear()
        flash(_("Your session has ended. Please sign in again."), "warning")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    session["seen_at"] = now
    if session.get("mfa_ok") or request.endpoint in PRE_MFA_ENDPOINTS:
        return None
    if current_user.totp_enabled:
        return redirect(url_for("auth.totp"))
    if user_requires_2fa(current_user):
        return redirect(url_for("auth.enrol"))
    session["mfa_ok"] = True
    return None


def end_other_sessions(user: User) -> None:
    """Rotate the user's session token (ending every session) and keep only this one signed in.

    Used after a password or second-factor change (ASVS 5 V7.4.3). The caller commits.
    """
    real_user = user._get_current_object() if hasattr(user, "_get_current_object") else user
    real_user.end_all_sessions()
    login_user(real_user)  # writes the new token into this session; auth_at/mfa_ok stay as they were
