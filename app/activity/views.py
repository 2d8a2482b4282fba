"""Activity pages: the OPD dashboard, one organisation's posts with audience figures, the target
setting, the leaderboard and the monthly evaluation report (HTML, CSV, PDF)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from app import audit
from app.activity import audience, charts, evaluation, report
from app.activity.forms import TargetForm
from app.activity.stats import (
    ACTIVE_MIN_WEEKS,
    ACTIVE_WINDOW_WEEKS,
    TREND_WEEKS,
    WINDOWS,
    organisation_rows,
    tree_activity,
)
from app.extensions import db
from app.i18n import format_local, to_local
from app.models import Organisation, OrgKind, PostTarget, Role, SocialAccount, TargetState, utcnow
from app.tenancy import get_scoped_or_404, has_role, scoped

bp = Blueprint("activity", __name__, url_prefix="/activity")

PAGE_SIZE = 50
KIND_LABELS = {OrgKind.DISKOMINFO: _l("Diskominfo"), OrgKind.OPD: _l("OPD"), OrgKind.KECAMATAN: _l("Kecamatan"),
               OrgKind.KELURAHAN: _l("Kelurahan")}


@bp.app_template_filter("activity_number")
def _number(value: int | float | None) -> str:
    """A figure with the locale's digit grouping (1.234 in Indonesian), or a dash when unknown."""
    return "—" if value is None else format_decimal(value)


def _root_from_args() -> Organisation | None:
    org_id = request.args.get("org_id", type=int)
    return get_scoped_or_404(Organisation, org_id, current_user) if org_id else None


def _kind_from_args() -> str | None:
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KIND_LABELS:
        abort(400)
    return kind


@bp.route("/")
@login_required
def dashboard() -> str:
    """Every organisation of the user's tree × platform: counts, weeks meeting the target, status, trends."""
    root, kind = _root_from_args(), _kind_from_args()
    rows = db.session.execute(organisation_rows(current_user, root, kind)).all()
    tree = tree_activity(rows)
    now = tree.computed_at
    ordered = sorted(tree.organisations, key=lambda o: (o.active, o.weeks_met, o.counts[30], o.name.lower()))
    page = max(request.args.get("page", 1, type=int), 1)
    shown = ordered[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    zone = rows[0].timezone if rows else "Asia/Jakarta"
    week_labels = [format_local(start, zone, "%d/%m") for start in tree.week_starts]
    followers = audience.latest_followers([o.id for o in shown])
    weekly_total = tree.weekly_total
    return render_template(
        "activity/dashboard.html", tree=tree, shown=shown, page=page, weekly_total=weekly_total,
        has_next=page * PAGE_SIZE < len(ordered), now=now, root=root, kind=kind, kind_labels=KIND_LABELS,
        windows=WINDOWS, week_labels=week_labels, followers=followers,
        tree_chart=charts.bar_chart(weekly_total, week_labels),
        spark_svg=charts.sparkline_svg, active_window=ACTIVE_WINDOW_WEEKS, active_min=ACTIVE_MIN_WEEKS,
        trend_weeks=TREND_WEEKS, zone=zone,
        admin_of={o.id for o in shown if has_role(current_user, o, Role.ADMIN)},  # by path, no query
        patterns=_row_patterns())


def _row_patterns() -> dict[str, str]:
    """Translated %-patterns for the table rows, filled with `|format` (one lookup per page, not per row)."""
    return {"of": _("%(met)s of %(n)s"),
            "spark": _("Posts per week, oldest first: %(values)s; target %(target)s")}


@bp.route("/organisations/<int:org_id>")
@login_required
def organisation(org_id: int) -> str:
    """One organisation: weekly chart against its target, and its recent published posts with audience figures."""
    organisation = get_scoped_or_404(Organisation, org_id, current_user)
    rows = db.session.execute(organisation_rows(current_user).where(Organisation.id == organisation.id)).all()
    tree = tree_activity(rows)
    org = tree.organisations[0]
    week_labels = [format_local(start, organisation.timezone, "%d/%m") for start in tree.week_starts]
    targets = db.session.execute(
        select(PostTarget, SocialAccount.platform, SocialAccount.handle)
        .join(SocialAccount, SocialAccount.id == PostTarget.account_id)
        .where(SocialAccount.organisation_id == organisation.id, PostTarget.state == TargetState.PUBLISHED)
        .order_by(PostTarget.published_at.desc()).limit(50)).all()
    metrics = audience.latest_post_metrics([t.id for t, _p, _h in targets])
    form = TargetForm(target=organisation.posts_per_week_target)
    return render_template(
        "activity/organisation.html", organisation=organisation, org=org, targets=targets, metrics=metrics,
        chart=charts.bar_chart(org.weekly, week_labels, target=org.target), week_labels=week_labels,
        windows=WINDOWS, now=tree.computed_at, followers=audience.latest_followers([organisation.id]),
        can_edit=has_role(current_user, organisation, Role.ADMIN), target_form=form,
        active_window=ACTIVE_WINDOW_WEEKS, active_min=ACTIVE_MIN_WEEKS, to_local=to_local)


@bp.route("/organisations/<int:org_id>/target", methods=["POST"])
@login_required
def set_target(org_id: int) -> Response | tuple[str, int]:
    """An admin of the organisation sets its posts-per-week target (audited)."""
    organisation = get_scoped_or_404(Organisation, org_id, current_user, [Role.ADMIN])
    form = TargetForm()
    if not form.validate_on_submit():
        message = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return render_template("error.html", code=400, message=message or _("Enter a number from 1 to 100.")), 400
    before = {"posts_per_week_target": organisation.posts_per_week_target}
    organisation.posts_per_week_target = form.target.data
    audit.record("activity.target_set", organisation, organisation_id=organisation.id, before=before,
                 after={"posts_per_week_target": form.target.data})
    db.session.commit()
    flash(_("Weekly target saved."), "success")
    return redirect(url_for("activity.organisation", org_id=organisation.id))


def _period_from_args() -> tuple[date, date]:
    today = to_local(utcnow(), "Asia/Jakarta").date()  # type: ignore[union-attr]
    try:
        start = date.fromisoformat(request.args["start"]) if request.args.get("start") else date(today.year, 1, 1)
        end = date.fromisoformat(request.args["end"]) if request.args.get("end") else today
    except ValueError:
        abort(400, _("Dates must look like 2026-01-31."))
    if end < start or (end - start).days > 3 * 366:
        abort(400, _("The period must end after it starts and be at most three years long."))
    return start, end


@bp.route("/leaderboard")
@login_required
def leaderboard() -> str:
    """Organisations ranked for a period: consistency, approval turnaround, checklist score."""
    root, kind = _root_from_args(), _kind_from_args()
    start, end = _period_from_args()
    organisations = list(db.session.scalars(_organisations(root, kind)))
    entries = evaluation.leaderboard(organisations, start, end)
    return render_template("activity/leaderboard.html", entries=entries, start=start, end=end, root=root,
                           kind=kind, kind_labels=KIND_LABELS)


def _organisations(root: Organisation | None, kind: str | None) -> Select:
    query = scoped(Organisation, current_user).order_by(Organisation.path)
    if root is not None:
        query = query.where(Organisation.path.like(f"{root.path}%"))
    if kind:
        query = query.where(Organisation.kind == kind)
    return query


def _month_from_args(zone: str) -> date:
    raw = request.args.get("month")
    if not raw:
        first_this_month = to_local(utcnow(), zone).date().replace(day=1)  # type: ignore[union-attr]
        return (first_this_month - timedelta(days=1)).replace(day=1)
    try:
        return date.fromisoformat(f"{raw}-01")
    except ValueError:
        abort(400, _("The month must look like 2026-11."))


def _monthly(org_id: int) -> tuple[Organisation, evaluation.MonthlyReport]:
    organisation = get_scoped_or_404(Organisation, org_id, current_user)
    month = _month_from_args(organisation.timezone)
    subtree = list(db.session.scalars(_organisations(organisation, None)))
    return organisation, evaluation.monthly_report(organisation, subtree, month)


@bp.route("/organisations/<int:org_id>/report")
@login_required
def monthly_report(org_id: int) -> str | Response:
    """Printable monthly evaluation of an organisation tree; `?format=csv` for CSV."""
    organisation, data = _monthly(org_id)
    if request.args.get("format") == "csv":
        return Response(report.to_csv(data), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="activity-{organisation.id}-{data.month:%Y-%m}.csv"',
            "Cache-Control": "private, no-store"})
    return render_template("activity/report.html", organisation=organisation, data=data, printed_at=utcnow())


@bp.route("/organisations/<int:org_id>/report.pdf")
@login_required
def monthly_report_pdf(org_id: int) -> Response:
    organisation, data = _monthly(org_id)
    return Response(report.to_pdf(data), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="activity-{organisation.id}-{data.month:%Y-%m}.pdf"',
        "Cache-Control": "private, no-store"})
