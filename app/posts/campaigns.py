"""Campaigns per organisation: pages for admins, and the lookups the composer, filters, CSV and API use.

Like templates (app/posts/templates.py), an organisation's campaigns are usable in it and in every
organisation below it: a Diskominfo-wide campaign ("HUT RI ke-81") labels the posts of every OPD.
Only admins of the owning organisation (or above) create, edit, archive or restore them; a campaign
is never deleted, so the posts it labels keep their label. A campaign is a label, not content:
setting or changing it on a post does not bump `content_version` and sends nothing back to review.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import Select, or_, select
from werkzeug.wrappers import Response
from wtforms import DateField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from app import audit
from app.extensions import db
from app.forms_common import ConfirmForm, form_page, max_length, required
from app.models import Campaign, Organisation, Role, User, campaign_name_key
from app.tenancy import get_scoped_or_404, membership_paths, scoped

bp = Blueprint("campaigns", __name__)

#: The message for a campaign id a post may not use (composer, API, CSV import).
NOT_USABLE = _l("Choose one of the campaigns offered for this organisation.")


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(120)],
                       description=_l("For example “HUT RI ke-81” or “Pilkada Damai 2026”."))
    description = TextAreaField(_l("Description"), validators=[Optional(), max_length(2000)])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])


# -- lookups ------------------------------------------------------------------------------------------


def usable_campaigns(organisation: Organisation) -> list[Campaign]:
    """Campaigns a post of `organisation` may carry: its own and its ancestors', not archived, by name.

    Deliberately not `scoped()`: an OPD admin uses the Pemda's campaigns without a role there;
    only campaigns on the organisation's own path to the root are returned.
    """
    query = select(Campaign).where(usable_by(organisation)).order_by(Campaign.name, Campaign.id)
    return list(db.session.scalars(query))


def usable_by(organisation: Organisation) -> Any:
    """SQL condition: campaigns a post of `organisation` may carry (its own and its ancestors', not archived)."""
    return Campaign.organisation_id.in_(organisation.ancestor_ids) & Campaign.archived.is_(False)


def usable_campaign(organisation: Organisation, campaign_id: int) -> Campaign | None:
    """The campaign if a post of `organisation` may carry it (own or ancestor's, not archived), else None."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.archived or campaign.organisation_id not in organisation.ancestor_ids:
        return None
    return campaign


def usable_campaign_by_name(organisation: Organisation, name: str) -> Campaign | None:
    """The usable campaign with this name (any case); the nearest organisation's wins on a clash."""
    found = db.session.scalars(
        select(Campaign).where(Campaign.organisation_id.in_(organisation.ancestor_ids), Campaign.archived.is_(False),
                               Campaign.name_key == campaign_name_key(name)))
    depth = {org_id: n for n, org_id in enumerate(organisation.ancestor_ids)}
    return max(found, key=lambda c: depth[c.organisation_id], default=None)


def visible_campaigns_query(user: User, within: Organisation | None = None) -> Select:
    """Campaigns the user may filter by: those of organisations they see, and of the ancestors of those.

    With `within`, only the campaigns that posts of that organisation's subtree can carry (its
    subtree's and its ancestors'). Archived ones included (posts keep their campaign), ordered
    active first, then by name.
    """
    ancestor_ids = {int(part) for path in membership_paths(user) for part in path.strip("/").split("/") if part}
    visible = scoped(Organisation, user).with_only_columns(Organisation.id)
    query = select(Campaign).where(or_(Campaign.organisation_id.in_(visible),
                                       Campaign.organisation_id.in_(ancestor_ids)))
    if within is not None:
        subtree = select(Organisation.id).where(Organisation.path.like(f"{within.path}%"))
        query = query.where(or_(Campaign.organisation_id.in_(subtree),
                                Campaign.organisation_id.in_(within.ancestor_ids)))
    return query.order_by(Campaign.archived, Campaign.name, Campaign.id)


def campaign_filter_options(user: User, within: Organisation | None = None) -> list[Any]:
    """Rows (id, name, archived, organisation name) for a page's campaign filter select."""
    return list(db.session.execute(visible_campaigns_query(user, within)
                                   .join(Organisation, Organisation.id == Campaign.organisation_id)
                                   .with_only_columns(Campaign.id, Campaign.name, Campaign.archived,
                                                      Organisation.name.label("organisation"))))


def visible_campaign_or_404(user: User, campaign_id: int) -> Campaign:
    campaign = db.session.scalar(visible_campaigns_query(user).where(Campaign.id == campaign_id))
    if campaign is None:
        abort(404)
    return campaign


def campaign_choices(campaigns: Iterable[Campaign], organisation: Organisation | None = None) -> list[tuple[str, str]]:
    """Select options; a campaign of another (ancestor) organisation names it, an archived one says so."""
    choices = []
    for campaign in campaigns:
        label = campaign.name
        if organisation is None or campaign.organisation_id != organisation.id:
            label = f"{label} ({campaign.organisation.name})"
        if campaign.archived:
            label = f"{label} · {_('archived')}"
        choices.append((str(campaign.id), label))
    return choices


def offer_campaigns(field: Field, organisation: Organisation, keep: Campaign | None = None) -> None:
    """Make `field`'s options "no campaign" + the campaigns usable in `organisation`.

    `keep` (a post's current campaign) stays offered even when archived, so saving the post
    again does not fail on it.
    """
    campaigns = usable_campaigns(organisation)
    if keep is not None and keep not in campaigns:
        campaigns.append(keep)
    field.choices = [("", _("No campaign")), *campaign_choices(campaigns, organisation)]


class PostCampaignForm(FlaskForm):
    """The post page's own campaign control: a label can change in any state, without review."""

    campaign = SelectField(_l("Campaign"), choices=[], validate_choice=False)


def snapshot(campaign: Campaign) -> dict[str, Any]:
    return {"name": campaign.name, "description": campaign.description,
            "starts_on": campaign.starts_on.isoformat() if campaign.starts_on else None,
            "ends_on": campaign.ends_on.isoformat() if campaign.ends_on else None,
            "archived": campaign.archived}


# -- pages ----------------------------------------------------------------------------------------------


def _valid(form: CampaignForm, organisation: Organisation, campaign: Campaign | None) -> bool:
    """WTForms' checks, then dates in order and the name unique in the organisation (any case)."""
    valid = form.validate_on_submit()
    if not form.is_submitted():
        return False
    if form.starts_on.data and form.ends_on.data and form.ends_on.data < form.starts_on.data:
        form.ends_on.errors = [*form.ends_on.errors, _("The campaign cannot end before it starts.")]
        valid = False
    name = (form.name.data or "").strip()
    if name:
        clash = db.session.scalar(select(Campaign.id).where(
            Campaign.organisation_id == organisation.id, Campaign.name_key == campaign_name_key(name),
            Campaign.id != (campaign.id if campaign else -1)))
        if clash is not None:
            form.name.errors = [*form.name.errors, _("This organisation already has a campaign with this name.")]
            valid = False
    return valid


def _apply(campaign: Campaign, form: CampaignForm) -> None:
    campaign.rename(form.name.data)
    campaign.description = (form.description.data or "").strip()
    campaign.starts_on, campaign.ends_on = form.starts_on.data, form.ends_on.data


@bp.route("/campaigns")
@login_required
def index() -> str:
    """Campaigns the user manages (admin of their organisation), active first, with "new" per organisation."""
    organisations = list(db.session.scalars(scoped(Organisation, current_user, [Role.ADMIN])
                                            .order_by(Organisation.path)))
    if not organisations:
        abort(403)
    campaigns = list(db.session.scalars(scoped(Campaign, current_user, [Role.ADMIN])
                                        .order_by(Campaign.archived, Campaign.organisation_id, Campaign.name)))
    return render_template("posts/campaigns.html", campaigns=campaigns, organisations=organisations,
                           confirm=ConfirmForm())


@bp.route("/orgs/<int:org_id>/campaigns/new", methods=["GET", "POST"])
@login_required
def create(org_id: int) -> Response | tuple[str, int]:
    organisation = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    form = CampaignForm()
    if _valid(form, organisation, None):
        campaign = Campaign(organisation_id=organisation.id, created_by_id=current_user.id)
        _apply(campaign, form)
        db.session.add(campaign)
        db.session.flush()
        audit.record("campaign.created", campaign, after=snapshot(campaign))
        db.session.commit()
        flash(_("The campaign was saved."), "success")
        return redirect(url_for("campaigns.index"))
    return form_page("posts/campaign_form.html", form, organisation=organisation, campaign=None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def edit(campaign_id: int) -> Response | tuple[str, int]:
    campaign = get_scoped_or_404(Campaign, campaign_id, current_user, roles=[Role.ADMIN])
    form = CampaignForm(obj=campaign)
    if _valid(form, campaign.organisation, campaign):
        before = snapshot(campaign)
        _apply(campaign, form)
        if snapshot(campaign) != before:
            audit.record("campaign.updated", campaign, before=before, after=snapshot(campaign))
            db.session.commit()
            flash(_("The campaign was saved."), "success")
        else:
            db.session.rollback()
            flash(_("Nothing was changed."), "info")
        return redirect(url_for("campaigns.index"))
    return form_page("posts/campaign_form.html", form, organisation=campaign.organisation, campaign=campaign)


def _set_archived(campaign_id: int, archived: bool) -> Response | tuple[str, int]:
    campaign = get_scoped_or_404(Campaign, campaign_id, current_user, roles=[Role.ADMIN])
    if not ConfirmForm().validate_on_submit():
        return render_template("error.html", code=400, message=_("The form expired. Please try again.")), 400
    if campaign.archived != archived:
        before = snapshot(campaign)
        campaign.archived = archived
        audit.record("campaign.archived" if archived else "campaign.restored", campaign, before=before,
                     after=snapshot(campaign))
        db.session.commit()
    flash(_("The campaign was archived; its posts keep it.") if archived else _("The campaign can be used again."),
          "success")
    return redirect(url_for("campaigns.index"))


@bp.route("/campaigns/<int:campaign_id>/archive", methods=["POST"])
@login_required
def archive(campaign_id: int) -> Response | tuple[str, int]:
    """Offer the campaign no more; posts that carry it keep it (and can still be filtered by it)."""
    return _set_archived(campaign_id, True)


@bp.route("/campaigns/<int:campaign_id>/restore", methods=["POST"])
@login_required
def restore(campaign_id: int) -> Response | tuple[str, int]:
    return _set_archived(campaign_id, False)

