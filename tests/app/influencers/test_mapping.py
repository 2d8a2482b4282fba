"""The mapping from collaborations to each platform's fields (pure functions, no database)."""
from __future__ import annotations

from adapters.base import Collaboration, Variant
from app.influencers.mapping import DisclosureSettings, Participant, plan_for_platform
from app.models.influencers import CollaborationKind as K


def person(pid: int, name: str, *kinds: str, third_party: bool = False,
           **handles: tuple[str, str | None]) -> Participant:
    return Participant(pid, name, frozenset(kinds), handles, third_party_brand=third_party)


def test_instagram_collaborators_user_tags_mentions_and_paid_label():
    people = [
        person(1, "Ayu", K.COLLABORATOR, K.PAID_PARTNERSHIP, instagram=("ayu.bpp", "17841")),
        person(2, "Budi", K.USER_TAG, instagram=("budi_bpp", None)),
        person(3, "Citra", K.MENTION, instagram=("citra", None)),
    ]
    plan = plan_for_platform("instagram", people, text="Ayo ke Posyandu!")
    assert plan.fields["collaborators"] == ["ayu.bpp"]
    assert plan.fields["user_tags"] == [{"username": "budi_bpp", "x": 0.5, "y": 0.9}]
    assert plan.fields["is_paid_partnership"] is True
    assert plan.extra_text == "@citra"
    assert plan.problems == ()
    assert plan.collaborations == (
        Collaboration("ayu.bpp", "17841", True), Collaboration("budi_bpp", None, False),
        Collaboration("citra", None, False))


def test_instagram_more_than_three_collaborators_is_a_problem():
    people = [person(i, f"P{i}", K.COLLABORATOR, instagram=(f"p{i}", None)) for i in range(4)]
    plan = plan_for_platform("instagram", people)
    assert len(plan.fields["collaborators"]) == 4
    assert any("at most 3 collaborators" in p for p in plan.problems)
    assert plan_for_platform("instagram", people[:3]).problems == ()


def test_instagram_story_refuses_collaborators_and_tags_need_media():
    story = plan_for_platform("instagram", [person(1, "A", K.COLLABORATOR, instagram=("a1", None))],
                              options={"media_type": "STORIES"})
    assert any("stories" in p for p in story.problems)
    no_media = plan_for_platform("instagram", [person(1, "A", K.USER_TAG, instagram=("a1", None))], has_media=False)
    assert any("image or video" in p for p in no_media.problems)


def test_instagram_caption_mention_limit_counts_existing_mentions():
    text = " ".join(f"@u{i}" for i in range(20))
    plan = plan_for_platform("instagram", [person(1, "A", K.MENTION, instagram=("extra", None))], text=text)
    assert any("at most 20 @-mentions" in p for p in plan.problems)


def test_mentions_already_in_text_are_not_repeated_and_missing_handles_are_explained():
    people = [person(1, "Ayu", K.MENTION, instagram=("ayu", None)), person(2, "Dodi", K.MENTION)]
    plan = plan_for_platform("instagram", people, text="Terima kasih @Ayu")
    assert plan.extra_text == ""
    assert any("Dodi has no Instagram handle" in a for a in plan.actions)


def test_facebook_paid_is_branded_content_with_sponsor_id_otherwise_mentions():
    people = [person(1, "Ayu", K.PAID_PARTNERSHIP, facebook=("ayu.page", "1002003")),
              person(2, "Budi", K.COLLABORATOR, facebook=("budi.page", None))]
    plan = plan_for_platform("facebook", people)
    assert plan.fields == {"sponsor_id": "1002003"}
    assert plan.extra_text == "@ayu.page @budi.page"
    assert plan.problems == ()


def test_facebook_paid_without_page_id_or_two_sponsors_are_problems_and_absent_partners_get_the_text():
    unresolved = plan_for_platform("facebook", [person(1, "Ayu", K.PAID_PARTNERSHIP, facebook=("ayu.page", None))])
    assert any("no resolved Facebook Page id" in p for p in unresolved.problems)
    absent = plan_for_platform("facebook", [person(1, "Ayu", K.PAID_PARTNERSHIP)],
                               disclosure=DisclosureSettings("#kerjasama"))
    assert absent.problems == () and absent.fields == {} and absent.extra_text == "#kerjasama"
    two = plan_for_platform("facebook", [person(1, "A", K.PAID_PARTNERSHIP, facebook=("aaaaa", "1")),
                                         person(2, "B", K.PAID_PARTNERSHIP, facebook=("bbbbb", "2"))])
    assert any("one sponsor per post" in p for p in two.problems)


def test_x_tags_resolved_users_on_media_mentions_others_and_paid_partnership():
    people = [person(1, "Ayu", K.USER_TAG, K.PAID_PARTNERSHIP, x=("ayu", "111")),
              person(2, "Budi", K.USER_TAG, x=("budi", None)),
              person(3, "Citra", K.COLLABORATOR, x=("Citra_X", "333"))]
    plan = plan_for_platform("x", people, text="Info")
    assert plan.fields == {"media": {"tagged_user_ids": ["111"]}, "paid_partnership": True}
    assert plan.extra_text == "@budi @Citra_X"
    assert any("mentioned instead" in a for a in plan.actions)


def test_x_without_media_mentions_instead_and_caps_tagged_users():
    plan = plan_for_platform("x", [person(1, "Ayu", K.USER_TAG, x=("ayu", "111"))], has_media=False)
    assert "media" not in plan.fields and plan.extra_text == "@ayu"
    many = [person(i, f"P{i}", K.USER_TAG, x=(f"p{i}", str(i))) for i in range(11)]
    assert any("at most 10" in p for p in plan_for_platform("x", many).problems)


def test_youtube_paid_placement_flag_and_credit_in_description():
    people = [person(1, "Ayu", K.PAID_PARTNERSHIP, youtube=("ayuvlog", "UCabc")), person(2, "Budi", K.MENTION)]
    plan = plan_for_platform("youtube", people, text="Video layanan")
    assert plan.fields == {"paidProductPlacementDetails": {"hasPaidProductPlacement": True}}
    assert plan.extra_text == "@ayuvlog"
    unpaid = plan_for_platform("youtube", [person(1, "Ayu", K.MENTION, youtube=("ayuvlog", None))])
    assert unpaid.fields == {}


def test_tiktok_brand_toggles_follow_the_agreement():
    own = plan_for_platform("tiktok", [person(1, "Ayu", K.PAID_PARTNERSHIP, tiktok=("ayu", None))])
    assert own.fields == {"brand_content_toggle": False, "brand_organic_toggle": True}
    third = plan_for_platform("tiktok", [person(1, "Ayu", K.PAID_PARTNERSHIP, third_party=True, tiktok=("ayu", None))])
    assert third.fields == {"brand_content_toggle": True, "brand_organic_toggle": False}
    unpaid = plan_for_platform("tiktok", [person(1, "Ayu", K.MENTION, tiktok=("ayu", None))])
    assert unpaid.fields == {"brand_content_toggle": False, "brand_organic_toggle": False}
    assert unpaid.extra_text == "@ayu"


def test_tiktok_branded_content_cannot_be_private_or_an_inbox_draft():
    paid = [person(1, "Ayu", K.PAID_PARTNERSHIP, third_party=True, tiktok=("ayu", None))]
    private = plan_for_platform("tiktok", paid, options={"privacy_level": "SELF_ONLY"})
    assert any("only to you" in p for p in private.problems)
    draft = plan_for_platform("tiktok", paid, options={"post_mode": "MEDIA_UPLOAD"})
    assert any("direct posts" in p for p in draft.problems)


def test_disclosure_text_where_a_platform_has_no_flag_or_policy_asks_everywhere():
    paid = [person(1, "Ayu", K.PAID_PARTNERSHIP, mastodon=("ayu@social.example", None))]
    plan = plan_for_platform("mastodon", paid, disclosure=DisclosureSettings("#kerjasama"))
    assert plan.extra_text == "@ayu@social.example\n#kerjasama"
    assert plan_for_platform("mastodon", paid, text="Kegiatan #KerjaSama",
                             disclosure=DisclosureSettings("#kerjasama")).extra_text == "@ayu@social.example"
    assert any("disclosure text" in p for p in
               plan_for_platform("mastodon", paid, disclosure=DisclosureSettings("")).problems)
    ig = [person(1, "Ayu", K.PAID_PARTNERSHIP, instagram=("ayu", None))]
    assert "#iklan" not in plan_for_platform("instagram", ig).extra_text
    everywhere = DisclosureSettings("#iklan", text_everywhere=True)
    assert plan_for_platform("instagram", ig, disclosure=everywhere).extra_text == "@ayu\n#iklan"


def test_plan_apply_fills_the_variant_for_the_adapter():
    plan = plan_for_platform("x", [person(1, "Ayu", K.PAID_PARTNERSHIP, x=("ayu", "1"))])
    variant = plan.apply(Variant(text="Halo", options={"reply_settings": "following"}))
    assert variant.text == "Halo\n\n@ayu"
    assert variant.collaborations == (Collaboration("ayu", "1", True),)
    assert variant.options == {"reply_settings": "following", "disclosure_fields": {"paid_partnership": True}}
