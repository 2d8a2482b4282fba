"""Demo influencers for `make run`: one paid partner with consent and a current agreement, one unpaid."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import (
    Agreement,
    ConsentMethod,
    ConsentRecord,
    DisclosurePolicy,
    Influencer,
    InfluencerHandle,
    Organisation,
    utcnow,
)


def seed_demo_influencers(root: Organisation) -> None:
    """Add demo registry rows under the demo Diskominfo (`root`), in the current session."""
    db.session.add(DisclosurePolicy(organisation_id=root.id, text="#kerjasama", text_everywhere=False))
    now = utcnow()
    today = now.date()
    paid = Influencer(organisation_id=root.id, name="Rina Balikpapan", contact="rina@demo.warta.example.org",
                      notes="Kampanye layanan publik 2026")
    paid.handles = [InfluencerHandle(organisation_id=root.id, platform="instagram", handle="rina.bpp",
                                     platform_user_id="17841400000000001", resolved_at=now),
                    InfluencerHandle(organisation_id=root.id, platform="tiktok", handle="rinabpp")]
    paid.consents = [ConsentRecord(organisation_id=root.id, given_by="Rina", given_at=now - timedelta(days=20),
                                   method=ConsentMethod.SIGNED_FORM, note="Formulir persetujuan publikasi")]
    paid.agreements = [Agreement(organisation_id=root.id, starts_on=today - timedelta(days=14),
                                 ends_on=today + timedelta(days=60), paid=True, scope="Promosi layanan aduan")]
    unpaid = Influencer(organisation_id=root.id, name="Komunitas Sepeda BPP", contact="", notes="")
    unpaid.handles = [InfluencerHandle(organisation_id=root.id, platform="instagram", handle="sepeda.bpp"),
                      InfluencerHandle(organisation_id=root.id, platform="x", handle="sepedabpp")]
    db.session.add_all([paid, unpaid])
