"""Calendar pages: month / week / list of the user's organisations, and moving a post to another time."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.calendar import services
from app.calendar.services import Filters
from app.extensions import db
from app.forms_common import LocalTimeError, local_input_value, parse_local
from app.models import Organisation, Post, Role, SocialAccount, utcnow
from app.posts.campaigns import campaign_filter_options, visible_campaign_or_404
from app.publishing import lifecycle
from app.tenancy import get_scoped_or_404, has_role, has_role_anywhere, scoped

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

#: Labels of the display statuses that are not post states (see services.Entry.status).
#: More accounts than this in the filter's reach: the user picks an organisation first.
ACCOUNT_CHOICES_MAX = 150

STATUS_LABELS = {
    "published": _l("Published"),
    "publishing": _l("Publishing"),
    "held": _l("Held"),
    "problem": _l("Needs attention"),
}

RESCHEDULE_ERRORS = {
    "published": _l("This post is being published or was already published, so it cannot be moved."),
    "past": _l("A post cannot be moved to a time in the past."),
    "after_not_after": _l("The new time is later than the post's “Do not publish after” time."),
    "invalid": _l("Please enter a valid date and time."),
}


def _day_arg(name: str, default: date) -> date:
    raw = request.args.get(name, "")
    try:
        value = date.fromisoformat(raw) if raw else default
    except ValueError:
        abort(400)
    if not 1900 <= value.year <= 2200:  # the grid reaches into the neighbouring months
        abort(400)
    return value


def _filters() -> Filters:
    """The filter values of the request, each loaded through tenancy (a foreign id is 404)."""
    filters = Filters(state=services.valid_state(request.args.get("state") or None))
    org_id = request.args.get("org_id", type=int)
    if org_id is not None:
        filters.organisation = get_scoped_or_404(Organisation, org_id, current_user)
    account_id = request.args.get("account_id", type=int)
    if account_id is not None:
        filters.account = get_scoped_or_404(SocialAccount, account_id, current_user)
    platform = (request.args.get("platform") or "").strip()
    filters.platform = platform[:32] or None
    campaign_id = request.args.get("campaign_id", type=int)
    if campaign_id is not None:
        filters.campaign = visible_campaign_or_404(current_user, campaign_id)
    return filters


def _filter_args(filters: Filters) -> dict[str, Any]:
    """Query arguments that keep the current filters in links."""
    return {k: v for k, v in {
        "org_id": filters.organisation.id if filters.organisation else None,
        "account_id": filters.account.id if filters.account else None,
        "platform": filters.platform, "state": filters.state,
        "campaign_id": filters.campaign.id if filters.campaign else None}.items() if v}


def _new_post_org(filters: Filters) -> Organisation | None:
    """The organisation an "+ post" link writes for: the chosen one, or the user's only admin one."""
    if filters.organisation is not None and has_role(current_user, filters.organisation, Role.ADMIN):
        return filters.organisation
    writable = list(db.session.scalars(scoped(Organisation, current_user, [Role.ADMIN]).limit(2)))
    return writable[0] if len(writable) == 1 else None


def _title(view: str, day: date, start: date, end: date, span: str) -> str:
    if view == "month" or (view == "list" and span != "day"):
        return format_date(day, "LLLL y")
    if view == "list":
        return format_date(day, "EEEE, d MMMM y")
    last = date.fromordinal(end.toordinal() - 1)
    return f"{format_date(start, 'd MMM')} – {format_date(last, 'd MMM y')}"


@bp.route("")
@login_required
def index() -> str:
    view = request.args.get("view", "month")
    if view not in services.VIEWS:
        view = "month"
    span = "day" if request.args.get("span") == "day" else "month"
    filters = _filters()
    zone = services.default_zone(current_user, filters)
    today = utcnow().astimezone(ZoneInfo(zone)).date()
    day = _day_arg("date", today)
    start, end = services.visible_range(view, day, span)
    page, has_next = 1, False
    if view == "list":
        located = services.locate(current_user, filters, start, end)
        page = max(request.args.get("page", 1, type=int), 1)
        offset = (page - 1) * services.LIST_PAGE_SIZE
        has_next = len(located) > offset + services.LIST_PAGE_SIZE
        located = located[offset:offset + services.LIST_PAGE_SIZE]
        grid = [d for d in services.days(located, start, end, today, None) if d.post_ids]
    else:
        limit = services.DAY_LIMIT[view]
        grid = services.days(services.first_per_day(current_user, filters, start, end, limit), start, end, today,
                             limit, day.month if view == "month" else None)
    services.fill(grid, current_user)
    # Filter choices as plain rows: a Pemda has hundreds of organisations and accounts.
    organisations = db.session.execute(scoped(Organisation, current_user).with_only_columns(
        Organisation.id, Organisation.name, Organisation.path).order_by(Organisation.path)).all()
    accounts, too_many_accounts = _account_choices(filters)
    platforms = db.session.scalars(scoped(SocialAccount, current_user).with_only_columns(
        SocialAccount.platform).distinct().order_by(SocialAccount.platform)).all()
    campaigns = campaign_filter_options(current_user, filters.organisation)
    months = {(d.day.year, d.day.month) for d in grid}
    args = _filter_args(filters)
    return render_template(
        "calendar/index.html", view=view, span=span, day=day, days=grid, title=_title(view, day, start, end, span),
        filters=filters, args=args, organisations=organisations, accounts=accounts,
        too_many_accounts=too_many_accounts, platforms=platforms, campaigns=campaigns,
        weekdays=[get_day_names("wide", locale=get_locale())[i] for i in range(7)],
        weekdays_short=[get_day_names("abbreviated", locale=get_locale())[i] for i in range(7)],
        prev_day=services.step(view, day, span, False), next_day=services.step(view, day, span, True),
        today=today, zone=zone, page=page, has_next=has_next, new_post_org=_new_post_org(filters),
        can_write=has_role_anywhere(current_user, Role.ADMIN), format_date=format_date,
        month_names={ym: format_date(date(ym[0], ym[1], 1), "MMMM y") for ym in months},
        calendar_status_labels=STATUS_LABELS,
    )


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _new_time(post: Post) -> datetime:
    """The requested time: a full local `scheduled_at`, or a `date` keeping the post's local time of day."""
    zone = post.organisation.timezone
    raw = (request.form.get("scheduled_at") or "").strip()
    if not raw and request.form.get("date"):
        current = local_input_value(post.scheduled_at, zone) if post.scheduled_at else "T09:00"
        raw = f"{request.form['date'].strip()}T{current.split('T')[1]}"
    return parse_local(raw, zone)


def _refuse(post: Post, message: str, status: int) -> Response | tuple[str, int]:
    db.session.rollback()
    if _wants_json():
        return jsonify({"ok": False, "message": message}), status
    return _form_page(post, message, request.form.get("scheduled_at", "")), status


def _form_page(post: Post, error: str | None, value: str) -> str:
    """The no-JavaScript way to move a post: a form with the new local time."""
    zone = post.organisation.timezone
    back_date = post.scheduled_at.astimezone(ZoneInfo(zone)).date().isoformat() if post.scheduled_at else None
    return render_template("calendar/reschedule.html", post=post, error=error, value=value, back_date=back_date)


@bp.route("/posts/<int:post_id>/reschedule", methods=["GET", "POST"])
@login_required
def reschedule(post_id: int) -> Response | tuple[str, int] | str:
    """Move a post to another time (the calendar's drag and drop posts here; without JS, a form)."""
    post = get_scoped_or_404(Post, post_id, current_user, roles=list(services.MOVE_ROLES))
    if request.method == "GET":
        return _form_page(post, None, local_input_value(post.scheduled_at, post.organisation.timezone))
    try:
        when = _new_time(post)
    except (LocalTimeError, ValueError):
        return _refuse(post, str(RESCHEDULE_ERRORS["invalid"]), 400)
    try:
        to_review = lifecycle.reschedule(post, when, current_user)
    except lifecycle.RescheduleError as exc:
        if exc.code == "unchanged":
            message = _("Nothing was changed.")
            if _wants_json():
                return jsonify({"ok": True, "message": message, "review": False})
            flash(message, "info")
            return redirect(url_for("calendar.index", date=when.astimezone(ZoneInfo(post.organisation.timezone))
                                    .date().isoformat()))
        return _refuse(post, str(RESCHEDULE_ERRORS[exc.code]), 409 if exc.code == "published" else 422)
    except lifecycle.InvalidTransition:
        return _refuse(post, _("This action is not possible in the post's current state."), 409)
    db.session.commit()
    local = when.astimezone(ZoneInfo(post.organisation.timezone))
    message = _("The post was moved to %(time)s.", time=f"{format_date(local.date(), 'EEEE, d MMMM y')} "
                                                         f"{local:%H:%M}")
    if to_review:
        message = " ".join([message, _("It went back to review, as this organisation requires.")])
    if _wants_json():
        return jsonify({"ok": True, "message": message, "review": to_review})
    flash(message, "success")
    return redirect(url_for("calendar.index", date=local.date().isoformat()))


def _account_choices(filters: services.Filters) -> tuple[list[Any], bool]:
    """The account filter's options: the chosen organisation's subtree, or all when there are few.

    A whole Pemda has a thousand accounts; a select of them all is unusable (and half the page's
    weight), so past `ACCOUNT_CHOICES_MAX` the user narrows by organisation first.
    """
    query = scoped(SocialAccount, current_user)
    if filters.organisation is not None:
        subtree = select(Organisation.id).where(Organisation.path.like(f"{filters.organisation.path}%"))
        query = query.where(SocialAccount.organisation_id.in_(subtree))
    rows = db.session.execute(query.with_only_columns(SocialAccount.id, SocialAccount.platform, SocialAccount.handle)
                              .order_by(SocialAccount.platform, SocialAccount.handle)
                              .limit(ACCOUNT_CHOICES_MAX + 1)).all()
    if len(rows) <= ACCOUNT_CHOICES_MAX:
        return rows, False
    chosen = filters.account
    return ([chosen] if chosen is not None else []), True

