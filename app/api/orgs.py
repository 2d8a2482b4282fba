"""/api/v1: organisations, social accounts (never their credentials), checklist status, activity."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.services import expiry_state
from app.api import schemas
from app.api.core import ApiBlueprint
from app.api.pagination import paginate
from app.extensions import db
from app.models import Organisation, Post, PostTarget, Role, SocialAccount, TargetState, utcnow
from app.security.status import account_report
from app.tenancy import effective_roles, get_scoped_or_404, scoped

bp = ApiBlueprint("api_organisations", __name__, url_prefix="/api/v1",
                  description="Organisations, social accounts, security checklist status, activity")

#: Who may read an account's security checklist (as on the security pages).
CHECKLIST_ROLES = (Role.ADMIN, Role.SECURITY_OFFICER)
ACTIVITY_WINDOWS = (7, 30, 90)


def dump_organisation(org: Organisation) -> dict[str, Any]:
    return {"id": org.id, "parent_id": org.parent_id, "name": org.name, "kind": org.kind,
            "timezone": org.timezone, "roles": sorted(effective_roles(current_user, org))}


def dump_account(account: SocialAccount) -> dict[str, Any]:
    return {"id": account.id, "organisation_id": account.organisation_id, "platform": account.platform,
            "handle": account.handle, "display_name": account.display_name, "status": account.status,
            "token_expires_at": account.token_expires_at, "token_expiry": expiry_state(account)}


def _in_subtree(query: Any, model: Any, org_id: int | None) -> Any:
    if org_id is None:
        return query
    organisation = get_scoped_or_404(Organisation, org_id, current_user)
    return query.join(Organisation, model.organisation_id == Organisation.id) \
        .where(Organisation.path.like(f"{organisation.path}%"))


@bp.route("/organisations")
@bp.arguments(schemas.PageArgs, location="query")
@bp.response(200, schemas.paged(schemas.Organisation, "OrganisationPage"))
def organisations(args: dict[str, Any]) -> dict[str, Any]:
    """Organisations you may see (each role covers the organisation and everything below it)."""
    query = scoped(Organisation, current_user).order_by(Organisation.path, Organisation.id)
    return paginate(query, args, dump_organisation)


@bp.route("/organisations/<int(max=2147483647):org_id>")
@bp.response(200, schemas.Organisation)
def organisation(org_id: int) -> dict[str, Any]:
    return dump_organisation(get_scoped_or_404(Organisation, org_id, current_user))


@bp.route("/accounts")
@bp.arguments(schemas.OrgFilter, location="query")
@bp.response(200, schemas.paged(schemas.Account, "AccountPage"))
def accounts(args: dict[str, Any]) -> dict[str, Any]:
    """Social accounts you may see; platform credentials are never part of the API."""
    query = _in_subtree(scoped(SocialAccount, current_user), SocialAccount, args.get("org_id"))
    return paginate(query.order_by(SocialAccount.id), args, dump_account)


@bp.route("/accounts/<int(max=2147483647):account_id>")
@bp.response(200, schemas.Account)
def account(account_id: int) -> dict[str, Any]:
    return dump_account(get_scoped_or_404(SocialAccount, account_id, current_user))


@bp.route("/accounts/<int(max=2147483647):account_id>/checklist")
@bp.response(200, schemas.Checklist)
def checklist(account_id: int) -> dict[str, Any]:
    """The account-hardening checklist status (admins and security officers)."""
    account = get_scoped_or_404(SocialAccount, account_id, current_user, roles=CHECKLIST_ROLES)
    report = account_report(account)
    return {"account_id": account.id, "score": report.score, "critical_problems": len(report.critical_problems),
            "items": [{"id": r.item.id, "title": r.item.text("title", get_locale()), "severity": str(r.item.severity),
                       "critical": r.item.is_critical, "status": str(r.status), "detail": r.detail,
                       "due_at": r.due_at, "expires_at": r.expires_at} for r in report.results]}


@bp.route("/activity")
@bp.arguments(schemas.OrgFilter, location="query")
@bp.response(200, schemas.paged(schemas.Activity, "ActivityPage"))
def activity(args: dict[str, Any]) -> dict[str, Any]:
    """Per organisation you may see: posts with at least one target published in the last 7/30/90 days."""
    query = scoped(Organisation, current_user)
    if args.get("org_id") is not None:
        parent = get_scoped_or_404(Organisation, args["org_id"], current_user)
        query = query.where(Organisation.path.like(f"{parent.path}%"))
    now = utcnow()
    counts: dict[int, dict[int, int]] = {}

    def dump(org: Organisation) -> dict[str, Any]:
        figures = counts.setdefault(org.id, _published_counts(org.id, now))
        return {"organisation_id": org.id, "name": org.name,
                **{f"published_{days}d": figures[days] for days in ACTIVITY_WINDOWS}}

    return paginate(query.order_by(Organisation.path, Organisation.id), args, dump)


def _published_counts(org_id: int, now: Any) -> dict[int, int]:
    figures = {}
    for days in ACTIVITY_WINDOWS:
        figures[days] = db.session.scalar(
            select(func.count(func.distinct(Post.id))).join(PostTarget, PostTarget.post_id == Post.id)
            .where(Post.organisation_id == org_id, PostTarget.state == TargetState.PUBLISHED,
                   PostTarget.published_at >= now - timedelta(days=days))) or 0
    return figures
