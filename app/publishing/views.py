"""Routes of the pipeline: review and schedule actions, crisis holds, /health, /metrics.

Actions are small POST forms (CSRF-protected by the app-wide CSRFProtect) that
redirect back with a message; the full composer and review screens are another issue.
"""
from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Flask, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.extensions import db
from app.forms_common import parse_local
from app.models import Hold, Organisation, Post, PostTarget, Role, SocialAccount, User
from app.navigation import add_nav_entry
from app.publishing import holds, lifecycle
from app.tenancy import get_scoped_or_404, has_role, scoped, visible_organisation_ids

bp = Blueprint("publishing", __name__)

REVIEW_ERRORS = {
    "self_approval": _l("You cannot review your own post."),
    "not_a_reviewer": _l("Only reviewers and admins can approve posts."),
    "already_approved": _l("You have already approved this version."),
    "comment_required": _l("Please say why the post is rejected."),
    "no_time": _l("Set a publish time first."),
}
HOLD_ERRORS = {
    "reason_required": _l("Please give a reason for the hold."),
    "bad_scope": _l("Choose what the hold covers."),
    "not_admin": _l("Only admins can hold or release publishing."),
    "account_required": _l("Choose an account of this organisation."),
    "platform_required": _l("Choose a platform."),
    "already_released": _l("This hold has already been released."),
    "bad_mode": _l("Choose how to release the hold."),
    "still_held": _l("Another active hold still covers this post."),
}


def _back() -> Response:
    target = request.referrer or ""
    return redirect(target if target.startswith(request.host_url) else url_for("main.index"))


def _fail(message: str, code: int = 400) -> tuple[str, int]:
    db.session.rollback()
    return render_template("error.html", code=code, message=message), code


def _post_for(post_id: int, *roles: str) -> Post:
    return get_scoped_or_404(Post, post_id, current_user, roles=list(roles) if roles else None)


def _run(action, *args) -> Response | tuple[str, int]:
    try:
        action(*args)
    except lifecycle.InvalidTransition:
        return _fail(_("This action is not possible in the post's current state."), 409)
    except lifecycle.SubmissionBlocked as exc:
        return _fail(" ".join([_("This post cannot be submitted yet:"), *exc.problems]), 422)
    except lifecycle.ReviewError as exc:
        return _fail(str(REVIEW_ERRORS.get(str(exc), _("The request could not be understood."))))
    db.session.commit()
    flash(_("Saved."), "success")
    return _back()


@bp.route("/posts/<int:post_id>/submit", methods=["POST"])
@login_required
def submit(post_id: int):
    post = _post_for(post_id)
    if post.author_id != current_user.id and not has_role(current_user, post.organisation, Role.ADMIN):
        abort(403)
    return _run(lifecycle.submit, post, current_user)


@bp.route("/posts/<int:post_id>/approve", methods=["POST"])
@login_required
def approve(post_id: int):
    post = _post_for(post_id, Role.REVIEWER, Role.ADMIN)
    return _run(lifecycle.approve, post, current_user, request.form.get("comment", ""))


@bp.route("/posts/<int:post_id>/reject", methods=["POST"])
@login_required
def reject(post_id: int):
    post = _post_for(post_id, Role.REVIEWER, Role.ADMIN)
    return _run(lifecycle.reject, post, current_user, request.form.get("comment", ""))


@bp.route("/posts/<int:post_id>/schedule", methods=["POST"])
@login_required
def schedule(post_id: int):
    """Set the publish time (entered in the organisation's zone) and, if approved, schedule."""
    post = _post_for(post_id, Role.REVIEWER, Role.ADMIN)
    zone = post.organisation.timezone
    try:  # parse_local refuses times that do not exist in the zone (daylight-saving gaps)
        when = parse_local(request.form.get("scheduled_at", ""), zone)
        raw_not_after = request.form.get("not_after", "").strip()
        not_after = parse_local(raw_not_after, zone) if raw_not_after else None
        lifecycle.set_publish_time(post, when, not_after, current_user)
    except ValueError:
        return _fail(_("Please enter a valid date and time."))
    if post.state == "approved":
        return _run(lifecycle.schedule, post, current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return _back()


@bp.route("/targets/<int:target_id>/retry", methods=["POST"])
@login_required
def retry_target(target_id: int):
    target = db.session.get(PostTarget, target_id) or abort(404)
    _post_for(target.post_id, Role.REVIEWER, Role.ADMIN)
    return _run(lifecycle.retry_target, target, current_user)


@bp.route("/targets/<int:target_id>/resume", methods=["POST"])
@login_required
def resume_target(target_id: int):
    """Per-post review after a hold: send this held target back on its time."""
    target = db.session.get(PostTarget, target_id) or abort(404)
    _post_for(target.post_id, Role.ADMIN)
    try:
        holds.resume_target(target, current_user)
    except (holds.HoldError, lifecycle.InvalidTransition) as exc:
        return _fail(str(HOLD_ERRORS.get(getattr(exc, "code", ""), _("This action is not possible in the "
                                                                       "post's current state."))), 409)
    db.session.commit()
    flash(_("Saved."), "success")
    return _back()


@bp.route("/holds")
@login_required
def hold_list() -> str:
    if not visible_organisation_ids(current_user, [Role.ADMIN]):
        abort(403)
    active = holds.holds_visible_to(current_user)
    organisations = db.session.scalars(scoped(Organisation, current_user, [Role.ADMIN]).order_by(Organisation.path))
    accounts = db.session.scalars(scoped(SocialAccount, current_user, [Role.ADMIN]).order_by(SocialAccount.handle))
    return render_template("publishing/holds.html", holds=active, organisations=list(organisations),
                           accounts=list(accounts))


@bp.route("/holds", methods=["POST"])
@login_required
def hold_start():
    try:
        org_id = int(request.form.get("org_id", ""))
    except ValueError:
        return _fail(_("The request could not be understood."))
    organisation = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    account = None
    if request.form.get("account_id"):
        try:
            account = get_scoped_or_404(SocialAccount, int(request.form["account_id"]), current_user,
                                        roles=[Role.ADMIN])
        except ValueError:
            return _fail(_("The request could not be understood."))
    try:
        holds.start_hold(current_user, organisation, request.form.get("scope", ""), request.form.get("reason", ""),
                         account=account, platform=request.form.get("platform") or None)
    except holds.HoldError as exc:
        return _fail(str(HOLD_ERRORS[exc.code]))
    db.session.commit()
    flash(_("Publishing is on hold."), "success")
    return redirect(url_for("publishing.hold_list"))


@bp.route("/holds/<int:hold_id>/release", methods=["POST"])
@login_required
def hold_release(hold_id: int):
    hold = get_scoped_or_404(Hold, hold_id, current_user, roles=[Role.ADMIN])
    try:
        holds.release_hold(hold, current_user, request.form.get("mode", "resume_all"))
    except holds.HoldError as exc:
        return _fail(str(HOLD_ERRORS[exc.code]), 409 if exc.code == "already_released" else 400)
    db.session.commit()
    flash(_("The hold was released."), "success")
    return redirect(url_for("publishing.hold_list"))


def is_top_level_admin(user: User) -> bool:
    """Whether `user` is an admin of an organisation without a parent (the whole installation's health)."""
    return db.session.scalar(scoped(Organisation, user, [Role.ADMIN])
                             .where(Organisation.parent_id.is_(None)).limit(1)) is not None


# -- operators ---------------------------------------------------------------------------------------


def _operator_allowed() -> bool:
    """An operator token (Authorization: Bearer ...) or a request from an allowed network."""
    token = current_app.config.get("WARTA_METRICS_TOKEN") or ""
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and given and hmac.compare_digest(token, given):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    networks = [n.strip() for n in current_app.config.get("WARTA_METRICS_ALLOWED_NETWORKS", "").split(",") if n.strip()]
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


@bp.route("/health")
def health():
    """JSON health for monitors (operator token or allowed network)."""
    from app.publishing.health import check_and_alert

    if not _operator_allowed():
        abort(403)
    snapshot = check_and_alert()
    return jsonify(snapshot), 200 if snapshot["status"] == "ok" else 503


@bp.route("/admin/health")
@login_required
def health_page() -> str:
    from app.publishing.health import health_snapshot

    # The snapshot covers the whole installation, so only admins of a top-level organisation see it.
    if not is_top_level_admin(current_user):
        abort(403)
    return render_template("publishing/health.html", snapshot=health_snapshot())


@bp.route("/metrics")
def metrics() -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
    from prometheus_client.registry import CollectorRegistry

    from app.publishing.metrics import PipelineCollector

    if not _operator_allowed():
        abort(403)
    registry = CollectorRegistry()
    registry.register(PipelineCollector(current_app._get_current_object()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_nav_entry(app, "publishing.hold_list", _l("Publishing hold"), 80, roles=[Role.ADMIN])
    add_nav_entry(app, "publishing.health_page", _l("Health"), 90, visible=is_top_level_admin)
