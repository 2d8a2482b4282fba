"""Built-in plugin: the plugin list (for admins of a top-level organisation) and each
organisation's plugin settings page (fields from the `organisation_settings_fields` hook).

Values live in `Organisation.settings["plugins"][key]`; `organisation_setting(org, key)`
reads one, walking up the tree when the field is inherited.
"""
from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, Field, StringField, TextAreaField

from app import audit
from app.extensions import db
from app.forms_common import form_page, max_length
from app.models import Membership, Organisation, Role
from app.tenancy import get_scoped_or_404
from plugins import SettingsField, hookimpl, plugin_infos, plugin_manager, settings_fields

bp = Blueprint("plugins", __name__, url_prefix="/plugins", template_folder="templates")


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [bp]


@hookimpl
def menu_entries() -> list[tuple[str, Any, int]]:
    return [("plugins.index", _l("Plugins"), 90, is_top_level_admin)]


def is_top_level_admin(user: Any) -> bool:
    """Whether the user is an admin of an organisation without a parent (a whole Pemda)."""
    return db.session.scalar(
        select(Membership.id).join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id, Membership.role == Role.ADMIN, Organisation.parent_id.is_(None))
        .limit(1)
    ) is not None


@bp.route("")
@login_required
def index() -> str:
    if not is_top_level_admin(current_user):
        abort(403)
    pm = plugin_manager()
    specs = sorted(name for name in dir(pm.hook) if not name.startswith("_"))
    return render_template("plugins/index.html", plugins=plugin_infos(), hook_names=specs)


def organisation_setting(organisation: Organisation, key: str, default: Any = None) -> Any:
    """An organisation's value of a plugin setting; an empty inherited one falls back to the ancestors'."""
    spec = next((f for f in settings_fields() if f.key == key), None)
    fallback = default if default is not None or spec is None else spec.default
    value = ((organisation.settings or {}).get("plugins") or {}).get(key)
    if value not in (None, ""):
        return value
    if spec is not None and spec.inherited and organisation.parent is not None:
        return organisation_setting(organisation.parent, key, default)
    return fallback


def _form_class(fields: list[SettingsField]) -> type[FlaskForm]:
    made: dict[str, Field] = {}
    for spec in fields:
        if spec.kind == "bool":
            made[spec.key] = BooleanField(spec.label, description=spec.description)
        elif spec.kind == "textarea":
            made[spec.key] = TextAreaField(spec.label, description=spec.description, validators=[max_length(5000)])
        else:
            made[spec.key] = StringField(spec.label, description=spec.description, validators=[max_length(500)])
    return type("PluginSettingsForm", (FlaskForm,), made)


@bp.route("/settings/<int:org_id>", methods=["GET", "POST"])
@login_required
def settings(org_id: int) -> Response | tuple[str, int]:
    organisation = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    fields = settings_fields()
    form = _form_class(fields)()
    own = dict((organisation.settings or {}).get("plugins") or {})
    if not form.is_submitted():
        for spec in fields:
            form[spec.key].data = own.get(spec.key, spec.default)
    elif form.validate():
        new = {spec.key: form[spec.key].data if spec.kind == "bool" else (form[spec.key].data or "").strip()
               for spec in fields}
        if new != {k: own.get(k) for k in new}:
            before = copy.deepcopy(organisation.settings or {})
            after = {**before, "plugins": {**own, **new}}
            organisation.settings = after
            audit.record("organisation.plugin_settings_changed", organisation, organisation_id=organisation.id,
                         before=before.get("plugins") or {}, after=after["plugins"])
            db.session.commit()
            flash(_("The plugin settings were saved."), "success")
        else:
            flash(_("Nothing was changed."), "info")
        return redirect(url_for("plugins.settings", org_id=org_id))
    return form_page("plugins/settings.html", form, organisation=organisation, fields=fields)
