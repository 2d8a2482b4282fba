"""Members and roles of one organisation."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.extensions import db
from app.forms_common import ConfirmForm, form_page
from app.members import services
from app.members.forms import AddMemberForm, RoleForm
from app.models import Membership, Organisation, Role
from app.tenancy import get_scoped_or_404, has_role

bp = Blueprint("members", __name__, url_prefix="/organisations")


def _error_message(error: services.MembershipError) -> str:
    messages = {
        "already_member": _("This person already holds that role in this organisation."),
        "name_needed": _("No user has this email address yet. Enter a full name to create one."),
        "last_admin": _("This is the last admin of the top organisation. Add another admin first."),
    }
    return messages.get(str(error), _("This change is not allowed."))


def _membership_or_404(org_id: int, membership_id: int) -> tuple[Organisation, Membership]:
    """The organisation (caller must be its admin) and one of its own memberships."""
    org = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != org.id:
        abort(404)
    return org, membership


@bp.route("/<int:org_id>/members")
@login_required
def index(org_id: int) -> str:
    org = get_scoped_or_404(Organisation, org_id, current_user)
    return render_template("members/index.html", org=org, rows=services.member_rows(org),
                           can_manage=has_role(current_user, org, Role.ADMIN), role_form=RoleForm())


@bp.route("/<int:org_id>/members/new", methods=["GET", "POST"])
@login_required
def add(org_id: int) -> Response | tuple[str, int]:
    org = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            membership, password = services.add_member(org, email=form.email.data, role=form.role.data,
                                                       name=form.name.data or "")
        except services.MembershipError as error:
            db.session.rollback()
            form.email.errors = [*form.email.errors, _error_message(error)]
        else:
            if password is None:
                flash(_("%(name)s was added.", name=membership.user.name), "success")
                return redirect(url_for("members.index", org_id=org.id))
            response = make_response(render_template("members/created.html", org=org, membership=membership,
                                                     password=password))
            response.headers["Cache-Control"] = "no-store"  # the initial password is shown once
            return response
    return form_page("members/add.html", form, org=org)


@bp.route("/<int:org_id>/members/<int:membership_id>/role", methods=["POST"])
@login_required
def change_role(org_id: int, membership_id: int) -> Response | tuple[str, int]:
    org, membership = _membership_or_404(org_id, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return render_template("error.html", code=400, message=_("Choose one of the listed roles.")), 400
    try:
        changed = services.change_role(membership, form.role.data)
    except services.MembershipError as error:
        db.session.rollback()
        return render_template("error.html", code=409, message=_error_message(error)), 409
    if changed:
        flash(_("The role of %(name)s was changed. Their sessions have been ended.", name=membership.user.name),
              "success")
    return redirect(url_for("members.index", org_id=org.id))


@bp.route("/<int:org_id>/members/<int:membership_id>/remove", methods=["GET", "POST"])
@login_required
def remove(org_id: int, membership_id: int) -> Response | tuple[str, int] | str:
    org, membership = _membership_or_404(org_id, membership_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = membership.user.name
        try:
            services.remove(membership)
        except services.MembershipError as error:
            db.session.rollback()
            return render_template("error.html", code=409, message=_error_message(error)), 409
        flash(_("%(name)s no longer has this role. Their sessions have been ended.", name=name), "success")
        return redirect(url_for("members.index", org_id=org.id))
    if form.is_submitted():
        return render_template("error.html", code=400, message=_("The form expired. Please try again.")), 400
    return render_template("members/remove.html", org=org, membership=membership, form=form)
