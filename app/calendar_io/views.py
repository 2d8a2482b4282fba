"""Routes: the targets view (retry / reconnect), CSV export of posts and targets, CSV calendar import."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from app import audit
from app.accounts.services import visible_accounts
from app.calendar_io import export, filters, importer
from app.extensions import db
from app.models import AccountStatus, Organisation, Post, PostState, PostTarget, Role, TargetState, utcnow
from app.posts import services as post_services
from app.posts.campaigns import campaign_filter_options
from app.publishing import lifecycle
from app.tenancy import get_scoped_or_404, scoped, visible_organisation_ids

bp = Blueprint("calendar_io", __name__)

PAGE_SIZE = 50
T = TargetState
#: States a person may send out again: final states the lifecycle lets go back to `scheduled`.
RETRYABLE = frozenset(s for s in lifecycle.FINAL_TARGET_STATES if T.SCHEDULED in lifecycle.TARGET_TRANSITIONS[s])
#: Badge colour per target state (warta.css: badge-ok / badge-warn / badge-bad).
STATE_TONES = {T.PUBLISHED: "ok", T.FAILED: "bad", T.NEEDS_RECONNECT: "bad", T.EXPIRED: "bad",
               T.UNCONFIRMED: "warn", T.HELD: "warn", T.PUBLISHING: "warn"}


@dataclass(frozen=True)
class TargetRow:
    """One line of the targets view with the actions the signed-in user may take on it."""

    target: PostTarget
    due_at: datetime | None
    tone: str
    can_retry: bool
    can_reconnect: bool


def _row(target: PostTarget, admin_org_ids: set[int]) -> TargetRow:
    post, account = target.post, target.account
    manages = post.organisation_id in admin_org_ids  # the post page's `manage_targets` rule (admin)
    return TargetRow(
        target=target, due_at=target.due_at or post.scheduled_at, tone=STATE_TONES.get(target.state, ""),
        can_retry=manages and target.state in RETRYABLE and account.status == AccountStatus.ACTIVE,
        can_reconnect=account.organisation_id in admin_org_ids and (
            target.state == T.NEEDS_RECONNECT or account.status == AccountStatus.NEEDS_RECONNECT),
    )


def _admin_org_ids() -> set[int]:
    return visible_organisation_ids(current_user, [Role.ADMIN])


def _back_to_list() -> str:
    """The list URL the action came from (same filter and page), never another site."""
    given = request.form.get("next", "")
    return given if given.startswith("/targets") and "//" not in given else url_for("calendar_io.targets")


@bp.route("/targets")
@login_required
def targets() -> str:
    chosen = filters.read_filter(request.args, current_user, TargetState)
    page = max(request.args.get("page", 1, type=int), 1)
    found = list(db.session.scalars(filters.targets_query(current_user, chosen)
                                    .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).unique())
    admin_ids = _admin_org_ids()
    accounts = visible_accounts(current_user)
    return render_template(
        "calendar_io/targets.html", rows=[_row(t, admin_ids) for t in found[:PAGE_SIZE]],
        has_next=len(found) > PAGE_SIZE, page=page, chosen=chosen, args=chosen.query_args(),
        post_args={k: v for k, v in chosen.query_args().items() if k != "state"},  # target states are not post states
        organisations=list(db.session.scalars(scoped(Organisation, current_user).order_by(Organisation.name))),
        accounts=accounts, platforms=sorted({a.platform for a in accounts}), here=request.full_path.rstrip("?"),
        campaigns=campaign_filter_options(current_user, chosen.organisation),
    )


@bp.route("/targets/<int:target_id>/try-again", methods=["POST"])
@login_required
def retry(target_id: int) -> BaseResponse | str | tuple[str, int]:
    """Send a failed or expired target out again through the lifecycle (audited); htmx gets the new row."""
    target = db.session.get(PostTarget, target_id) or abort(404)
    post = get_scoped_or_404(Post, target.post_id, current_user, roles=[Role.ADMIN])
    if not post_services.workflow_actions(post, current_user).manage_targets:
        abort(403)
    if target.state not in RETRYABLE or target.account.status != AccountStatus.ACTIVE:
        return _conflict(target, _("This target cannot be sent again now. Reconnect its account first if asked to."))
    try:
        lifecycle.retry_target(target, current_user)
    except lifecycle.InvalidTransition:
        return _conflict(target, _("This action is not possible in the post's current state."))
    db.session.commit()
    message = _("The target will be sent again.")
    if request.headers.get("HX-Request"):
        return _row_fragment(target, message, "success")
    flash(message, "success")
    return redirect(_back_to_list())


def _row_fragment(target: PostTarget, message: str, category: str) -> str:
    """The row as it is now, with a message in it (the htmx answer)."""
    return render_template("calendar_io/_target_row.html", row=_row(target, _admin_org_ids()), here=_back_to_list(),
                           notice=message, notice_category=category)


def _conflict(target: PostTarget, message: str) -> str | tuple[str, int]:
    """Refused: htmx gets the current row with the reason (htmx swaps only 2xx), a plain form a 409 page."""
    db.session.rollback()
    if request.headers.get("HX-Request"):
        return _row_fragment(target, message, "error")
    return render_template("error.html", code=409, message=message), 409


# -- CSV export --------------------------------------------------------------------------------------


def _csv_response(name: str, header: tuple[str, ...], rows) -> Response:
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    response = Response(stream_with_context(export.csv_stream(header, rows)), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="warta-{name}-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _audit_export(action: str, chosen: filters.ListFilter) -> None:
    audit.record(action, organisation_id=chosen.organisation.id if chosen.organisation else None,
                 after={"filter": chosen.query_args()})
    db.session.commit()


@bp.route("/targets/export.csv")
@login_required
def targets_csv() -> Response:
    chosen = filters.read_filter(request.args, current_user, TargetState)
    _audit_export("targets.exported", chosen)
    return _csv_response("targets", export.TARGET_COLUMNS,
                         export.target_rows(filters.targets_query(current_user, chosen)))


@bp.route("/posts/export.csv")
@login_required
def posts_csv() -> Response:
    """Posts for the posts list's filter (org_id, state) plus account, platform and date range."""
    chosen = filters.read_filter(request.args, current_user, PostState)
    _audit_export("posts.exported", chosen)
    return _csv_response("posts", export.post_columns(), export.post_rows(filters.posts_query(current_user, chosen)))


# -- CSV import --------------------------------------------------------------------------------------


@bp.route("/posts/import/template.csv")
@login_required
def import_template() -> Response:
    """An empty calendar with the columns and one example row (docs/CSV.md explains them)."""
    columns = importer.template_columns()
    example = {"organisation": _("Dinas Kominfo"), "accounts": "instagram:diskominfo;x:@diskominfo",
               "title": _("Posyandu reminder"), "body": _("Posyandu this Saturday at 08:00 at the village hall."),
               "scheduled_at": "2026-12-24 08:00"}
    return _csv_response("calendar-template", columns, iter([[example.get(c, "") for c in columns]]))


@bp.route("/posts/import", methods=["GET", "POST"])
@login_required
def import_calendar() -> str | tuple[str, int]:
    if not post_services.admin_organisations(current_user):
        abort(403)
    max_bytes, max_rows = importer.limits()
    context = {"max_kb": max_bytes // 1024, "max_rows": max_rows, "columns": importer.template_columns()}
    if request.method == "GET":
        return render_template("calendar_io/import.html", result=None, **context)
    if (request.content_length or 0) > max_bytes + 64 * 1024:  # refuse before reading a huge body
        return _import_refused(importer.ImportRefused(
            _("The file is larger than %(size)d kB. Split the calendar into several files.", size=max_bytes // 1024),
            413), context)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_refused(importer.ImportRefused(_("Choose a CSV file to import.")), context)
    raw = upload.stream.read(max_bytes + 1)
    try:
        result = importer.import_calendar(raw, current_user, filename=upload.filename,
                                          dry_run=bool(request.form.get("check_only")))
    except importer.ImportRefused as refused:
        return _import_refused(refused, context)
    if result.created:
        flash(_("Drafts created: %(count)d.", count=len(result.post_ids)), "success")
    status = 422 if result.errors else 200
    return render_template("calendar_io/import.html", result=result, **context), status


def _import_refused(refused: importer.ImportRefused, context: dict) -> tuple[str, int]:
    db.session.rollback()
    return render_template("calendar_io/import.html", result=None, refused=refused.message, **context), \
        refused.status


def can_import() -> bool:
    """Whether the signed-in user may import (an admin somewhere); templates show the link by it."""
    return bool(current_user.is_authenticated and _admin_org_ids())

