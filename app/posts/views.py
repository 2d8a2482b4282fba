"""Post drafts: list, view, create, edit, delete."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

import plugins
from app.accounts.services import active_accounts_in_subtree
from app.extensions import db
from app.forms_common import ConfirmForm, form_page, local_input_value
from app.models import Organisation, Post, PostState, Role
from app.posts import services
from app.posts.forms import PostForm, account_choices, post_form_class
from app.tenancy import get_scoped_or_404, has_role, scoped

bp = Blueprint("posts", __name__, url_prefix="/posts")

PAGE_SIZE = 50


@bp.route("")
@login_required
def index() -> str:
    organisation = None
    org_id = request.args.get("org_id", type=int)
    if org_id is not None:
        organisation = get_scoped_or_404(Organisation, org_id, current_user)
    state = request.args.get("state") or None
    if state not in {s.value for s in PostState}:
        state = None
    page = max(request.args.get("page", 1, type=int), 1)
    query = services.posts_query(current_user, organisation, state)
    posts = list(db.session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)))
    organisations = list(db.session.scalars(scoped(Organisation, current_user).order_by(Organisation.name)))
    return render_template(
        "posts/index.html", posts=posts[:PAGE_SIZE], has_next=len(posts) > PAGE_SIZE, page=page,
        organisation=organisation, state=state, organisations=organisations,
        can_write=bool(services.admin_organisations(current_user)),
    )


@bp.route("/<int:post_id>")
@login_required
def view(post_id: int) -> str:
    post = get_scoped_or_404(Post, post_id, current_user)
    return render_template("posts/view.html", post=post, accounts=services.target_accounts(post),
                           can_edit=_can_edit(post), workflow=services.workflow_actions(post, current_user),
                           issues=plugins.post_issues(post))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int] | str:
    org_id = request.args.get("org_id", type=int)
    if org_id is None:
        choices = services.admin_organisations(current_user)
        if not choices:
            abort(403)
        if len(choices) > 1:
            return render_template("posts/choose_org.html", organisations=choices)
        org_id = choices[0].id
    organisation = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    accounts = active_accounts_in_subtree(current_user, organisation)
    form = _build_form(accounts)
    if form.is_submitted():
        valid = form.validate()  # then our own checks too, so every problem is shown at once
        data = services.read_form(form, organisation, {a.id: a for a in accounts})
        if not _attach_errors(form, data) and valid:
            post = services.create_post(organisation, current_user, data)
            flash(_("The draft was saved."), "success")
            _flash_rule_problems(post)
            return redirect(url_for("posts.view", post_id=post.id))
    return form_page("posts/edit.html", form, post=None, organisation=organisation, accounts=accounts)


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> Response | tuple[str, int]:
    post = get_scoped_or_404(Post, post_id, current_user, roles=[Role.ADMIN])
    _ensure_editable(post)
    organisation = post.organisation
    offered = {a.id: a for a in active_accounts_in_subtree(current_user, organisation)}
    offered.update({a.id: a for a in services.target_accounts(post)})  # keep current targets selectable
    accounts = sorted(offered.values(), key=lambda a: (a.platform, a.handle))
    form = _build_form(accounts, post)
    if form.is_submitted():
        valid = form.validate()
        data = services.read_form(form, organisation, offered)
        if not _attach_errors(form, data) and valid:
            changed = services.update_post(post, data)
            flash(_("The draft was saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            _flash_rule_problems(post)
            return redirect(url_for("posts.view", post_id=post_id))
    return form_page("posts/edit.html", form, post=post, organisation=organisation, accounts=accounts,
                     issues=plugins.post_issues(post))


@bp.route("/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id: int) -> Response | tuple[str, int] | str:
    post = get_scoped_or_404(Post, post_id, current_user, roles=[Role.ADMIN])
    _ensure_editable(post)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.delete_post(post)
        flash(_("The draft was deleted."), "success")
        return redirect(url_for("posts.index"))
    if form.is_submitted():
        return render_template("error.html", code=400, message=_("The form expired. Please try again.")), 400
    return render_template("posts/delete.html", post=post, form=form)


def _flash_rule_problems(post: Post) -> None:
    """Show what content rules (plugins) find; a draft is saved anyway, submission will refuse."""
    for problem in services.rule_problems(post):
        if problem.blocking:
            flash(_("Must be fixed before submitting: %(problem)s", problem=problem.message), "warning")
        else:
            flash(_("Please check: %(problem)s", problem=problem.message), "info")


def _can_edit(post: Post) -> bool:
    return post.state in services.EDITABLE_STATES and has_role(current_user, post.organisation, Role.ADMIN)


def _ensure_editable(post: Post) -> None:
    if post.state not in services.EDITABLE_STATES:
        abort(409)


def _build_form(accounts: list, post: Post | None = None) -> PostForm:
    form_class = post_form_class(a.platform for a in accounts)
    form = form_class()
    form.accounts.choices = account_choices(accounts)
    if post is None and not form.is_submitted():
        _prefill_date(form)
    if post is not None and not form.is_submitted():
        zone = post.organisation.timezone
        form.title.data, form.body.data = post.title, post.body
        form.accounts.data = [t.account_id for t in post.targets]
        form.scheduled_at.data = local_input_value(post.scheduled_at, zone)
        form.not_after.data = local_input_value(post.not_after, zone)
        for platform, variant in form.variant_fields():
            variant.data = ((post.variants or {}).get(platform) or {}).get("body", "")
    return form


def _prefill_date(form: PostForm) -> None:
    """`?date=YYYY-MM-DD` (the calendar's "+ post" on an empty day) proposes 09:00 that day."""
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return
    form.scheduled_at.data = f"{day.isoformat()}T09:00"


def _attach_errors(form: PostForm, data: services.PostInput) -> bool:
    """Copy validation problems onto the form's fields; True when there were any."""
    for name, messages in data.errors.items():
        form[name].errors = [*form[name].errors, *messages]
    return bool(data.errors)
