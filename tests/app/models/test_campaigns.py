"""Campaign model: names unique per organisation whatever their case; posts point at one, or none."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Campaign, OrgKind, campaign_name_key


def _campaign(org, name: str) -> Campaign:
    campaign = Campaign(organisation_id=org.id)
    campaign.rename(name)
    db.session.add(campaign)
    return campaign


def test_name_key_ignores_case_and_extra_spaces():
    assert campaign_name_key("  HUT RI   ke-81 ") == campaign_name_key("hut ri ke-81") == "hut ri ke-81"


def test_name_is_unique_per_organisation_in_any_case(factory):
    top = factory.org("Diskominfo Kota Balikpapan", kind=OrgKind.DISKOMINFO)
    opd = factory.org("Dinas Kesehatan", parent=top)
    _campaign(top, "Pilkada Damai 2026")
    _campaign(opd, "PILKADA DAMAI 2026")  # another organisation may use the same name
    db.session.commit()
    _campaign(top, "pilkada  damai 2026")
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Campaign)) == 2


def test_post_carries_a_campaign_and_defaults_to_none(factory):
    top = factory.org("Diskominfo Kota Balikpapan", kind=OrgKind.DISKOMINFO)
    author = factory.user(top, "admin")
    campaign = _campaign(top, "Stunting")
    db.session.commit()
    plain = factory.post(top, author)
    labelled = factory.post(top, author, campaign_id=campaign.id)
    assert plain.campaign is None and plain.campaign_id is None
    assert labelled.campaign.name == "Stunting" and not campaign.archived
