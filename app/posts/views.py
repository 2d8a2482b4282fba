"""Post drafts: list, view, create, edit, delete."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

import plugins
from app import audit
from app.accounts.services import active_accounts_in_subtree
from app.extensions import db
from app.forms_common import ConfirmForm, form_page, local_input_value
from app.media import MediaRejected, store_upload
from app.models import Organisation, Post, PostState, Role, TemplateKind
from app.posts import campaigns as campaign_services
from app.posts import composer, services
from app.posts import templates as template_services
from app.posts.forms import PostForm, account_choices, post_form_class
from app.publishing import lifecycle
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
    campaign_id = request.args.get("campaign_id", type=int)
    campaign = campaign_services.visible_campaign_or_404(current_user, campaign_id) if campaign_id else None
    page = max(request.args.get("page", 1, type=int), 1)
    query = services.posts_query(current_user, organisation, state, campaign.id if campaign else None)
    posts = list(db.session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)))
    organisations = list(db.session.scalars(scoped(Organisation, current_user).order_by(Organisation.name)))
    campaigns = campaign_services.campaign_filter_options(current_user, organisation)
    return render_template(
        "posts/index.html", posts=posts[:PAGE_SIZE], has_next=len(posts) > PAGE_SIZE, page=page,
        organisation=organisation, state=state, organisations=organisations, campaign=campaign,
        campaigns=campaigns, can_write=bool(services.admin_organisations(current_user)),
    )


@bp.route("/<int:post_id>")
@login_required
def view(post_id: int) -> str:
    post = get_scoped_or_404(Post, post_id, current_user)
    campaign_form = None
    if has_role(current_user, post.organisation, Role.ADMIN):
        campaign_form = campaign_services.PostCampaignForm(campaign=str(post.campaign_id or ""))
        campaign_services.offer_campaigns(campaign_form.campaign, post.organisation, post.campaign)
    return render_template("posts/view.html", post=post, accounts=services.target_accounts(post),
                           can_edit=_can_edit(post), workflow=services.workflow_actions(post, current_user),
                           issues=plugins.post_issues(post), campaign_form=campaign_form)


@bp.route("/<int:post_id>/campaign", methods=["POST"])
@login_required
def set_campaign(post_id: int) -> Response | tuple[str, int]:
    """Change the post's campaign in any state: a label, so no new review and the same content version."""
    post = get_scoped_or_404(Post, post_id, current_user, roles=[Role.ADMIN])
    form = campaign_services.PostCampaignForm()
    campaign_services.offer_campaigns(form.campaign, post.organisation, post.campaign)
    if not form.validate_on_submit():
        return _bad_request(_("The form expired. Please try again."))
    errors: dict[str, list[str]] = {}
    campaign_id = services.campaign_choice(form.campaign, errors)
    if errors:
        return _bad_request(errors["campaign"][0])
    changed = services.set_campaign(post, campaign_id)
    db.session.commit()
    flash(_("The campaign was changed.") if changed else _("Nothing was changed."), "success" if changed else "info")
    return redirect(url_for("posts.view", post_id=post.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int] | str:
    org_id = request.args.get("org_id", type=int)
    if org_id is None:
        choices = services.admin_organisations(current_user)
        if not choices:
            abort(403)
        if len(choices) > 1:
            return render_template("posts/choose_org.html", organisations=choices,
                                   date=request.args.get("date", ""), template_id=request.args.get("template_id", ""),
                                   campaign_id=request.args.get("campaign_id", type=int))
        org_id = choices[0].id
    organisation = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    accounts = active_accounts_in_subtree(current_user, organisation)
    form = _build_form(accounts, organisation)
    tiktok = composer.tiktok_options(accounts)
    _offer_tiktok_choices(form, tiktok)
    if not form.is_submitted():
        _prefill(form, organisation)
    if form.is_submitted():
        valid = form.validate()  # then our own checks too, so every problem is shown at once
        data = services.read_form(form, organisation, {a.id: a for a in accounts})
        if not _attach_errors(form, data) and valid:
            post = services.create_post(organisation, current_user, data)
            flash(_("The draft was saved."), "success")
            return _after_save(post)
    return _composer_page(form, None, organisation, accounts, tiktok)


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> Response | tuple[str, int]:
    post = get_scoped_or_404(Post, post_id, current_user, roles=[Role.ADMIN])
    _ensure_editable(post)
    organisation = post.organisation
    offered = {a.id: a for a in active_accounts_in_subtree(current_user, organisation)}
    offered.update({a.id: a for a in services.target_accounts(post)})  # keep current targets selectable
    accounts = sorted(offered.values(), key=lambda a: (a.platform, a.handle))
    form = _build_form(accounts, organisation, post)
    tiktok = composer.tiktok_options(accounts)
    _offer_tiktok_choices(form, tiktok)
    if form.is_submitted():
        valid = form.validate()
        data = services.read_form(form, organisation, offered)
        if not _attach_errors(form, data) and valid:
            changed = services.update_post(post, data)
            flash(_("The draft was saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return _after_save(post)
    return _composer_page(form, post, organisation, accounts, tiktok)


@bp.route("/validate", methods=["POST"])
@login_required
def validate() -> tuple[str, int] | str:
    """The composer's live check (htmx): previews, counters and problems for the editor's current input."""
    org_id = request.args.get("org_id", type=int)
    if org_id is None:
        abort(400)
    organisation = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    post = None
    post_id = request.args.get("post_id", type=int)
    if post_id is not None:
        post = get_scoped_or_404(Post, post_id, current_user, roles=[Role.ADMIN])
        if post.organisation_id != organisation.id:
            abort(404)
    offered = {a.id: a for a in active_accounts_in_subtree(current_user, organisation)}
    if post is not None:
        offered.update({a.id: a for a in services.target_accounts(post)})
    form = post_form_class(a.platform for a in offered.values())(meta={"csrf": False})
    form.accounts.choices = account_choices(offered.values())
    campaign_services.offer_campaigns(form.campaign, organisation, post.campaign if post else None)
    if "tiktok_privacy_level" in form:
        from adapters.tiktok import PRIVACY_LEVELS

        form.tiktok_privacy_level.choices = [SelectChoice(level, level) for level in PRIVACY_LEVELS]
    return render_template("posts/_composer_check.html", check=_check_from_form(form, organisation, offered, post),
                           organisation=organisation)


# -- media of a draft ---------------------------------------------------------------------------


@bp.route("/<int:post_id>/media", methods=["POST"])
@login_required
def add_media(post_id: int) -> Response | tuple[str, int]:
    """Upload a file and attach it at the end of the draft's media (no-JS form on the editor)."""
    post = _editable_post(post_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _bad_request(_("Choose a file to upload."))
    try:
        media = store_upload(upload, post.organisation, current_user.id, request.form.get("alt_text", "")[:1000])
    except MediaRejected as exc:
        return _bad_request(str(exc))
    audit.record("media.uploaded", media, after={"filename": media.filename, "sha256": media.sha256,
                                                 "size_bytes": media.size_bytes})
    services.attach_media(post, media)
    db.session.commit()
    flash(_("The file was attached."), "success")
    return redirect(url_for("posts.edit", post_id=post.id, _anchor="media"))


@bp.route("/<int:post_id>/media/<int:media_id>/move", methods=["POST"])
@login_required
def move_media(post_id: int, media_id: int) -> Response | tuple[str, int]:
    post = _editable_post(post_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        return _bad_request(_("The request could not be understood."))
    services.move_media(post, media_id, -1 if direction == "up" else 1) or abort(404)
    db.session.commit()
    return redirect(url_for("posts.edit", post_id=post.id, _anchor="media"))


@bp.route("/<int:post_id>/media/<int:media_id>/remove", methods=["POST"])
@login_required
def remove_media(post_id: int, media_id: int) -> Response | tuple[str, int]:
    post = _editable_post(post_id)
    services.detach_media(post, media_id) or abort(404)
    db.session.commit()
    flash(_("The file was removed from the post."), "success")
    return redirect(url_for("posts.edit", post_id=post.id, _anchor="media"))


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


def _editable_post(post_id: int) -> Post:
    post = get_scoped_or_404(Post, post_id, current_user, roles=[Role.ADMIN])
    _ensure_editable(post)
    return post


def _bad_request(message: str) -> tuple[str, int]:
    db.session.rollback()
    return render_template("error.html", code=400, message=message), 400


def _prefill(form: PostForm, organisation: Organisation) -> None:
    """A new post from the calendar (`?date=YYYY-MM-DD`, 09:00 local; `?campaign_id=` of its filter, when
    usable here, else left unchosen) or from a template (`?template_id=`)."""
    day = request.args.get("date", "")
    if day:
        try:
            form.scheduled_at.data = f"{date.fromisoformat(day).isoformat()}T09:00"
        except ValueError:
            abort(400)
    template_id = request.args.get("template_id", type=int)
    if template_id is not None:
        template = template_services.usable_template_or_404(organisation, template_id)
        form.body.data = template.body
        if template.kind == TemplateKind.TEMPLATE:
            form.title.data = template.name
    campaign_id = request.args.get("campaign_id", type=int)
    if campaign_id is not None and campaign_services.usable_campaign(organisation, campaign_id) is not None:
        form.campaign.data = str(campaign_id)


def _offer_tiktok_choices(form: PostForm, tiktok: composer.TikTokOptions | None) -> None:
    if tiktok is None or "tiktok_privacy_level" not in form:
        return
    form.tiktok_privacy_level.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(level, str(composer.PRIVACY_LABELS.get(level, level))) for level in tiktok.privacy_levels]


def _check_from_form(form: PostForm, organisation: Organisation, offered: dict, post: Post | None
                     ) -> composer.DraftCheck:
    data = services.read_form(form, organisation, offered)
    chosen = [offered[i] for i in sorted(data.account_ids) if i in offered]
    variants = services.merged_variants(post.variants if post else {}, data)
    author = current_user._get_current_object()  # a real User, not the request proxy
    transient = composer.transient_post(organisation, author, data.title, data.body, variants, chosen, post,
                                        data.scheduled_at)
    return composer.check_draft(transient, chosen)


def _composer_page(form: PostForm, post: Post | None, organisation: Organisation, accounts: list,
                   tiktok: composer.TikTokOptions | None) -> tuple[str, int]:
    check = _check_from_form(form, organisation, {a.id: a for a in accounts}, post)
    return form_page("posts/edit.html", form, post=post, organisation=organisation, accounts=accounts,
                     check=check, tiktok=tiktok, templates=template_services.usable_templates(organisation),
                     account_platforms={a.id: a.platform for a in accounts})


def _after_save(post: Post) -> Response:
    """Show what content rules find; with "submit for review" pressed, submit through the lifecycle."""
    if request.form.get("action") != "submit":
        _flash_rule_problems(post)
        return redirect(url_for("posts.view", post_id=post.id))
    try:
        lifecycle.submit(post, current_user)
    except lifecycle.SubmissionBlocked as exc:
        db.session.rollback()
        flash(_("The draft was saved but cannot be submitted yet:"), "warning")
        for problem in exc.problems:
            flash(problem, "warning")
        return redirect(url_for("posts.edit", post_id=post.id))
    except lifecycle.InvalidTransition:
        db.session.rollback()
        flash(_("This action is not possible in the post's current state."), "error")
        return redirect(url_for("posts.view", post_id=post.id))
    db.session.commit()
    flash(_("The post was submitted for review."), "success")
    return redirect(url_for("posts.view", post_id=post.id))


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


def _build_form(accounts: list, organisation: Organisation, post: Post | None = None) -> PostForm:
    form_class = post_form_class(a.platform for a in accounts)
    form = form_class()
    form.accounts.choices = account_choices(accounts)
    campaign_services.offer_campaigns(form.campaign, organisation, post.campaign if post else None)
    if post is not None and not form.is_submitted():
        zone = post.organisation.timezone
        form.title.data, form.body.data = post.title, post.body
        form.campaign.data = str(post.campaign_id or "")
        form.accounts.data = [t.account_id for t in post.targets]
        form.scheduled_at.data = local_input_value(post.scheduled_at, zone)
        form.not_after.data = local_input_value(post.not_after, zone)
        for platform, variant in form.variant_fields():
            variant.data = ((post.variants or {}).get(platform) or {}).get("body", "")
    return form


def _attach_errors(form: PostForm, data: services.PostInput) -> bool:
    """Copy validation problems onto the form's fields; True when there were any."""
    for name, messages in data.errors.items():
        form[name].errors = [*form[name].errors, *messages]
    return bool(data.errors)
