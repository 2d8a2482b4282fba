"""The social accounts page and the disable / enable actions."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from adapters import adapter_classes
from app.accounts import services
from app.forms_common import ConfirmForm
from app.models import Organisation, Role, SocialAccount
from app.security.views import OFFICER_ROLES
from app.tenancy import get_scoped_or_404, has_role, has_role_anywhere

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

#: Roles that may switch an account off and on.
STATUS_ROLES = (Role.ADMIN, Role.SECURITY_OFFICER)


@bp.route("")
@login_required
def index() -> str:
    organisation = None
    org_id = request.args.get("org_id", type=int)
    if org_id is not None:
        organisation = get_scoped_or_404(Organisation, org_id, current_user)
    accounts = services.visible_accounts(current_user, organisation)
    manageable = {a.id for a in accounts if has_role(current_user, a.organisation, *STATUS_ROLES)}
    connectable = {a.id for a in accounts
                   if a.platform in adapter_classes() and has_role(current_user, a.organisation, Role.ADMIN)}
    officer_of = {a.id for a in accounts if has_role(current_user, a.organisation, *OFFICER_ROLES)}
    return render_template("accounts/index.html", accounts=accounts, organisation=organisation,
                           manageable=manageable, expiry_state=services.expiry_state,
                           facts=services.account_facts(accounts), connectable=connectable, officer_of=officer_of,
                           can_connect=has_role_anywhere(current_user, Role.ADMIN))


@bp.route("/<int:account_id>/disable", methods=["GET", "POST"])
@login_required
def disable(account_id: int) -> Response | tuple[str, int] | str:
    return _set_status(account_id, disabled=True)


@bp.route("/<int:account_id>/enable", methods=["GET", "POST"])
@login_required
def enable(account_id: int) -> Response | tuple[str, int] | str:
    return _set_status(account_id, disabled=False)


def _set_status(account_id: int, disabled: bool) -> Response | tuple[str, int] | str:
    account = get_scoped_or_404(SocialAccount, account_id, current_user, roles=STATUS_ROLES)
    form = ConfirmForm()
    if form.validate_on_submit():
        if services.set_disabled(account, disabled):
            flash(_("%(handle)s is disabled: nothing will be published to it.", handle=account.handle) if disabled
                  else _("%(handle)s is enabled again.", handle=account.handle), "success")
        return redirect(url_for("accounts.index"))
    if form.is_submitted():
        return render_template("error.html", code=400, message=_("The form expired. Please try again.")), 400
    return render_template("accounts/confirm.html", account=account, form=form, disabled=disabled)
