"""Pages of the organisation tree."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.forms_common import form_page, timezone_names
from app.models import Organisation, Role
from app.orgs import services
from app.orgs.forms import OrganisationForm
from app.orgs.services import account_counts, member_counts
from app.tenancy import effective_roles, get_scoped_or_404, has_role

bp = Blueprint("orgs", __name__, url_prefix="/organisations")


@bp.route("")
@login_required
def tree() -> str:
    return render_template("orgs/tree.html", roots=services.visible_tree(current_user))


@bp.route("/<int:org_id>")
@login_required
def detail(org_id: int) -> str:
    org = get_scoped_or_404(Organisation, org_id, current_user)
    ids = {org.id, *(child.id for child in org.children)}
    ancestors = services.ancestors(org)
    return render_template(
        "orgs/detail.html", org=org, ancestors=ancestors,
        visible_ids={a.id for a in ancestors if has_role(current_user, a)},
        accounts=account_counts(ids), members=member_counts(ids),
        required_by=services.two_factor_required_by(org),
        roles=sorted(effective_roles(current_user, org)),
        is_admin=has_role(current_user, org, Role.ADMIN),
    )


@bp.route("/<int:org_id>/children/new", methods=["GET", "POST"])
@login_required
def create_child(org_id: int) -> Response | tuple[str, int]:
    parent = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    form = OrganisationForm()
    if not form.is_submitted():
        form.timezone.data = parent.timezone
        form.require_2fa.data = parent.require_2fa
        form.kind.data = "opd"
    if form.validate_on_submit():
        org = services.create_child(parent, name=form.clean_name(), kind=form.kind.data,
                                    timezone=form.timezone.data, require_2fa=form.require_2fa.data)
        flash(_("Organisation %(name)s was created.", name=org.name), "success")
        return redirect(url_for("orgs.detail", org_id=org.id))
    return _form_page(form, parent=parent, org=None)


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit(org_id: int) -> Response | tuple[str, int]:
    org = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    form = OrganisationForm(obj=org)
    if form.validate_on_submit():
        changed = services.update(org, name=form.clean_name(), kind=form.kind.data,
                                  timezone=form.timezone.data, require_2fa=form.require_2fa.data)
        flash(_("Changes saved.") if changed else _("Nothing was changed."), "success" if changed else "info")
        return redirect(url_for("orgs.detail", org_id=org.id))
    return _form_page(form, parent=org.parent, org=org)


def _form_page(form: OrganisationForm, parent: Organisation | None, org: Organisation | None) -> tuple[str, int]:
    return form_page("orgs/form.html", form, parent=parent, org=org, zones=timezone_names())
