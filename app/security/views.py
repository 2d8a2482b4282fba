"""Security officer pages: overview, account checklist, attest, review, evidence, reports, incidents."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

import adapters
from app import audit
from app.extensions import db
from app.models import (
    Attestation,
    AttestationState,
    CustomItem,
    Evidence,
    Incident,
    IncidentKind,
    Organisation,
    OrgKind,
    ProfileSnapshot,
    Role,
    SocialAccount,
    User,
    utcnow,
)
from app.security import actions, report
from app.security import evidence as evidence_store
from app.security.catalogue import Verification
from app.security.forms import (
    ApplicabilityForm,
    AttestForm,
    ConfirmForm,
    CustomItemForm,
    IncidentForm,
    PolicyForm,
    ReviewForm,
)
from app.security.gate import POLICY_KEY, announce_releases, blocked_accounts, gate_policy, publish_gate
from app.security.items import find_item, items_for_account
from app.security.status import ItemStatus, account_report, rollups
from app.tenancy import get_scoped_or_404, has_role, scoped

bp = Blueprint("security", __name__, url_prefix="/security")

OFFICER_ROLES = (Role.ADMIN, Role.SECURITY_OFFICER)

STATUS_LABELS = {
    ItemStatus.PASSING: _l("Passing"),
    ItemStatus.FAILING: _l("Failing"),
    ItemStatus.DUE: _l("Due"),
    ItemStatus.OVERDUE: _l("Overdue"),
    ItemStatus.NOT_APPLICABLE: _l("Not applicable"),
}
SEVERITY_LABELS = {"critical": _l("Critical"), "high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
VERIFICATION_LABELS = {Verification.API: _l("Checked by API"), Verification.ATTESTED: _l("Attested with evidence"),
                       Verification.ENFORCED: _l("Enforced by Warta")}
ATTESTATION_LABELS = {AttestationState.PENDING: _l("Waiting for review"), AttestationState.ACCEPTED: _l("Accepted"),
                      AttestationState.REJECTED: _l("Rejected")}


@bp.app_context_processor
def _labels() -> dict:
    return {"status_labels": STATUS_LABELS, "severity_labels": SEVERITY_LABELS,
            "verification_labels": VERIFICATION_LABELS, "attestation_labels": ATTESTATION_LABELS,
            "locale": str(get_locale() or "id")}


def _user_name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.name if user else "—"


def _local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _subtree(organisation: Organisation) -> list[Organisation]:
    return list(db.session.scalars(scoped(Organisation, current_user, OFFICER_ROLES)
                                   .where(Organisation.path.like(f"{organisation.path}%"))))


def _is_diskominfo(user: User, organisation: Organisation) -> bool:
    """Whether `user` is an admin or security officer of a Diskominfo at or above `organisation`."""
    for org_id in organisation.ancestor_ids:
        ancestor = db.session.get(Organisation, org_id)
        if ancestor is not None and ancestor.kind == OrgKind.DISKOMINFO and has_role(user, ancestor, *OFFICER_ROLES):
            return True
    return False


# -- overview and account ---------------------------------------------------------------


@bp.route("/")
@login_required
def overview() -> str:
    """Every organisation the user oversees, riskiest first (Diskominfo sees the whole tree)."""
    organisations = list(db.session.scalars(scoped(Organisation, current_user, OFFICER_ROLES)))
    pending = db.session.scalar(
        select(db.func.count()).select_from(
            scoped(Attestation, current_user, [Role.SECURITY_OFFICER])
            .where(Attestation.state == AttestationState.PENDING).subquery()))
    return render_template("security/overview.html", rollups=rollups(organisations), pending=pending,
                           gate_policy=gate_policy)


@bp.route("/accounts/<int:account_id>")
@login_required
def account(account_id: int) -> str:
    account = get_scoped_or_404(SocialAccount, account_id, current_user, OFFICER_ROLES)
    snapshots = db.session.scalars(
        select(ProfileSnapshot).where(ProfileSnapshot.account_id == account.id)
        .order_by(ProfileSnapshot.taken_at.desc()).limit(10)).all()
    return render_template(
        "security/account.html", account=account, report=account_report(account), snapshots=snapshots,
        is_admin=has_role(current_user, account.organisation, Role.ADMIN),
        is_officer=has_role(current_user, account.organisation, Role.SECURITY_OFFICER),
        applicability_form=ApplicabilityForm(), confirm_form=ConfirmForm(), policy=gate_policy(account.organisation),
        gate=publish_gate(account.id))


@bp.route("/accounts/<int:account_id>/attest", methods=["GET", "POST"])
@login_required
def attest(account_id: int) -> str | Response | tuple[str, int]:
    """An admin of the account's organisation attests an item with evidence."""
    account = get_scoped_or_404(SocialAccount, account_id, current_user, [Role.ADMIN])
    locale = str(get_locale() or "id")
    form = AttestForm()
    attestable = [i for i in items_for_account(account) if i.verification == Verification.ATTESTED]
    form.item_id.choices = [SelectChoice(i.id, f"{i.id} · {i.text('title', locale)}") for i in attestable]
    if request.method == "GET":
        form.item_id.data = request.args.get("item", "")
    if not form.validate_on_submit():
        return render_template("security/attest.html", account=account, form=form), 400 if form.is_submitted() else 200
    item = find_item(account, form.item_id.data)
    zone = account.organisation.timezone
    today = datetime.now(ZoneInfo(zone)).date()
    error = None
    if form.checked_on.data > today:
        error = _("The evidence date cannot be in the future.")
    elif item.interval_days and (today - form.checked_on.data).days >= item.interval_days:
        error = _("This evidence is older than the item's review interval (%(days)s days).", days=item.interval_days)
    upload = None
    if error is None:
        file = form.evidence.data
        data = file.read(int(current_app.config["WARTA_SECURITY_EVIDENCE_MAX_BYTES"]) + 1)
        try:
            upload = evidence_store.check_upload(data, file.filename or "", form.note.data or "")
        except evidence_store.EvidenceRefused as exc:
            error = str(exc)
    if error is not None:
        form.evidence.errors = [*form.evidence.errors, error]
        return render_template("security/attest.html", account=account, form=form), 400
    actions.attest(account, item, current_user, _local_midnight(form.checked_on.data, zone), form.note.data or "",
                   upload)
    db.session.commit()
    if upload.warnings:
        flash(_("Submitted with warnings: the reviewer will check that the file shows no secret."), "warning")
    else:
        flash(_("Attestation submitted for review."), "success")
    return redirect(url_for("security.account", account_id=account.id))


@bp.route("/accounts/<int:account_id>/applicability", methods=["POST"])
@login_required
def applicability(account_id: int) -> Response | tuple[str, int]:
    """A security officer marks an item not applicable (with a reason) or applicable again."""
    account = get_scoped_or_404(SocialAccount, account_id, current_user, [Role.SECURITY_OFFICER])
    form = ApplicabilityForm()
    item = find_item(account, form.item_id.data or "") if form.validate_on_submit() else None
    if item is None:
        return render_template("error.html", code=400, message=_("Unknown checklist item.")), 400
    actions.set_not_applicable(account, item, (form.reason.data or "").strip() or None, current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("security.account", account_id=account.id))


# -- review ---------------------------------------------------------------------------------


@bp.route("/review")
@login_required
def review_queue() -> str:
    rows = db.session.scalars(scoped(Attestation, current_user, [Role.SECURITY_OFFICER])
                              .where(Attestation.state == AttestationState.PENDING)
                              .order_by(Attestation.created_at)).all()
    accounts = {a.id: a for a in db.session.scalars(
        select(SocialAccount).where(SocialAccount.id.in_({r.account_id for r in rows})))}
    return render_template("security/review_queue.html", rows=rows, accounts=accounts, user_name=_user_name)


@bp.route("/attestations/<int:attestation_id>", methods=["GET", "POST"])
@login_required
def attestation(attestation_id: int) -> str | Response | tuple[str, int]:
    """View an attestation; a security officer other than the attester accepts or rejects it."""
    row = get_scoped_or_404(Attestation, attestation_id, current_user, OFFICER_ROLES)
    account = db.session.get(SocialAccount, row.account_id)
    item = find_item(account, row.item_id)
    form = ReviewForm()
    context = {"row": row, "account": account, "item": item, "form": form, "user_name": _user_name,
               "can_review": row.state == AttestationState.PENDING and row.attested_by_id != current_user.id
               and has_role(current_user, account.organisation, Role.SECURITY_OFFICER)}
    if request.method == "GET":
        return render_template("security/attestation.html", **context)
    if not has_role(current_user, account.organisation, Role.SECURITY_OFFICER):
        abort(403)
    if row.attested_by_id == current_user.id:
        return render_template("error.html", code=403, message=_(
            "You attested this item yourself; another security officer must review it.")), 403
    if row.state != AttestationState.PENDING:
        return render_template("error.html", code=409, message=_("This attestation has already been reviewed.")), 409
    if not form.validate_on_submit():
        return render_template("security/attestation.html", **context), 400
    comment = (form.comment.data or "").strip()
    if form.decision.data == "reject" and not comment:
        form.comment.errors = [_("Say why you reject it, so the admin can fix it.")]
        return render_template("security/attestation.html", **context), 400
    actions.review(row, current_user, form.decision.data == "accept", comment)
    db.session.commit()
    flash(_("Review saved."), "success")
    return redirect(url_for("security.review_queue"))


@bp.route("/evidence/<int:evidence_id>")
@login_required
def evidence(evidence_id: int) -> Response:
    """Serve an evidence file to admins and officers of its organisation only; never cached."""
    row = get_scoped_or_404(Evidence, evidence_id, current_user, OFFICER_ROLES)
    try:
        data = evidence_store.load(row.storage_key)
    except FileNotFoundError:
        abort(404)
    audit.record("security.evidence_viewed", row, after={"sha256": row.sha256})
    db.session.commit()
    response = Response(data, mimetype=row.content_type)
    response.headers["Content-Disposition"] = f'inline; filename="evidence-{row.id}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    return response


@bp.route("/snapshots/<int:profile_snapshot_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(profile_snapshot_id: int) -> Response:
    snapshot = get_scoped_or_404(ProfileSnapshot, profile_snapshot_id, current_user, [Role.SECURITY_OFFICER])
    if ConfirmForm().validate_on_submit():
        actions.acknowledge_snapshot(snapshot, current_user)
        db.session.commit()
        flash(_("Marked as an expected change."), "success")
    return redirect(url_for("security.account", account_id=snapshot.account_id))


# -- organisation pages ------------------------------------------------------------------


@bp.route("/organisations/<int:org_id>/report")
@login_required
def org_report(org_id: int) -> str | Response:
    """Printable security report of an organisation and its subtree; `?format=csv` for CSV."""
    organisation = get_scoped_or_404(Organisation, org_id, current_user, OFFICER_ROLES)
    data = rollups(_subtree(organisation))
    locale = str(get_locale() or "id")
    if request.args.get("format") == "csv":
        return Response(report.to_csv(data, locale), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="security-report-{organisation.id}.csv"',
            "Cache-Control": "private, no-store"})
    policy_form = PolicyForm(policy=gate_policy(organisation).value)
    return render_template("security/report.html", organisation=organisation, rollups=data,
                           policy=gate_policy(organisation), policy_form=policy_form,
                           can_set_policy=_is_diskominfo(current_user, organisation), printed_at=utcnow())


@bp.route("/organisations/<int:org_id>/report.pdf")
@login_required
def org_report_pdf(org_id: int) -> Response:
    organisation = get_scoped_or_404(Organisation, org_id, current_user, OFFICER_ROLES)
    pdf = report.to_pdf(organisation, rollups(_subtree(organisation)), str(get_locale() or "id"))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="security-report-{organisation.id}.pdf"',
        "Cache-Control": "private, no-store"})


@bp.route("/organisations/<int:org_id>/items", methods=["GET", "POST"])
@login_required
def custom_items(org_id: int) -> str | Response | tuple[str, int]:
    """The organisation's own items (with its regulation reference), inherited down the tree."""
    organisation = get_scoped_or_404(Organisation, org_id, current_user, OFFICER_ROLES)
    form = CustomItemForm()
    form.platform.choices = [SelectChoice("*", _("Every platform")),
                             *[SelectChoice(slug, slug) for slug in sorted(adapters.adapter_classes())]]
    if form.validate_on_submit():
        row = CustomItem(organisation_id=organisation.id, created_by_id=current_user.id,
                         **{name: getattr(form, name).data or "" for name in (
                             "title_id", "title_en", "explanation_id", "explanation_en", "evidence_id",
                             "evidence_en", "platform", "severity", "regulation_reference")},
                         interval_days=form.interval_days.data)
        db.session.add(row)
        db.session.flush()
        audit.record("security.custom_item_added", row, after={"title_en": row.title_en,
                                                                "regulation_reference": row.regulation_reference})
        db.session.commit()
        flash(_("Checklist item added."), "success")
        return redirect(url_for("security.custom_items", org_id=organisation.id))
    rows = db.session.scalars(select(CustomItem).where(CustomItem.organisation_id.in_(organisation.ancestor_ids))
                              .order_by(CustomItem.id)).all()
    status = 400 if form.is_submitted() else 200
    return render_template("security/items.html", organisation=organisation, form=form, rows=rows,
                           confirm_form=ConfirmForm()), status


@bp.route("/custom-items/<int:custom_item_id>/deactivate", methods=["POST"])
@login_required
def deactivate_item(custom_item_id: int) -> Response:
    row = get_scoped_or_404(CustomItem, custom_item_id, current_user, OFFICER_ROLES)
    if ConfirmForm().validate_on_submit() and row.active:
        row.active = False
        audit.record("security.custom_item_deactivated", row, before={"active": True}, after={"active": False})
        db.session.commit()
        flash(_("Checklist item switched off."), "success")
    return redirect(url_for("security.custom_items", org_id=row.organisation_id))


@bp.route("/organisations/<int:org_id>/incidents", methods=["GET", "POST"])
@login_required
def incidents(org_id: int) -> str | Response | tuple[str, int]:
    """Log an incident, platform alert or recovery change: the affected items become due."""
    organisation = get_scoped_or_404(Organisation, org_id, current_user, OFFICER_ROLES)
    accounts = db.session.scalars(scoped(SocialAccount, current_user, OFFICER_ROLES)
                                  .join(Organisation, Organisation.id == SocialAccount.organisation_id)
                                  .where(Organisation.path.like(f"{organisation.path}%"))
                                  .order_by(SocialAccount.handle)).all()
    form = IncidentForm()
    form.account_id.choices = [SelectChoice("0", _("All accounts of this organisation")),
                               *[SelectChoice(str(a.id), f"{a.platform} · @{a.handle}") for a in accounts]]
    if form.validate_on_submit():
        if form.occurred_on.data > datetime.now(ZoneInfo(organisation.timezone)).date():
            form.occurred_on.errors = [_("The date cannot be in the future.")]
        else:
            account = next((a for a in accounts if a.id == form.account_id.data), None)
            actions.log_incident(organisation, account, IncidentKind(form.kind.data), form.description.data.strip(),
                                 _local_midnight(form.occurred_on.data, organisation.timezone), current_user)
            db.session.commit()
            flash(_("Logged. The affected checklist items are due for review again."), "success")
            return redirect(url_for("security.incidents", org_id=organisation.id))
    rows = db.session.scalars(select(Incident).where(Incident.organisation_id == organisation.id)
                              .order_by(Incident.occurred_at.desc()).limit(50)).all()
    status = 400 if form.is_submitted() else 200
    return render_template("security/incidents.html", organisation=organisation, form=form, rows=rows,
                           user_name=_user_name), status


@bp.route("/organisations/<int:org_id>/policy", methods=["POST"])
@login_required
def set_policy(org_id: int) -> Response | tuple[str, int]:
    """Diskominfo chooses whether failing critical items warn (default) or block publishing."""
    organisation = get_scoped_or_404(Organisation, org_id, current_user, OFFICER_ROLES)
    if not _is_diskominfo(current_user, organisation):
        abort(403)
    form = PolicyForm()
    if not form.validate_on_submit():
        return render_template("error.html", code=400, message=_("Choose warn or block.")), 400
    account_ids = [a.id for a in actions.accounts_in_subtree(organisation)]
    blocked = blocked_accounts(account_ids)
    settings = dict(organisation.settings or {})
    before = {POLICY_KEY: settings.get(POLICY_KEY)}
    settings[POLICY_KEY] = form.policy.data
    organisation.settings = settings
    audit.record("security.gate_policy", organisation, organisation_id=organisation.id, before=before,
                 after={POLICY_KEY: form.policy.data})
    db.session.flush()
    announce_releases(blocked)
    db.session.commit()
    flash(_("Publishing policy saved."), "success")
    return redirect(url_for("security.org_report", org_id=organisation.id))
