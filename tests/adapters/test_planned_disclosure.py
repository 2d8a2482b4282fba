"""Each adapter sends the collaboration plan's fields (`options["disclosure_fields"]`, app/influencers/mapping.py)
rather than its own guess from `variant.collaborations`, which lists everyone with a handle."""
from __future__ import annotations

from adapters.base import Collaboration, MediaItem, Variant
from adapters.facebook import FacebookPageAdapter
from adapters.instagram import InstagramAdapter
from adapters.tiktok import TikTokAdapter
from adapters.x import XAdapter
from adapters.youtube import YouTubeAdapter
from tests.adapters.graph_fixtures import SETTINGS, image, video

RINA = Collaboration(handle="rina", platform_user_id="111", paid=True)
BUDI = Collaboration(handle="budi", platform_user_id="222", paid=False)


def _variant(plan: dict | None, collaborations=(RINA, BUDI), media: tuple[MediaItem, ...] = (), **options) -> Variant:
    if plan is not None:
        options["disclosure_fields"] = plan
    return Variant(text="Halo", media=media, collaborations=collaborations, options=options)


def test_tiktok_own_brand_is_organic_not_branded_content():
    adapter = TikTokAdapter({})
    own = _variant({"brand_content_toggle": False, "brand_organic_toggle": True})
    assert adapter.disclosure_fields(own) == {"brand_content_toggle": False, "brand_organic_toggle": True,
                                              "is_aigc": False}
    third = _variant({"brand_content_toggle": True, "brand_organic_toggle": False}, made_with_ai=True)
    assert adapter.disclosure_fields(third) == {"brand_content_toggle": True, "brand_organic_toggle": False,
                                                "is_aigc": True}
    assert adapter.disclosure_fields(_variant(None))["brand_content_toggle"] is True  # no plan: any paid one


def test_x_tags_only_the_planned_people_and_mentions_need_no_photo():
    adapter = XAdapter({})
    planned = _variant({"media": {"tagged_user_ids": ["111"]}, "paid_partnership": True})
    assert adapter.disclosure_fields(planned) == {"paid_partnership": True, "made_with_ai": False,
                                                  "tagged_user_ids": ["111"]}
    mentions_only = _variant({"paid_partnership": False}, collaborations=(BUDI,), media=(video(),))
    assert "tagged_user_ids" not in adapter.disclosure_fields(mentions_only)
    assert "x_tags_need_photo" not in [p.code for p in adapter.validate(mentions_only)]
    tagged_on_video = _variant({"media": {"tagged_user_ids": ["222"]}}, collaborations=(BUDI,), media=(video(),))
    assert "x_tags_need_photo" in [p.code for p in adapter.validate(tagged_on_video)]


def test_instagram_collaborators_and_user_tags_come_from_the_plan():
    adapter = InstagramAdapter(SETTINGS)
    plan = {"collaborators": ["budi"], "user_tags": [{"username": "sari", "x": 0.5, "y": 0.9}],
            "is_paid_partnership": True}
    variant = _variant(plan, collaborations=(Collaboration("budi"), Collaboration("sari")), media=(image(),),
                       user_tags=[{"username": "dinkes", "x": 0.1, "y": 0.1}])
    assert adapter.disclosure_fields(variant) == {"collaborators": ["budi"], "is_paid_partnership": True}
    assert [t["username"] for t in adapter.user_tags(variant)] == ["dinkes", "sari"]


def test_facebook_sponsor_and_youtube_placement_from_the_plan():
    no_sponsor = _variant({}, collaborations=(Collaboration("brand", platform_user_id="9", paid=True),))
    assert FacebookPageAdapter(SETTINGS).disclosure_fields(no_sponsor) == {}  # the plan chose no sponsor
    assert FacebookPageAdapter(SETTINGS).disclosure_fields(_variant({"sponsor_id": "9"})) == {"sponsor_id": "9"}
    placement = _variant({"paidProductPlacementDetails": {"hasPaidProductPlacement": True}}, collaborations=())
    assert YouTubeAdapter({}).disclosure_fields(placement)["paidProductPlacementDetails"] == {
        "hasPaidProductPlacement": True}
