"""How the role × tenant test fills URL parameters: parameter name → id of tenant A's object.

When you add a route with a new parameter (`<int:checklist_id>`), register it here:

1. If the object is a new model, add a builder to `EXTRA_BUILDERS` that creates one for a
   tenant and stores it in `tenant.objects` (put `tenant.marker` into a visible text field,
   so a page that shows it to a foreign tenant is caught), e.g.

       def _checklist(tenant, factory):
           tenant.objects["checklist"] = Checklist(organisation=tenant.org, title=tenant.marker)
           db.session.add(tenant.objects["checklist"]); db.session.commit()

       EXTRA_BUILDERS.append(_checklist)

2. Map the parameter name to that object's id in `ROUTE_PARAMS`:

       "checklist_id": lambda t: t.objects["checklist"].id,

Every rule in `app.url_map` is requested with tenant A's ids as every role of tenant B;
an unregistered parameter name fails the test with a pointer to this file.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.role_tenant import Tenant

#: URL parameter name → function returning the id of tenant A's object of that kind.
ROUTE_PARAMS: dict[str, Callable[[Tenant], int]] = {
    "org_id": lambda t: t.org.id,  # A's child organisation (an OPD)
    "organisation_id": lambda t: t.org.id,
    "parent_id": lambda t: t.root.id,
    "user_id": lambda t: t.member.user_id,
    "membership_id": lambda t: t.member.id,
    "account_id": lambda t: t.account.id,
    "post_id": lambda t: t.post.id,
    "target_id": lambda t: t.target.id,
    "media_id": lambda t: t.media.id,
    "token_id": lambda t: t.objects["api_token"].id,
}

#: Functions `(tenant, factory) -> None` that add objects of new models to each tenant tree.
EXTRA_BUILDERS: list[Callable[[Tenant, Any], None]] = []


def _influencer_objects(tenant: Tenant, factory: Any) -> None:
    """An influencer with an agreement and a private document (coordinator pages)."""
    from datetime import date

    from app.extensions import db
    from app.models import Agreement, Influencer, InfluencerDocument

    influencer = Influencer(organisation_id=tenant.org.id, name=f"Influencer {tenant.marker}",
                            contact=f"contact {tenant.marker}", notes=tenant.marker)
    agreement = Agreement(organisation_id=tenant.org.id, influencer=influencer, starts_on=date(2026, 1, 1),
                          ends_on=date(2026, 12, 31), paid=True, scope=tenant.marker)
    db.session.add_all([influencer, agreement])
    db.session.flush()
    document = InfluencerDocument(organisation_id=tenant.org.id, influencer_id=influencer.id,
                                  agreement_id=agreement.id, filename=f"{tenant.marker}.pdf",
                                  content_type="application/pdf", size_bytes=4, sha256="0" * 64,
                                  storage_key=f"doc-{tenant.marker}-{tenant.label}")
    db.session.add(document)
    db.session.commit()
    tenant.objects.update(influencer=influencer, agreement=agreement, document=document)


def _security_objects(tenant: Tenant, factory: Any) -> None:
    """An attestation with evidence, a profile snapshot and an own checklist item (security pages)."""
    from app.extensions import db
    from app.models import Attestation, CustomItem, Evidence, ProfileSnapshot, utcnow

    attestation = Attestation(organisation_id=tenant.org.id, account_id=tenant.account.id, item_id="G1",
                              attested_by_id=tenant.member.user_id, checked_on=utcnow(), note=tenant.marker)
    db.session.add(attestation)
    db.session.flush()
    evidence = Evidence(organisation_id=tenant.org.id, attestation_id=attestation.id,
                        filename=f"{tenant.marker}.png", content_type="image/png", size_bytes=4,
                        sha256="0" * 64, storage_key=f"ev{tenant.label}{attestation.id}".ljust(16, "0"))
    snapshot = ProfileSnapshot(organisation_id=tenant.org.id, account_id=tenant.account.id, day="2026-11-20",
                               profile={"display_name": tenant.marker}, changes={"bio": tenant.marker})
    item = CustomItem(organisation_id=tenant.root.id, severity="high", interval_days=90,
                      title_id=tenant.marker, title_en=tenant.marker)
    db.session.add_all([evidence, snapshot, item])
    db.session.commit()
    tenant.objects.update(attestation=attestation, evidence=evidence, profile_snapshot=snapshot, custom_item=item)


def _hold(tenant: Tenant, factory: Any) -> None:
    """An active crisis hold on tenant A's OPD (crisis-hold release pages)."""
    from app.extensions import db
    from app.models import Hold

    hold = Hold(organisation_id=tenant.org.id, scope="organisation", reason=tenant.marker,
                created_by_id=tenant.member.user_id)
    db.session.add(hold)
    db.session.commit()
    tenant.objects["hold"] = hold


EXTRA_BUILDERS.extend([_influencer_objects, _security_objects, _hold])
ROUTE_PARAMS.update({
    "influencer_id": lambda t: t.objects["influencer"].id,
    "agreement_id": lambda t: t.objects["agreement"].id,
    "document_id": lambda t: t.objects["document"].id,
    "attestation_id": lambda t: t.objects["attestation"].id,
    "evidence_id": lambda t: t.objects["evidence"].id,
    "profile_snapshot_id": lambda t: t.objects["profile_snapshot"].id,
    "custom_item_id": lambda t: t.objects["custom_item"].id,
    "hold_id": lambda t: t.objects["hold"].id,
    "platform": lambda t: t.account.platform,  # /connect/<platform>: not tenant data, but must stay signed-in only
})


def _notification_objects(tenant: Tenant, factory: Any) -> None:
    """A webhook (its URL carries the marker) and a notification for the member."""
    from app.crypto import encrypt_text
    from app.extensions import db
    from app.models import Notification, Webhook

    webhook = Webhook(organisation_id=tenant.org.id, url=f"https://hooks.example/{tenant.marker}",
                      secret_encrypted=encrypt_text("s"), events=[])
    db.session.add_all([webhook, Notification(organisation_id=tenant.org.id, user_id=tenant.member.user_id,
                                              event="health.alert", payload={"message": tenant.marker})])
    db.session.commit()
    tenant.objects["webhook"] = webhook


EXTRA_BUILDERS.append(_notification_objects)
ROUTE_PARAMS["webhook_id"] = lambda t: t.objects["webhook"].id


def _post_template(tenant: Tenant, factory: Any) -> None:
    """A text template of tenant A's OPD (template pages of the composer)."""
    from app.extensions import db
    from app.models import PostTemplate

    template = PostTemplate(organisation_id=tenant.org.id, kind="template", name=f"Templat {tenant.marker}",
                            body=tenant.marker, created_by_id=tenant.member.user_id)
    db.session.add(template)
    db.session.commit()
    tenant.objects["post_template"] = template


EXTRA_BUILDERS.append(_post_template)
ROUTE_PARAMS["template_id"] = lambda t: t.objects["post_template"].id


def _api_objects(tenant: Tenant, factory: Any) -> None:
    """A personal API token of tenant A's staff (revoked only by its owner)."""
    from app.api.tokens import create_token
    from app.extensions import db
    from app.models import User

    staff = db.session.get(User, tenant.member.user_id)
    staff.totp_enabled = True
    tenant.objects["api_token"] = create_token(staff, f"token {tenant.marker}", {"read"}).token
    db.session.commit()


EXTRA_BUILDERS.append(_api_objects)


def _campaign(tenant: Tenant, factory: Any) -> None:
    """A campaign of tenant A's OPD, labelling its post (campaign pages, filters, post page)."""
    from app.extensions import db
    from app.models import Campaign

    campaign = Campaign(organisation_id=tenant.org.id, description=tenant.marker, created_by_id=tenant.member.user_id)
    campaign.rename(f"Kampanye {tenant.marker}")
    db.session.add(campaign)
    db.session.flush()
    tenant.post.campaign_id = campaign.id
    db.session.commit()
    tenant.objects["campaign"] = campaign


EXTRA_BUILDERS.append(_campaign)
ROUTE_PARAMS["campaign_id"] = lambda t: t.objects["campaign"].id
