"""Built-in plugin: notifications for domain events (in-app list, e-mail, signed webhooks).

`warta_event` turns an event from `EVENTS` into one `Notification` per recipient
(admins of the organisation and its ancestors by role, plus the post's author where
relevant) who has not switched that event off, in the caller's transaction. E-mail
and webhooks are RQ jobs (workers/notifications.py) enqueued after the commit.
"""
from __future__ import annotations

import secrets
import uuid
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select, update
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import URL

from app import audit
from app.crypto import encrypt_text
from app.events import lookup
from app.extensions import db
from app.forms_common import ConfirmForm, MultiCheckboxField, form_page, max_length, required
from app.models import (
    Membership,
    Notification,
    NotificationPreference,
    Organisation,
    Role,
    User,
    Webhook,
    utcnow,
)
from app.tenancy import get_scoped_or_404, scoped
from plugins import hookimpl

ADMINS = (Role.ADMIN,)
SECURITY = (Role.ADMIN, Role.SECURITY_OFFICER)
REVIEW = (Role.ADMIN, Role.REVIEWER)

#: Event → (label, roles notified at the organisation and above, whether the post's author is told).
#: Success is told to the author only (a Diskominfo admin would otherwise get every OPD's every post);
#: anything that needs a person — failures, reconnects, unknown outcomes — goes to the admins as well.
EVENTS: dict[str, tuple[Any, tuple[str, ...], bool]] = {
    "post.submitted": (_l("A post needs review"), REVIEW, False),
    "post.approved": (_l("A post was approved"), ADMINS, True),
    "post.rejected": (_l("A post was rejected"), ADMINS, True),
    "target.published": (_l("A post was published"), (), True),
    "target.failed": (_l("Publishing failed"), ADMINS, True),
    "target.needs_reconnect": (_l("An account must be reconnected"), ADMINS, True),
    "target.unconfirmed": (_l("Publishing could not be confirmed"), ADMINS, True),
    "target.native_cancel_failed": (_l("A post is still scheduled on the platform: cancelling it failed"), SECURITY,
                                    True),
    "hold.started": (_l("Publishing is on hold"), ADMINS, False),
    "hold.released": (_l("The publishing hold was released"), ADMINS, False),
    "token.expiring": (_l("An account's access expires soon"), ADMINS, False),
    "security.takeover_suspected": (_l("Possible account takeover"), SECURITY, False),
    "security.items_due": (_l("Security checklist items are due"), SECURITY, False),
    "security.critical_items_overdue": (_l("Critical security items are overdue"), SECURITY, False),
    "security.attestation_submitted": (_l("A security attestation awaits review"), SECURITY, False),
    "security.attestation_reviewed": (_l("A security attestation was reviewed"), SECURITY, False),
    "security.incident_logged": (_l("A security incident was logged"), SECURITY, False),
    "security.gate_released": (_l("An account may publish again"), SECURITY, False),
    "health.alert": (_l("Health alert"), ADMINS, False),
}

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [bp]


@bp.app_context_processor
def _unread_in_header() -> dict[str, Any]:
    """`unread_notifications()` for the header of every page."""
    return {"unread_notifications": lambda: unread_count(current_user) if current_user.is_authenticated else 0}


def label(event_name: str) -> str:
    entry = EVENTS.get(event_name)
    return str(entry[0]) if entry else event_name


def describe(notification: Notification) -> tuple[str, str]:
    """(subject, text) of a notification in the current locale."""
    subject = label(notification.event)
    organisation = db.session.get(Organisation, notification.organisation_id) if notification.organisation_id else None
    details = ", ".join(f"{k}: {v}" for k, v in sorted((notification.payload or {}).items()))
    where = organisation.name if organisation else "Warta"
    return subject, _("%(what)s (%(where)s). %(details)s", what=subject, where=where, details=details).strip()


def recipients(name: str, organisation: Organisation | None, payload: dict[str, Any]) -> list[User]:
    """Users to tell about an event, by role at the organisation or above, plus the author when relevant."""
    _label, roles, tell_author = EVENTS[name]
    users: dict[int, User] = {}
    if organisation is not None and roles:
        members = lookup(("members", organisation.id, tuple(roles)), lambda: list(db.session.scalars(
            select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id.in_(organisation.ancestor_ids), Membership.role.in_(roles)))))
        for user in members:
            users[user.id] = user
    author_id = payload.get("author_id")
    if tell_author and isinstance(author_id, int):
        author = lookup(("user", author_id), lambda: db.session.get(User, author_id))
        if author is not None:
            users[author.id] = author
    return [users[k] for k in sorted(users) if getattr(users[k], "active", True)]


def _preferences(user_ids: list[int], name: str) -> dict[int, NotificationPreference]:
    def read() -> dict[int, NotificationPreference]:
        rows = db.session.scalars(select(NotificationPreference).where(
            NotificationPreference.user_id.in_(user_ids), NotificationPreference.event == name))
        return {row.user_id: row for row in rows}

    return lookup(("preferences", tuple(user_ids), name), read)


@hookimpl
def warta_event(name: str, organisation_id: int | None, payload: dict[str, Any]) -> None:
    """Write in-app notifications now; enqueue e-mail and webhooks for after the commit."""
    from workers.notifications import enqueue_after_commit, webhook_retry

    if name not in EVENTS:
        return
    organisation = (lookup(("organisation", organisation_id), lambda: db.session.get(Organisation, organisation_id))
                    if organisation_id else None)
    users = recipients(name, organisation, payload)
    prefs = _preferences([u.id for u in users], name)
    email_on = bool(current_app.config["WARTA_SMTP_HOST"])
    for user in users:
        pref = prefs.get(user.id)
        if pref is not None and not pref.in_app and not pref.email:
            continue
        notification = Notification(organisation_id=organisation_id, user_id=user.id, event=name,
                                    payload=payload, read_at=None if pref is None or pref.in_app else utcnow())
        db.session.add(notification)
        if email_on and (pref is None or pref.email):
            db.session.flush()
            enqueue_after_commit("workers.notifications.send_notification_email", notification.id)
    if organisation is not None:
        event_id = str(uuid.uuid4())
        receivers = lookup(("webhooks", organisation.id), lambda: list(db.session.scalars(select(Webhook).where(
            Webhook.organisation_id.in_(organisation.ancestor_ids), Webhook.active.is_(True)))))
        for webhook in receivers:
            if not webhook.events or name in webhook.events:
                enqueue_after_commit("workers.notifications.deliver_webhook", webhook.id, name, organisation_id,
                                     payload, event_id, retry=webhook_retry())


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


# -- pages ----------------------------------------------------------------------------------


@bp.route("")
@login_required
def index() -> str:
    items = list(db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                                    .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(100)))
    return render_template("notifications/index.html", items=[(n, *describe(n)) for n in items],
                           form=ConfirmForm())


@bp.route("/read", methods=["POST"])
@login_required
def mark_read() -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    changed = db.session.execute(update(Notification).where(
        Notification.user_id == current_user.id, Notification.read_at.is_(None)).values(read_at=utcnow())).rowcount
    if changed:
        audit.record("notifications.marked_read", current_user, after={"count": changed})
        db.session.commit()
    return redirect(url_for("notifications.index"))


class PreferencesForm(FlaskForm):
    in_app = MultiCheckboxField(_l("In Warta"), choices=[])
    email = MultiCheckboxField(_l("By e-mail"), choices=[])


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> Response | tuple[str, int]:
    form = PreferencesForm()
    choices = [(name, str(entry[0])) for name, entry in EVENTS.items()]
    form.in_app.choices = form.email.choices = choices
    rows = {p.event: p for p in db.session.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id == current_user.id))}
    if not form.is_submitted():
        form.in_app.data = [n for n in EVENTS if n not in rows or rows[n].in_app]
        form.email.data = [n for n in EVENTS if n not in rows or rows[n].email]
    elif form.validate():
        chosen_in_app, chosen_email = set(form.in_app.data or []), set(form.email.data or [])
        before = {n: [rows[n].in_app, rows[n].email] for n in rows}
        for name in EVENTS:
            row = rows.get(name) or NotificationPreference(user_id=current_user.id, event=name)
            row.in_app, row.email = name in chosen_in_app, name in chosen_email
            db.session.add(row)
        after = {n: [n in chosen_in_app, n in chosen_email] for n in EVENTS}
        audit.record("notifications.preferences_changed", current_user, before=before, after=after)
        db.session.commit()
        flash(_("Your notification choices were saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return form_page("notifications/preferences.html", form, events=choices)


class WebhookForm(FlaskForm):
    url = StringField(_l("Address (URL)"), validators=[required(), max_length(500),
                                                       URL(require_tld=False, message=_l("Enter a web address."))])
    events = MultiCheckboxField(_l("Events (none: every event)"), choices=[])


@bp.route("/webhooks/<int:org_id>", methods=["GET", "POST"])
@login_required
def webhooks(org_id: int) -> Response | tuple[str, int]:
    organisation = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    form = WebhookForm()
    form.events.choices = [(name, str(entry[0])) for name, entry in EVENTS.items()]
    if form.validate_on_submit():
        if not form.url.data.startswith(("https://", "http://")):
            form.url.errors = [*form.url.errors, _("Enter a web address.")]
        else:
            secret = secrets.token_urlsafe(32)
            webhook = Webhook(organisation_id=organisation.id, url=form.url.data.strip(),
                              secret_encrypted=encrypt_text(secret), events=list(form.events.data or []))
            db.session.add(webhook)
            db.session.flush()
            audit.record("webhook.created", webhook, after={"url": webhook.url, "events": webhook.events})
            db.session.commit()
            return render_template("notifications/webhook_secret.html", organisation=organisation,
                                   webhook=webhook, secret=secret)
    hooks = list(db.session.scalars(scoped(Webhook, current_user, roles=[Role.ADMIN])
                                    .where(Webhook.organisation_id == organisation.id).order_by(Webhook.id)))
    return form_page("notifications/webhooks.html", form, organisation=organisation, hooks=hooks,
                     delete_form=ConfirmForm())


@bp.route("/webhooks/<int:org_id>/<int:webhook_id>/delete", methods=["POST"])
@login_required
def delete_webhook(org_id: int, webhook_id: int) -> Response:
    webhook = get_scoped_or_404(Webhook, webhook_id, current_user, roles=[Role.ADMIN])
    if webhook.organisation_id != org_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    audit.record("webhook.deleted", webhook, before={"url": webhook.url, "events": webhook.events})
    db.session.delete(webhook)
    db.session.commit()
    flash(_("The webhook was deleted."), "success")
    return redirect(url_for("notifications.webhooks", org_id=org_id))
