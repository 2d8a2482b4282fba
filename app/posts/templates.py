"""Templates and hashtag sets per organisation: pages for admins, and the lookup the composer uses.

An organisation's templates are usable in it and in every organisation below it, so the OPDs of a
Pemda publish uniformly. Only admins of the owning organisation (or above) change them.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice, StringField, TextAreaField

from app import audit
from app.extensions import db
from app.forms_common import ChoiceField, ConfirmForm, form_page, max_length, required
from app.models import Organisation, PostTemplate, Role, TemplateKind
from app.tenancy import get_scoped_or_404, scoped

bp = Blueprint("post_templates", __name__)

KIND_LABELS = {TemplateKind.TEMPLATE: _l("Text template"), TemplateKind.HASHTAGS: _l("Hashtag set")}


class TemplateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(120)])
    kind = ChoiceField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
                       default=TemplateKind.TEMPLATE.value)
    body = TextAreaField(_l("Text"), validators=[required(), max_length(20000)],
                         description=_l("A text template fills the post's text; a hashtag set is added at its end."))


# -- lookups for the composer ----------------------------------------------------------------------


def usable_templates(organisation: Organisation) -> list[PostTemplate]:
    """Templates of the organisation and of its ancestors (inherited by design), by kind and name.

    Deliberately not `scoped()`: an OPD admin uses the Pemda's templates without a role there;
    only templates on the organisation's own path to the root are returned.
    """
    return list(db.session.scalars(
        select(PostTemplate).where(PostTemplate.organisation_id.in_(organisation.ancestor_ids))
        .order_by(PostTemplate.kind.desc(), PostTemplate.name, PostTemplate.id)))


def usable_template_or_404(organisation: Organisation, template_id: int) -> PostTemplate:
    template = db.session.get(PostTemplate, template_id)
    if template is None or template.organisation_id not in organisation.ancestor_ids:
        abort(404)
    return template


def _snapshot(template: PostTemplate) -> dict[str, str]:
    return {"name": template.name, "kind": template.kind, "body": template.body}


# -- pages ----------------------------------------------------------------------------------------------


@bp.route("/templates")
@login_required
def index() -> str:
    """Templates the user manages (admin of their organisation), with a form to start a new one."""
    organisations = list(db.session.scalars(scoped(Organisation, current_user, [Role.ADMIN])
                                            .order_by(Organisation.path)))
    if not organisations:
        abort(403)
    templates = list(db.session.scalars(scoped(PostTemplate, current_user, [Role.ADMIN])
                                        .order_by(PostTemplate.organisation_id, PostTemplate.kind.desc(),
                                                  PostTemplate.name)))
    return render_template("posts/templates.html", templates=templates, organisations=organisations,
                           kind_labels=KIND_LABELS, confirm=ConfirmForm())


@bp.route("/orgs/<int:org_id>/templates/new", methods=["GET", "POST"])
@login_required
def create(org_id: int) -> Response | tuple[str, int]:
    organisation = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    form = TemplateForm()
    if request.method == "GET" and request.args.get("kind") in {k.value for k in TemplateKind}:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        template = PostTemplate(organisation_id=organisation.id, name=form.name.data.strip(), kind=form.kind.data,
                                body=form.body.data.strip(), created_by_id=current_user.id)
        db.session.add(template)
        db.session.flush()
        audit.record("post_template.created", template, after=_snapshot(template))
        db.session.commit()
        flash(_("The template was saved."), "success")
        return redirect(url_for("post_templates.index"))
    return form_page("posts/template_form.html", form, organisation=organisation, post_template=None)


@bp.route("/templates/<int:template_id>/edit", methods=["GET", "POST"])
@login_required
def edit(template_id: int) -> Response | tuple[str, int]:
    template = get_scoped_or_404(PostTemplate, template_id, current_user, roles=[Role.ADMIN])
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        before = _snapshot(template)
        template.name, template.kind, template.body = form.name.data.strip(), form.kind.data, form.body.data.strip()
        if _snapshot(template) != before:
            audit.record("post_template.updated", template, before=before, after=_snapshot(template))
            db.session.commit()
            flash(_("The template was saved."), "success")
        else:
            db.session.rollback()
            flash(_("Nothing was changed."), "info")
        return redirect(url_for("post_templates.index"))
    return form_page("posts/template_form.html", form, organisation=template.organisation, post_template=template)


@bp.route("/templates/<int:template_id>/delete", methods=["POST"])
@login_required
def delete(template_id: int) -> Response | tuple[str, int]:
    template = get_scoped_or_404(PostTemplate, template_id, current_user, roles=[Role.ADMIN])
    if not ConfirmForm().validate_on_submit():
        return render_template("error.html", code=400, message=_("The form expired. Please try again.")), 400
    audit.record("post_template.deleted", template, before=_snapshot(template))
    db.session.delete(template)
    db.session.commit()
    flash(_("The template was deleted."), "success")
    return redirect(url_for("post_templates.index"))
