"""/api/v1 crisis holds (app.publishing.holds) and the audit log."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_login import current_user

from app.api import schemas
from app.api.core import ApiBlueprint
from app.api.errors import ApiError
from app.api.pagination import paginate
from app.extensions import db
from app.models import AuditEvent, Hold, Organisation, Role, SocialAccount
from app.publishing import holds as hold_service
from app.publishing.views import HOLD_ERRORS
from app.tenancy import get_scoped_or_404, scoped, visible_organisation_ids

bp = ApiBlueprint("api_holds", __name__, url_prefix="/api/v1", description="Crisis holds and the audit log")

#: Who may read the audit log of an organisation (and its subtree).
AUDIT_ROLES = (Role.ADMIN, Role.SECURITY_OFFICER)


def dump_hold(hold: Hold) -> dict[str, Any]:
    return {"id": hold.id, "organisation_id": hold.organisation_id, "scope": hold.scope,
            "account_id": hold.account_id, "platform": hold.platform, "reason": hold.reason,
            "created_by_id": hold.created_by_id, "created_at": hold.created_at, "released_at": hold.released_at,
            "release_mode": hold.release_mode}


def _require_admin_somewhere() -> None:
    if not visible_organisation_ids(current_user, [Role.ADMIN]):
        raise ApiError(403, "forbidden")


@bp.route("/holds")
@bp.arguments(schemas.PageArgs, location="query")
@bp.response(200, schemas.paged(schemas.Hold, "HoldPage"))
def list_holds(args: dict[str, Any]) -> dict[str, Any]:
    """Active holds that cover an organisation you belong to (admins, as on the holds page)."""
    _require_admin_somewhere()
    ids = [h.id for h in hold_service.holds_visible_to(current_user)]
    query = db.select(Hold).where(Hold.id.in_(ids)).order_by(Hold.id)
    return paginate(query, args, dump_hold)


def _hold_error(exc: hold_service.HoldError) -> ApiError:
    db.session.rollback()
    status = 409 if exc.code in ("already_released", "still_held") else 403 if exc.code == "not_admin" else 400
    return ApiError(status, exc.code, HOLD_ERRORS.get(exc.code, _("The request could not be understood.")))


@bp.route("/holds", methods=["POST"])
@bp.arguments(schemas.HoldCreate)
@bp.response(201, schemas.Hold)
def start_hold(args: dict[str, Any]) -> dict[str, Any]:
    """Hold publishing for a scope in an organisation where you are an admin."""
    organisation = get_scoped_or_404(Organisation, args["organisation_id"], current_user, roles=[Role.ADMIN])
    account = None
    if args["account_id"] is not None:
        account = get_scoped_or_404(SocialAccount, args["account_id"], current_user, roles=[Role.ADMIN])
    try:
        hold = hold_service.start_hold(current_user, organisation, args["scope"], args["reason"], account=account,
                                       platform=args["platform"])
    except hold_service.HoldError as exc:
        raise _hold_error(exc) from None
    db.session.commit()
    return dump_hold(hold)


@bp.route("/holds/<int(max=2147483647):hold_id>/release", methods=["POST"])
@bp.arguments(schemas.HoldRelease, required=False)
@bp.response(200, schemas.Hold)
def release_hold(args: dict[str, Any], hold_id: int) -> dict[str, Any]:
    """End a hold: `resume_all` puts its targets back on time, `review` leaves them held."""
    hold = get_scoped_or_404(Hold, hold_id, current_user, roles=[Role.ADMIN])
    try:
        hold_service.release_hold(hold, current_user, args["mode"])
    except hold_service.HoldError as exc:
        raise _hold_error(exc) from None
    db.session.commit()
    return dump_hold(hold)


@bp.route("/audit-events")
@bp.arguments(schemas.AuditFilter, location="query")
@bp.response(200, schemas.paged(schemas.AuditEvent, "AuditEventPage"))
def audit_events(args: dict[str, Any]) -> dict[str, Any]:
    """Audit events of organisations where you are an admin or security officer, newest first."""
    if not visible_organisation_ids(current_user, AUDIT_ROLES):
        raise ApiError(403, "forbidden")
    query = scoped(AuditEvent, current_user, AUDIT_ROLES)
    if args.get("org_id") is not None:
        organisation = get_scoped_or_404(Organisation, args["org_id"], current_user, roles=AUDIT_ROLES)
        subtree = db.select(Organisation.id).where(Organisation.path.like(f"{organisation.path}%"))
        query = query.where(AuditEvent.organisation_id.in_(subtree))
    if args.get("actor_id") is not None:
        query = query.where(AuditEvent.actor_id == args["actor_id"])
    action = args.get("action")
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True) if action.endswith(".")
                            else AuditEvent.action == action)
    if args.get("since") is not None:
        query = query.where(AuditEvent.at >= args["since"])
    if args.get("until") is not None:
        query = query.where(AuditEvent.at < args["until"])
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    return paginate(query, args, lambda e: {
        "id": e.id, "at": e.at, "actor_id": e.actor_id, "organisation_id": e.organisation_id, "action": e.action,
        "object_type": e.object_type, "object_id": e.object_id, "before": e.before, "after": e.after, "ip": e.ip})


