"""Routes of the connect flow (see app/connect/__init__.py)."""
from __future__ import annotations

import hmac
import logging
import secrets
import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from adapters import adapter_classes, get_adapter
from adapters.base import AccountRef, AdapterError
from app.connect import services
from app.extensions import db
from app.models import Organisation, Role, SocialAccount
from app.tenancy import visible_organisation_ids

logger = logging.getLogger(__name__)
bp = Blueprint("connect", __name__, url_prefix="/connect")
STATE_SECONDS = 10 * 60


def _admin_org_ids() -> set[int]:
    return visible_organisation_ids(current_user, roles=[Role.ADMIN])


def _require_platform(platform: str) -> None:
    if platform not in adapter_classes():
        abort(404)
    if not _admin_org_ids():
        abort(403)


def _redirect_uri(platform: str) -> str:
    return f"{current_app.config['WARTA_PUBLIC_URL']}{url_for('connect.callback', platform=platform)}"


@bp.route("/")
@login_required
def index() -> str:
    """The platforms an admin can connect accounts from."""
    if not _admin_org_ids():
        abort(403)
    platforms = sorted((cls.display_name or slug, slug) for slug, cls in adapter_classes().items())
    return render_template("connect/index.html", platforms=platforms)


@bp.route("/<platform>")
@login_required
def start(platform: str) -> Response:
    """Send the admin to the platform's consent page with a fresh state (and PKCE)."""
    _require_platform(platform)
    adapter = get_adapter(platform)
    state = secrets.token_urlsafe(24)
    verifier, challenge = services.pkce_pair() if getattr(adapter, "supports_pkce", False) else (None, None)
    session["connect"] = {"platform": platform, "state": state, "verifier": verifier, "at": int(time.time())}
    return redirect(adapter.authorize_url(state, _redirect_uri(platform), challenge))


@bp.route("/<platform>/callback", methods=["GET"])
@login_required
def callback(platform: str) -> Response | str | tuple[str, int]:
    """Verify state, exchange the code, and show the accounts found."""
    _require_platform(platform)
    pending = session.pop("connect", None)
    state = request.args.get("state", "")
    if (not pending or pending.get("platform") != platform or time.time() - pending.get("at", 0) > STATE_SECONDS
            or not hmac.compare_digest(str(pending.get("state", "")), state)):
        return render_template("error.html", code=400,
                               message=_("This connection link is invalid or has expired. Please start again.")), 400
    if request.args.get("error") or not request.args.get("code"):
        flash(_("The platform did not grant access, so nothing was connected."), "warning")
        return redirect(url_for("main.index"))
    adapter = get_adapter(platform)
    try:
        found = adapter.exchange_code(request.args["code"], _redirect_uri(platform), pending.get("verifier"))
    except AdapterError as exc:
        logger.info("connect %s: exchange failed: %s", platform, exc.code)
        return render_template("error.html", code=502, message=_(
            "The platform refused the connection: %(reason)s", reason=exc.platform_message)), 502
    if not found:
        flash(_("No accounts were found that this login can manage."), "warning")
        return redirect(url_for("main.index"))
    key = services.stash_pending(current_user.id, found)
    return redirect(url_for("connect.choose", platform=platform, key=key))


@bp.route("/<platform>/choose", methods=["GET", "POST"])
@login_required
def choose(platform: str) -> Response | str | tuple[str, int]:
    """The admin picks an organisation for each found account (or skips it)."""
    _require_platform(platform)
    key = request.values.get("key", "")
    found = services.load_pending(key, current_user.id) if key else None
    if found is None:
        return render_template("error.html", code=400,
                               message=_("This connection link is invalid or has expired. Please start again.")), 400
    allowed = _admin_org_ids()
    organisations = db.session.scalars(
        db.select(Organisation).where(Organisation.id.in_(allowed)).order_by(Organisation.path)).all()
    if request.method == "GET":
        return render_template("connect/choose.html", platform=platform, key=key, found=found,
                               organisations=organisations)
    return _save_choices(key, found, allowed)


def _save_choices(key: str, found: list[dict], allowed: set[int]) -> Response | tuple[str, int]:
    choices: list[tuple[dict, int, SocialAccount | None]] = []
    for index, entry in enumerate(found):
        raw = request.form.get(f"org_{index}", "")
        if not raw:
            continue
        if not raw.isdigit() or int(raw) not in allowed:
            abort(403)
        existing = db.session.scalar(db.select(SocialAccount).where(
            SocialAccount.platform == entry["platform"], SocialAccount.external_id == entry["external_id"]))
        if existing is not None and existing.organisation_id not in allowed:
            return render_template("error.html", code=409, message=_(
                "%(handle)s is already connected to an organisation you do not administer.",
                handle=entry["handle"])), 409
        choices.append((entry, int(raw), existing))
    if not choices:
        flash(_("No account was chosen, so nothing was connected."), "warning")
        return redirect(url_for("connect.choose", platform=request.view_args["platform"], key=key))
    # Read every account's facts before writing anything.
    facts: list[dict] = []
    for entry, _org_id, _existing in choices:
        adapter = get_adapter(entry["platform"])
        ref = AccountRef(account_id=0, external_id=entry["external_id"], handle=entry["handle"],
                         credentials=entry["tokens"])
        try:
            facts.append(services.facts_to_dict(adapter.account_facts(ref)))
        except AdapterError as exc:
            facts.append({"facts_error": exc.platform_message})
    for (entry, org_id, existing), account_facts in zip(choices, facts, strict=True):
        services.store_account(entry, org_id, account_facts, existing)
    db.session.commit()
    services.drop_pending(key)
    flash(_("%(count)d account(s) connected.", count=len(choices)), "success")
    return redirect(url_for("main.index"))
