"""The calendar's campaign filter and label: inherited campaigns, archived ones, tenancy."""
from __future__ import annotations

from datetime import UTC, datetime

from tests.app.calendar.test_views import timed_post, tree  # noqa: F401 (fixture)
from tests.app.posts.test_campaigns import campaign

WHEN = datetime(2027, 3, 9, 1, 0, tzinfo=UTC)


def test_filter_by_campaign_with_a_label_on_each_entry(browser, factory, tree):  # noqa: F811
    top, health, roads, _foreign = tree
    admin = factory.user(top, "admin")
    city = campaign(top, "Pilkada Damai 2026")
    health_own = campaign(health, "Stunting", archived=True)
    timed_post(factory, health, admin, "Kesehatan-pilkada", WHEN, campaign_id=city.id)
    timed_post(factory, roads, admin, "Jalan-pilkada", WHEN, campaign_id=city.id)
    timed_post(factory, health, admin, "Kesehatan-stunting", WHEN, campaign_id=health_own.id)
    timed_post(factory, roads, admin, "Jalan-tanpa", WHEN)
    client = browser(admin)

    def titles(query: str) -> set[str]:
        html = client.get(f"/calendar?view=list&date=2027-03-01&{query}").get_data(as_text=True)
        return {t for t in ("Kesehatan-pilkada", "Jalan-pilkada", "Kesehatan-stunting", "Jalan-tanpa") if t in html}

    assert titles("") == {"Kesehatan-pilkada", "Jalan-pilkada", "Kesehatan-stunting", "Jalan-tanpa"}
    assert titles(f"campaign_id={city.id}") == {"Kesehatan-pilkada", "Jalan-pilkada"}
    assert titles(f"campaign_id={health_own.id}") == {"Kesehatan-stunting"}  # archived: still filterable
    assert titles(f"campaign_id={city.id}&org_id={roads.id}") == {"Jalan-pilkada"}
    html = client.get(f"/calendar?date=2027-03-01&campaign_id={city.id}").get_data(as_text=True)  # month view
    assert '<span class="cal-campaign" title="Kampanye">Pilkada Damai 2026</span>' in html
    assert f'<option value="{city.id}" selected>Pilkada Damai 2026 (Diskominfo Kota Jayapura)</option>' in html
    assert "Stunting (Dinas Kesehatan) · diarsipkan" in html
    assert f"/posts/new?date=2027-03-20&amp;campaign_id={city.id}" in html  # "+ post" on an empty day
    steps = html.split('class="cal-steps"', 1)[1].split("</nav>", 1)[0]
    assert steps.count(f"campaign_id={city.id}") == 3  # previous / today / next keep the filter


def test_opd_user_filters_by_the_pemda_campaign_but_never_by_a_foreign_one(browser, factory, tree):  # noqa: F811
    top, health, roads, foreign = tree
    viewer = factory.user(health, "viewer")
    author = factory.user(top, "admin")
    city, sibling_own = campaign(top, "HUT RI ke-81"), campaign(roads, "Jalan Mulus")
    foreign_own = campaign(foreign, "Balikpapan Bersih")
    timed_post(factory, health, author, "Lomba 17an", WHEN, campaign_id=city.id)
    client = browser(viewer)
    html = client.get(f"/calendar?view=list&date=2027-03-01&campaign_id={city.id}").get_data(as_text=True)
    assert "Lomba 17an" in html and "HUT RI ke-81" in html
    assert "Jalan Mulus" not in html and "Balikpapan Bersih" not in html  # not offered in the filter either
    assert client.get(f"/calendar?campaign_id={foreign_own.id}").status_code == 404
    assert client.get(f"/calendar?campaign_id={sibling_own.id}").status_code == 404
    assert client.get(f"/calendar?campaign_id={max(c.id for c in (city, sibling_own, foreign_own)) + 1}") \
        .status_code == 404
