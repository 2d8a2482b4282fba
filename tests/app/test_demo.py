"""Demo data: the city-wide campaigns exist and an OPD's draft carries one."""
from __future__ import annotations

from app.demo import seed_demo
from app.extensions import db
from app.models import Campaign, Post


def test_demo_has_city_wide_campaigns_used_by_an_opd(app):
    seed_demo()
    db.session.commit()
    campaigns = {c.name: c for c in db.session.scalars(db.select(Campaign))}
    assert set(campaigns) == {"Stunting", "HUT RI ke-81"}
    assert {c.organisation.name for c in campaigns.values()} == {"Diskominfo Kota Balikpapan"}
    posyandu = db.session.scalar(db.select(Post).where(Post.title == "Posyandu serentak"))
    assert posyandu.organisation.name == "Dinas Kesehatan" and posyandu.campaign is campaigns["Stunting"]
