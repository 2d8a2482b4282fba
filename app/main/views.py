"""Home page, language switch and error pages."""
from __future__ import annotations

import math
import time

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from app import audit
from app.extensions import db
from app.main.overview import overview

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index() -> str:
    return render_template("main/index.html", overview=overview(current_user))


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Switch the interface language (saved on the user when signed in)."""
    locale = request.form.get("locale", "")
    if locale not in current_app.config["WARTA_LOCALES"]:
        return render_template("error.html", code=400, message=_("Unknown language.")), 400
    session["locale"] = locale
    if current_user.is_authenticated and current_user.locale != locale:
        before = {"locale": current_user.locale}
        current_user.locale = locale
        audit.record("user.language_changed", current_user, before=before, after={"locale": locale})
        db.session.commit()
    target = request.referrer or ""
    host = request.host_url
    return redirect(target if target.startswith(host) else url_for("main.index"))


def _error(code: int, message: str) -> tuple[str, int]:
    return render_template("error.html", code=code, message=message), code


@bp.app_errorhandler(400)
def bad_request(error: Exception) -> tuple[str, int]:
    return _error(400, _("The request could not be understood."))


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> tuple[str, int]:
    return _error(400, _("The form expired or came from another site. Reload the page and try again."))


@bp.app_errorhandler(403)
def forbidden(error: Exception) -> tuple[str, int]:
    return _error(403, _("You do not have access to this page."))


@bp.app_errorhandler(404)
def not_found(error: Exception) -> tuple[str, int]:
    return _error(404, _("Page not found."))


@bp.app_errorhandler(405)
def method_not_allowed(error: Exception) -> tuple[str, int]:
    return _error(405, _("This action is not allowed here."))


@bp.app_errorhandler(409)
def conflict(error: Exception) -> tuple[str, int]:
    return _error(409, _("This cannot be changed in its current state."))


@bp.app_errorhandler(413)
def too_large(error: Exception) -> tuple[str, int]:
    return _error(413, _("The upload is too large."))


@bp.app_errorhandler(429)
def too_many(error: Exception) -> tuple[str, int]:
    from app.extensions import limiter

    current = limiter.current_limit
    seconds = current.reset_at - time.time() if current is not None else 60
    minutes = max(1, math.ceil(seconds / 60))
    return _error(429, ngettext("Too many attempts. Please wait %(num)d minute and try again.",
                                "Too many attempts. Please wait %(num)d minutes and try again.", minutes))


@bp.app_errorhandler(500)
def server_error(error: Exception) -> tuple[str, int]:
    db.session.rollback()
    return _error(500, _("Something went wrong on our side. The team has been told."))
