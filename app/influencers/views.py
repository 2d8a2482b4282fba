"""Coordinator pages: registry, handles, consent, agreements, documents, tagging, policy, reports.

Coordinators and admins of an organisation subtree manage its registry; reviewers and
viewers read it (without contact details or documents); other roles get 403.
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from wtforms import SelectChoice

from adapters import adapter_classes
from app import audit
from app.events import emit
from app.extensions import db
from app.influencers import documents, lookup, reports, services
from app.influencers.forms import (
    KIND_LABELS,
    METHOD_LABELS,
    STATUS_LABELS,
    AgreementForm,
    CollaborationForm,
    ConsentForm,
    DocumentForm,
    HandleForm,
    InfluencerForm,
    PolicyForm,
    RemoveCollaborationForm,
    ResolveHandleForm,
    WithdrawConsentForm,
)
from app.influencers.handles import PLATFORM_NAMES, InvalidHandle, normalise_handle, normalise_platform_user_id
from app.influencers.mapping import KNOWN_PLATFORMS
from app.models import (
    Agreement,
    ConsentRecord,
    DisclosurePolicy,
    HandleLookup,
    Influencer,
    InfluencerDocument,
    InfluencerHandle,
    Organisation,
    Post,
    PostCollaboration,
    PostState,
    Role,
    utcnow,
)
from app.tenancy import get_scoped_or_404, has_role, scoped, visible_organisation_ids

bp = Blueprint("influencers", __name__)

MANAGE_ROLES = (Role.ADMIN, Role.COORDINATOR)
READ_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.REVIEWER, Role.VIEWER)
#: Post states in which collaborations may change (later states need the post back in draft).
EDITABLE_POST_STATES = {PostState.DRAFT, PostState.IN_REVIEW, PostState.REJECTED}


# -- helpers -------------------------------------------------------------------------------

def _platforms() -> list[tuple[str, str]]:
    slugs = list(KNOWN_PLATFORMS) + sorted(set(adapter_classes()) - set(KNOWN_PLATFORMS))
    classes = adapter_classes()
    return [(s, PLATFORM_NAMES.get(s) or getattr(classes.get(s), "display_name", "") or s) for s in slugs]


def _platform_choices() -> list[SelectChoice]:
    return [SelectChoice(slug, name) for slug, name in _platforms()]


def platform_name(slug: str) -> str:
    return dict(_platforms()).get(slug, slug)


def _can_manage(organisation_id: int) -> bool:
    return has_role(current_user, db.session.get(Organisation, organisation_id), *MANAGE_ROLES)


def _require_some_role(roles: tuple[str, ...]) -> set[int]:
    ids = visible_organisation_ids(current_user, roles)
    if not ids:
        abort(403)
    return ids


def _manageable_orgs() -> list[Organisation]:
    return list(db.session.scalars(scoped(Organisation, current_user, MANAGE_ROLES).order_by(Organisation.path)))


def _local_start(day: date, organisation: Organisation) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(organisation.timezone))


def _fail(template: str, status: int, message: str, **context: Any) -> tuple[str, int]:
    flash(message, "error")
    return render_template(template, **context), status


# -- registry --------------------------------------------------------------------------------

@bp.route("/influencers/")
@login_required
def index() -> str:
    _require_some_role(READ_ROLES)
    query = scoped(Influencer, current_user, READ_ROLES)
    search = (request.args.get("q") or "").strip()[:100]
    platform = request.args.get("platform", "")
    agreement_filter = request.args.get("agreement", "")
    paid_filter = request.args.get("paid", "")
    if search:
        like = f"%{search.lstrip('@')}%"
        query = query.where(or_(Influencer.name.ilike(like), Influencer.id.in_(
            select(InfluencerHandle.influencer_id).where(InfluencerHandle.handle.ilike(like)))))
    if platform:
        query = query.where(Influencer.id.in_(
            select(InfluencerHandle.influencer_id).where(InfluencerHandle.platform == platform)))
    rows = []
    for influencer in db.session.scalars(query.order_by(Influencer.name)):
        org = db.session.get(Organisation, influencer.organisation_id)
        active = services.agreement_is_active(influencer, org)
        active_paid = services.agreement_is_active(influencer, org, paid=True)
        if agreement_filter in ("active", "none") and active != (agreement_filter == "active"):
            continue
        if paid_filter in ("yes", "no") and active_paid != (paid_filter == "yes"):
            continue
        rows.append({"influencer": influencer, "organisation": org, "active": active, "paid": active_paid,
                     "consent": services.has_active_consent(influencer, utcnow())})
    return render_template("influencers/index.html", rows=rows, platforms=_platforms(), search=search,
                           platform=platform, agreement_filter=agreement_filter, paid_filter=paid_filter,
                           manageable=_manageable_orgs(), platform_name=platform_name)


@bp.route("/influencers/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    _require_some_role(MANAGE_ROLES)
    form = InfluencerForm()
    form.organisation_id.choices = [SelectChoice(o.id, o.name) for o in _manageable_orgs()]
    if form.validate_on_submit():
        influencer = Influencer(organisation_id=form.organisation_id.data, name=form.name.data.strip(),
                                contact=form.contact.data or "", notes=form.notes.data or "",
                                created_by_id=current_user.id)
        db.session.add(influencer)
        db.session.flush()
        audit.record("influencer.create", influencer, after={"name": influencer.name})
        db.session.commit()
        flash(_("Influencer added."), "success")
        return redirect(url_for("influencers.detail", influencer_id=influencer.id))
    status = 400 if request.method == "POST" else 200
    return render_template("influencers/form.html", form=form, influencer=None), status


@bp.route("/influencers/<int:influencer_id>")
@login_required
def detail(influencer_id: int) -> Any:
    influencer = get_scoped_or_404(Influencer, influencer_id, current_user, READ_ROLES)
    return _render_detail(influencer)


def _render_detail(influencer: Influencer, status: int = 200, **forms: Any) -> Any:
    org = db.session.get(Organisation, influencer.organisation_id)
    handle_form = forms.get("handle_form") or HandleForm()
    handle_form.platform.choices = _platform_choices()
    collaborations = db.session.scalars(
        select(PostCollaboration).where(PostCollaboration.influencer_id == influencer.id)
        .order_by(PostCollaboration.id.desc()).limit(20)).all()
    today = services.local_day(utcnow(), org)
    return render_template(
        "influencers/detail.html", influencer=influencer, organisation=org, can_manage=_can_manage(org.id),
        handle_form=handle_form, consent_form=forms.get("consent_form") or ConsentForm(),
        agreement_form=forms.get("agreement_form") or AgreementForm(), withdraw_form=WithdrawConsentForm(),
        document_form=DocumentForm(), platform_name=platform_name, method_labels=METHOD_LABELS,
        kind_labels=KIND_LABELS, collaborations=collaborations, today=today, resolve_form=ResolveHandleForm(),
        lookup_status=lookup.status_text, manual_reason=lookup.manual_reason,
        manual_platforms=[(name, lookup.manual_reason(slug)) for slug, name in _platforms()
                          if lookup.manual_reason(slug)],
        consent_active=services.has_active_consent(influencer, utcnow()),
    ), status


@bp.route("/influencers/<int:influencer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(influencer_id: int) -> Any:
    influencer = get_scoped_or_404(Influencer, influencer_id, current_user, MANAGE_ROLES)
    form = InfluencerForm(obj=influencer)
    form.organisation_id.choices = [SelectChoice(o.id, o.name) for o in _manageable_orgs()]
    if form.validate_on_submit():
        before = {"name": influencer.name, "organisation_id": influencer.organisation_id}
        old_contact, old_notes = influencer.contact, influencer.notes
        new_org = form.organisation_id.data
        if new_org != influencer.organisation_id:
            # Every row of the influencer moves with it, so tenancy stays consistent.
            for row in [*influencer.handles, *influencer.consents, *influencer.agreements, *db.session.scalars(
                    select(InfluencerDocument).where(InfluencerDocument.influencer_id == influencer.id))]:
                row.organisation_id = new_org
        influencer.organisation_id = new_org
        influencer.name = form.name.data.strip()
        influencer.contact = form.contact.data or ""
        influencer.notes = form.notes.data or ""
        # Contact details are personal data: the audit log records that they changed, not their value.
        after = {"name": influencer.name, "organisation_id": influencer.organisation_id,
                 "contact_changed": influencer.contact != old_contact, "notes_changed": influencer.notes != old_notes}
        audit.record("influencer.update", influencer, before=before, after=after)
        db.session.commit()
        flash(_("Influencer saved."), "success")
        return redirect(url_for("influencers.detail", influencer_id=influencer.id))
    status = 400 if request.method == "POST" else 200
    return render_template("influencers/form.html", form=form, influencer=influencer), status


@bp.route("/influencers/<int:influencer_id>/handles", methods=["POST"])
@login_required
def set_handle(influencer_id: int) -> Any:
    influencer = get_scoped_or_404(Influencer, influencer_id, current_user, MANAGE_ROLES)
    form = HandleForm()
    form.platform.choices = _platform_choices()
    if not form.validate_on_submit():
        flash(_("Choose a platform."), "error")
        return _render_detail(influencer, 400, handle_form=form)
    platform = form.platform.data
    existing = influencer.handle_for(platform)
    before = {"platform": platform, "handle": existing.handle, "platform_user_id": existing.platform_user_id} \
        if existing else None
    if form.remove.data:
        if existing is None:
            flash(_("There is no handle for this platform."), "error")
            return _render_detail(influencer, 400, handle_form=form)
        influencer.handles.remove(existing)
        audit.record("influencer.handle_removed", influencer, before=before)
        db.session.commit()
        flash(_("Handle removed."), "success")
        return redirect(url_for("influencers.detail", influencer_id=influencer.id))
    try:
        handle = normalise_handle(platform, form.handle.data or "")
        user_id = normalise_platform_user_id(form.platform_user_id.data or "")
    except InvalidHandle as error:
        flash(str(error), "error")
        return _render_detail(influencer, 400, handle_form=form)
    row = existing or InfluencerHandle(organisation_id=influencer.organisation_id, platform=platform)
    if existing is None:
        influencer.handles.append(row)
    if row.handle != handle:
        row.platform_user_id = None  # a new handle needs resolving again
        row.resolved_at = None
    changed = row.handle != handle
    row.handle = handle
    if changed:
        row.lookup_status, row.lookup_at, row.lookup_detail = None, None, ""
    if user_id and user_id != row.platform_user_id:
        row.platform_user_id = user_id
        row.resolved_at = utcnow()
        row.lookup_status, row.lookup_at, row.lookup_detail = None, None, ""  # typed by hand
    audit.record("influencer.handle_set", influencer, before=before,
                 after={"platform": platform, "handle": handle, "platform_user_id": row.platform_user_id})
    db.session.commit()
    flash(_("Handle saved."), "success")
    if not user_id and (changed or row.platform_user_id is None) and lookup.can_look_up(platform):
        _look_up_and_flash(row)
    return redirect(url_for("influencers.detail", influencer_id=influencer.id))


def _look_up_and_flash(row: InfluencerHandle) -> None:
    """Ask the platform for the handle's user id (after the handle is committed) and say what it answered."""
    status, message = lookup.look_up(row)
    db.session.commit()
    flash(message, "success" if status == HandleLookup.RESOLVED else "error")


@bp.route("/influencers/<int:influencer_id>/handles/resolve", methods=["POST"])
@login_required
def resolve_handle(influencer_id: int) -> Any:
    """"Resolve again": look one of the influencer's handles up on its platform now."""
    influencer = get_scoped_or_404(Influencer, influencer_id, current_user, MANAGE_ROLES)
    form = ResolveHandleForm()
    row = influencer.handle_for(form.platform.data or "") if form.validate_on_submit() else None
    if row is None:
        flash(_("There is no handle for this platform."), "error")
        return _render_detail(influencer, 400)
    if not lookup.can_look_up(row.platform):
        flash(lookup.manual_reason(row.platform) or "", "error")
        return _render_detail(influencer, 400)
    _look_up_and_flash(row)
    return redirect(url_for("influencers.detail", influencer_id=influencer.id))


# -- consent -----------------------------------------------------------------------------------

@bp.route("/influencers/<int:influencer_id>/consents", methods=["POST"])
@login_required
def add_consent(influencer_id: int) -> Any:
    influencer = get_scoped_or_404(Influencer, influencer_id, current_user, MANAGE_ROLES)
    org = db.session.get(Organisation, influencer.organisation_id)
    form = ConsentForm()
    if not form.validate_on_submit():
        flash(_("Check the consent fields."), "error")
        return _render_detail(influencer, 400, consent_form=form)
    if form.given_on.data > services.local_day(utcnow(), org):
        flash(_("Consent cannot be dated in the future."), "error")
        return _render_detail(influencer, 400, consent_form=form)
    upload = form.document.data if getattr(form.document.data, "filename", "") else None
    try:
        parsed = documents.read_upload(upload) if upload else None
    except documents.DocumentRejected as error:
        flash(str(error), "error")
        return _render_detail(influencer, 400, consent_form=form)
    document = _store_document(influencer, None, parsed) if parsed else None
    consent = ConsentRecord(organisation_id=influencer.organisation_id, influencer_id=influencer.id,
                            given_by=form.given_by.data.strip(), given_at=_local_start(form.given_on.data, org),
                            method=form.method.data, note=form.note.data or "", recorded_by_id=current_user.id,
                            document=document)
    db.session.add(consent)
    db.session.flush()
    audit.record("influencer.consent_recorded", consent, after={
        "influencer_id": influencer.id, "given_by": consent.given_by, "given_on": form.given_on.data.isoformat(),
        "method": consent.method, "document_sha256": document.sha256 if document else None})
    _commit_or_remove(document)
    flash(_("Consent recorded."), "success")
    return redirect(url_for("influencers.detail", influencer_id=influencer.id))


@bp.route("/influencers/<int:influencer_id>/consents/withdraw", methods=["POST"])
@login_required
def withdraw_consent(influencer_id: int) -> Any:
    influencer = get_scoped_or_404(Influencer, influencer_id, current_user, MANAGE_ROLES)
    form = WithdrawConsentForm()
    consent = None
    if form.validate_on_submit() and str(form.consent_id.data).isdigit():
        consent = next((c for c in influencer.consents if c.id == int(form.consent_id.data)), None)
    if consent is None:
        abort(404)
    if consent.withdrawn_at is not None:
        flash(_("This consent was already withdrawn."), "error")
        return _render_detail(influencer, 409)
    consent.withdrawn_at = utcnow()
    audit.record("influencer.consent_withdrawn", consent, before={"withdrawn_at": None},
                 after={"withdrawn_at": consent.withdrawn_at.isoformat(), "influencer_id": influencer.id})
    # Posts not yet out that feature this person now fail the submit gate; tell whoever listens.
    affected = sorted(services.unpublished_post_ids(influencer))
    emit("influencer.consent_withdrawn", organisation_id=influencer.organisation_id,
         influencer_id=influencer.id, post_ids=affected)
    db.session.commit()
    flash(_("Consent withdrawn. Paid collaborations with this person can no longer be submitted."), "success")
    return redirect(url_for("influencers.detail", influencer_id=influencer.id))


# -- agreements and documents ---------------------------------------------------------------------

@bp.route("/influencers/<int:influencer_id>/agreements", methods=["POST"])
@login_required
def add_agreement(influencer_id: int) -> Any:
    influencer = get_scoped_or_404(Influencer, influencer_id, current_user, MANAGE_ROLES)
    form = AgreementForm()
    if not form.validate_on_submit():
        flash(_("Check the agreement fields."), "error")
        return _render_detail(influencer, 400, agreement_form=form)
    if form.ends_on.data < form.starts_on.data:
        flash(_("The agreement cannot end before it starts."), "error")
        return _render_detail(influencer, 400, agreement_form=form)
    upload = form.document.data if getattr(form.document.data, "filename", "") else None
    try:
        parsed = documents.read_upload(upload) if upload else None
    except documents.DocumentRejected as error:
        flash(str(error), "error")
        return _render_detail(influencer, 400, agreement_form=form)
    agreement = Agreement(organisation_id=influencer.organisation_id, influencer=influencer,
                          starts_on=form.starts_on.data, ends_on=form.ends_on.data, paid=form.paid.data,
                          third_party_brand=form.third_party_brand.data, scope=form.scope.data or "",
                          created_by_id=current_user.id)
    db.session.add(agreement)
    db.session.flush()
    document = _store_document(influencer, agreement, parsed) if parsed else None
    audit.record("influencer.agreement_created", agreement, after={
        "influencer_id": influencer.id, "starts_on": agreement.starts_on.isoformat(),
        "ends_on": agreement.ends_on.isoformat(), "paid": agreement.paid,
        "third_party_brand": agreement.third_party_brand, "document_sha256": document.sha256 if document else None})
    _commit_or_remove(document)
    flash(_("Agreement recorded."), "success")
    return redirect(url_for("influencers.detail", influencer_id=influencer.id))


@bp.route("/influencers/<int:influencer_id>/agreements/<int:agreement_id>/edit", methods=["GET", "POST"])
@login_required
def edit_agreement(influencer_id: int, agreement_id: int) -> Any:
    """Correct an agreement (dates, paid, scope); every change is audited with the values before."""
    influencer = get_scoped_or_404(Influencer, influencer_id, current_user, MANAGE_ROLES)
    agreement = next((a for a in influencer.agreements if a.id == agreement_id), None)
    if agreement is None:
        abort(404)
    form = AgreementForm(obj=agreement)
    del form.document
    status = 200
    if form.validate_on_submit():
        if form.ends_on.data < form.starts_on.data:
            flash(_("The agreement cannot end before it starts."), "error")
            status = 400
        else:
            before = _agreement_values(agreement)
            form.populate_obj(agreement)
            agreement.scope = agreement.scope or ""
            audit.record("influencer.agreement_updated", agreement, before=before, after=_agreement_values(agreement))
            db.session.commit()
            flash(_("Agreement saved."), "success")
            return redirect(url_for("influencers.detail", influencer_id=influencer.id))
    elif request.method == "POST":
        status = 400
    return render_template("influencers/agreement_form.html", form=form, influencer=influencer,
                           agreement=agreement), status


def _agreement_values(agreement: Agreement) -> dict[str, Any]:
    return {"starts_on": agreement.starts_on.isoformat(), "ends_on": agreement.ends_on.isoformat(),
            "paid": agreement.paid, "third_party_brand": agreement.third_party_brand, "scope": agreement.scope}


@bp.route("/influencers/<int:influencer_id>/agreements/<int:agreement_id>/documents", methods=["POST"])
@login_required
def upload_document(influencer_id: int, agreement_id: int) -> Any:
    influencer = get_scoped_or_404(Influencer, influencer_id, current_user, MANAGE_ROLES)
    agreement = next((a for a in influencer.agreements if a.id == agreement_id), None)
    if agreement is None:
        abort(404)
    form = DocumentForm()
    try:
        if not form.validate_on_submit():
            raise documents.DocumentRejected(_("The form expired. Reload the page and try again."))
        parsed = documents.read_upload(form.document.data)
    except documents.DocumentRejected as error:
        flash(str(error), "error")
        return _render_detail(influencer, 400)
    document = _store_document(influencer, agreement, parsed)
    _commit_or_remove(document)
    flash(_("Document stored."), "success")
    return redirect(url_for("influencers.detail", influencer_id=influencer.id))


def _store_document(influencer: Influencer, agreement: Agreement | None,
                    parsed: tuple[bytes, str, str]) -> InfluencerDocument:
    data, content_type, filename = parsed
    stored = documents.store(influencer.organisation_id, data, content_type, filename)
    document = InfluencerDocument(
        organisation_id=influencer.organisation_id, influencer_id=influencer.id,
        agreement_id=agreement.id if agreement else None, filename=stored.filename,
        content_type=stored.content_type, size_bytes=stored.size_bytes, sha256=stored.sha256,
        storage_key=stored.storage_key, uploaded_by_id=current_user.id)
    db.session.add(document)
    db.session.flush()
    audit.record("influencer.document_uploaded", document, after={
        "influencer_id": influencer.id, "agreement_id": document.agreement_id, "filename": document.filename,
        "sha256": document.sha256, "size_bytes": document.size_bytes})
    return document


def _commit_or_remove(document: InfluencerDocument | None) -> None:
    """Commit; if that fails, delete the file just written so nothing is left half-done."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        if document is not None:
            documents.remove(document.storage_key)
        raise


@bp.route("/influencers/documents/<int:document_id>")
@login_required
def download_document(document_id: int) -> Response:
    document = get_scoped_or_404(InfluencerDocument, document_id, current_user, MANAGE_ROLES)
    path = documents.path_for(document.storage_key)
    if not path.exists():
        abort(404)
    audit.record("influencer.document_downloaded", document, after={"sha256": document.sha256})
    db.session.commit()
    response = send_file(path, mimetype=document.content_type, as_attachment=True,
                         download_name=document.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- disclosure policy ------------------------------------------------------------------------------

@bp.route("/influencers/policy/<int:org_id>", methods=["GET", "POST"])
@login_required
def policy(org_id: int) -> Any:
    organisation = get_scoped_or_404(Organisation, org_id, current_user, MANAGE_ROLES)
    own = db.session.scalar(select(DisclosurePolicy).where(DisclosurePolicy.organisation_id == organisation.id))
    effective, source = services.effective_policy(organisation)
    form = PolicyForm(obj=own) if own else PolicyForm(text=effective.text, text_everywhere=effective.text_everywhere)
    if form.validate_on_submit():
        before = {"text": own.text, "text_everywhere": own.text_everywhere} if own else None
        if own is None:
            own = DisclosurePolicy(organisation_id=organisation.id)
            db.session.add(own)
        own.text = form.text.data.strip()
        own.text_everywhere = form.text_everywhere.data
        db.session.flush()
        audit.record("disclosure_policy.set", own, before=before,
                     after={"text": own.text, "text_everywhere": own.text_everywhere})
        db.session.commit()
        flash(_("Disclosure policy saved; it applies to this organisation and the ones below it."), "success")
        return redirect(url_for("influencers.policy", org_id=organisation.id))
    status = 400 if request.method == "POST" else 200
    return render_template("influencers/policy.html", form=form, organisation=organisation, own=own,
                           effective=effective, source=source), status


# -- tagging a post ---------------------------------------------------------------------------------

@bp.route("/posts/<int:post_id>/collaborations", methods=["GET", "POST"])
@login_required
def post_collaborations(post_id: int) -> Any:
    post = get_scoped_or_404(Post, post_id, current_user, READ_ROLES)
    can_edit = has_role(current_user, post.organisation, *MANAGE_ROLES)
    form = CollaborationForm()
    choices = db.session.scalars(
        scoped(Influencer, current_user, MANAGE_ROLES)
        .where(Influencer.organisation_id.in_(post.organisation.ancestor_ids)).order_by(Influencer.name)).all()
    form.influencer_id.choices = [SelectChoice(i.id, i.name) for i in choices]
    status = 200
    if request.method == "POST":
        if not can_edit:
            abort(403)
        status = _add_collaboration(post, form, {i.id: i for i in choices})
        if status == 302:
            return redirect(url_for("influencers.post_collaborations", post_id=post.id))
    return _render_post_page(post, form, can_edit), status


def _add_collaboration(post: Post, form: CollaborationForm, allowed: dict[int, Influencer]) -> int:
    if post.state not in EDITABLE_POST_STATES:
        flash(_("This post is approved or scheduled; return it to draft before changing its collaborations."),
              "error")
        return 409
    if not form.validate_on_submit() or form.influencer_id.data not in allowed:
        flash(_("Choose an influencer from your registry and a kind of collaboration."), "error")
        return 400
    exists = db.session.scalar(select(PostCollaboration).where(
        PostCollaboration.post_id == post.id, PostCollaboration.influencer_id == form.influencer_id.data,
        PostCollaboration.kind == form.kind.data))
    if exists is not None:
        flash(_("This influencer is already on the post in this way."), "error")
        return 409
    collaboration = PostCollaboration(organisation_id=post.organisation_id, post_id=post.id,
                                      influencer_id=form.influencer_id.data, kind=form.kind.data,
                                      created_by_id=current_user.id)
    db.session.add(collaboration)
    post.content_version += 1  # the published payload changes, so an approval must be renewed
    db.session.flush()
    audit.record("post.collaboration_added", collaboration, after={
        "post_id": post.id, "influencer_id": collaboration.influencer_id, "kind": collaboration.kind,
        "content_version": post.content_version})
    db.session.commit()
    flash(_("Collaboration added."), "success")
    return 302


@bp.route("/posts/<int:post_id>/collaborations/remove", methods=["POST"])
@login_required
def remove_collaboration(post_id: int) -> Any:
    post = get_scoped_or_404(Post, post_id, current_user, MANAGE_ROLES)
    form = RemoveCollaborationForm()
    collaboration = None
    if form.validate_on_submit() and str(form.collaboration_id.data).isdigit():
        collaboration = db.session.scalar(select(PostCollaboration).where(
            PostCollaboration.post_id == post.id, PostCollaboration.id == int(form.collaboration_id.data)))
    if collaboration is None:
        abort(404)
    if post.state not in EDITABLE_POST_STATES:
        flash(_("This post is approved or scheduled; return it to draft before changing its collaborations."),
              "error")
        return _render_post_page(post, None, True), 409
    before = {"post_id": post.id, "influencer_id": collaboration.influencer_id, "kind": collaboration.kind}
    audit.record("post.collaboration_removed", collaboration, before=before)
    db.session.delete(collaboration)
    post.content_version += 1
    db.session.commit()
    flash(_("Collaboration removed."), "success")
    return redirect(url_for("influencers.post_collaborations", post_id=post.id))


def _render_post_page(post: Post, form: CollaborationForm | None, can_edit: bool) -> str:
    platforms = services.target_platforms(post)
    plans = services.plan_post(post, platforms or list(KNOWN_PLATFORMS))
    return render_template(
        "influencers/post_collaborations.html", post=post, form=form, can_edit=can_edit,
        collaborations=services.post_collaborations(post), plans=plans, has_targets=bool(platforms),
        problems=services.collaboration_problems(post), kind_labels=KIND_LABELS, platform_name=platform_name,
        remove_form=RemoveCollaborationForm(), editable=post.state in EDITABLE_POST_STATES,
        status_labels=STATUS_LABELS)


# -- reports ---------------------------------------------------------------------------------------------

def _parse_day(name: str) -> date | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


def _period_rows() -> tuple[list[reports.ReportRow], Organisation | None, date | None, date | None]:
    _require_some_role(READ_ROLES)
    org_id = request.args.get("org_id", "")
    organisation = None
    query = scoped(PostCollaboration, current_user, READ_ROLES)
    if org_id:
        if not org_id.isdigit():
            abort(400)
        organisation = get_scoped_or_404(Organisation, int(org_id), current_user, READ_ROLES)
        subtree = select(Organisation.id).where(Organisation.path.like(f"{organisation.path}%"))
        query = query.where(PostCollaboration.organisation_id.in_(subtree))
    start, end = _parse_day("start"), _parse_day("end")
    return reports.in_period(reports.rows_for(query), start, end), organisation, start, end


@bp.route("/influencers/reports")
@login_required
def report() -> str:
    rows, organisation, start, end = _period_rows()
    organisations = db.session.scalars(scoped(Organisation, current_user, READ_ROLES).order_by(Organisation.path))
    return render_template("influencers/report.html", rows=rows, organisation=organisation, start=start, end=end,
                           organisations=list(organisations), influencer=None, kind_labels=KIND_LABELS,
                           platform_name=platform_name)


@bp.route("/influencers/reports.csv")
@login_required
def report_csv() -> Response:
    rows, _organisation, _start, _end = _period_rows()
    return _csv_response(reports.to_csv(rows), "kolaborasi.csv")


@bp.route("/influencers/<int:influencer_id>/report")
@login_required
def influencer_report(influencer_id: int) -> str:
    influencer = get_scoped_or_404(Influencer, influencer_id, current_user, READ_ROLES)
    rows = reports.rows_for(reports.collaborations_of(influencer).where(
        PostCollaboration.organisation_id.in_(visible_organisation_ids(current_user, READ_ROLES))))
    return render_template("influencers/report.html", rows=rows, organisation=None, start=None, end=None,
                           organisations=[], influencer=influencer, kind_labels=KIND_LABELS,
                           platform_name=platform_name)


@bp.route("/influencers/<int:influencer_id>/report.csv")
@login_required
def influencer_report_csv(influencer_id: int) -> Response:
    influencer = get_scoped_or_404(Influencer, influencer_id, current_user, READ_ROLES)
    rows = reports.rows_for(reports.collaborations_of(influencer).where(
        PostCollaboration.organisation_id.in_(visible_organisation_ids(current_user, READ_ROLES))))
    return _csv_response(reports.to_csv(rows), f"kolaborasi-influencer-{influencer.id}.csv")


def _csv_response(text: str, filename: str) -> Response:
    response = Response("\ufeff" + text, mimetype="text/csv")  # BOM: spreadsheets read UTF-8 correctly
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
