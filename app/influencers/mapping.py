"""From a post's collaborations to each platform's request fields (pure functions).

Input is plain data (`Participant`: an influencer, the ways they take part, their
handles); output is one `PlatformPlan` per platform:

- `collaborations`: `adapters.base.Collaboration` tuples for `Variant.collaborations`
  (every participant with a handle on that platform, `paid` set for paid ones);
- `fields`: the platform's exact disclosure/collaboration request fields, which the
  adapter's `disclosure_fields(variant)` returns (deep-merged into its request);
  `PlatformPlan.apply(variant)` stores them in `variant.options["disclosure_fields"]`;
- `extra_text`: mentions, credits and disclosure text appended to the variant's text;
- `actions`: translated lines for the composer ("what will happen");
- `problems`: translated messages that block submission (platform limits).

Platform rules (PLATFORMS.md, "Collaboration & disclosure"):
Instagram collaborators (≤3, not on stories) + `user_tags`, paid → `is_paid_partnership`;
Facebook paid → branded content `sponsor_id` (one per post; a paid partner with no Facebook
handle gets the disclosure text instead), otherwise mentions;
X mentions / `media.tagged_user_ids`, paid → `paid_partnership`;
YouTube paid → `paidProductPlacementDetails.hasPaidProductPlacement`, credit in the description;
TikTok paid → `brand_content_toggle` (third-party brand) / `brand_organic_toggle` (own programme).
Platforms without a disclosure flag get the organisation's disclosure text.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import gettext as _

from adapters.base import Collaboration, Variant
from app.influencers.handles import PLATFORM_NAMES
from app.models.influencers import CollaborationKind as Kind

#: Instagram collaborators per post; the read reference says 5, the media reference 3 (UNVERIFIED live).
INSTAGRAM_COLLABORATOR_MAX = 3
#: Instagram @-tags in a caption (error 2207040 above 20) and people tagged on the media.
INSTAGRAM_MENTION_MAX = 20
INSTAGRAM_USER_TAG_MAX = 20
#: People tagged on X media; X's apps allow 10 (not in the OpenAPI: UNVERIFIED).
X_TAGGED_USER_MAX = 10
#: Facebook's branded content takes one `sponsor_id` per post.
FACEBOOK_SPONSOR_MAX = 1

#: Platforms whose API carries a paid-partnership flag (the others get the disclosure text).
PLATFORMS_WITH_FLAG = frozenset({"instagram", "facebook", "x", "youtube", "tiktok"})
KNOWN_PLATFORMS = ("instagram", "facebook", "x", "youtube", "tiktok")


@dataclass(frozen=True)
class Participant:
    """One influencer on a post, as plain data."""

    influencer_id: int
    name: str
    kinds: frozenset[str]
    # platform -> (handle, platform user id or None)
    handles: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    # A paid agreement covering the post promotes a third party's brand (TikTok branded content).
    third_party_brand: bool = False

    @property
    def paid(self) -> bool:
        return Kind.PAID_PARTNERSHIP in self.kinds

    def on(self, platform: str) -> tuple[str, str | None] | None:
        return self.handles.get(platform)


@dataclass(frozen=True)
class DisclosureSettings:
    """The organisation's effective disclosure policy."""

    text: str = "#iklan"
    text_everywhere: bool = False


@dataclass(frozen=True)
class PlatformPlan:
    """What one platform will receive for the post's collaborations."""

    platform: str
    collaborations: tuple[Collaboration, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)
    extra_text: str = ""
    actions: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def apply(self, variant: Variant) -> Variant:
        """`variant` with the collaborations, the disclosure fields and the extra text added."""
        text = variant.text
        if self.extra_text:
            text = f"{text.rstrip()}\n\n{self.extra_text}" if text.strip() else self.extra_text
        options = dict(variant.options)
        options["disclosure_fields"] = self.fields
        return replace(variant, text=text, collaborations=self.collaborations, options=options)


@dataclass
class _Builder:
    platform: str
    text: str
    collaborations: list[Collaboration] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    mentions: list[str] = field(default_factory=list)
    trailing: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Set when a paid collaboration cannot use the platform's flag, so the disclosure text is needed.
    flagless: bool = False

    @property
    def name(self) -> str:
        return PLATFORM_NAMES.get(self.platform, self.platform)

    def mention(self, handle: str) -> None:
        tag = f"@{handle}"
        if tag.lower() not in self.text.lower() and tag not in self.mentions:
            self.mentions.append(tag)

    def no_handle(self, person: Participant) -> None:
        self.actions.append(_("%(name)s has no %(platform)s handle in the registry, so is not tagged there.",
                              name=person.name, platform=self.name))

    def build(self) -> PlatformPlan:
        parts = [" ".join(self.mentions)] if self.mentions else []
        parts += self.trailing
        return PlatformPlan(self.platform, tuple(self.collaborations), self.fields, "\n".join(p for p in parts if p),
                            tuple(self.actions), tuple(self.problems))


def plan_for_platform(platform: str, participants: list[Participant], *, text: str = "",
                      options: Mapping[str, Any] | None = None, has_media: bool = True,
                      disclosure: DisclosureSettings | None = None) -> PlatformPlan:
    """The plan for one platform. `text` is the variant's text (mentions already in it are not repeated)."""
    builder = _Builder(platform, text)
    options = options or {}
    disclosure = disclosure or DisclosureSettings()
    for person in participants:
        found = person.on(platform)
        if found:
            builder.collaborations.append(Collaboration(handle=found[0], platform_user_id=found[1], paid=person.paid))
    _MAPPERS.get(platform, _generic)(builder, participants, options, has_media)
    if any(p.paid for p in participants):
        _disclosure_text(builder, disclosure)
    return builder.build()


def _disclosure_text(builder: _Builder, disclosure: DisclosureSettings) -> None:
    needs_text = builder.platform not in PLATFORMS_WITH_FLAG or builder.flagless or disclosure.text_everywhere
    if not needs_text:
        return
    if not disclosure.text.strip():
        builder.problems.append(_("%(platform)s has no paid-partnership flag: set your organisation's "
                                  "disclosure text first.", platform=builder.name))
        return
    if not re.search(re.escape(disclosure.text.strip()), builder.text, re.IGNORECASE):
        builder.trailing.append(disclosure.text.strip())
    builder.actions.append(_("The disclosure text “%(text)s” is added to the text.", text=disclosure.text.strip()))


def _credit_unplaced(builder: _Builder, person: Participant, handle: str | None) -> None:
    """Mention a participant whose kinds have no native field on this platform."""
    if handle is None:
        builder.no_handle(person)
    else:
        builder.mention(handle)


def _instagram(builder: _Builder, people: list[Participant], options: Mapping[str, Any], has_media: bool) -> None:
    story = str(options.get("media_type", "")).upper() == "STORIES"
    collaborators: list[str] = []
    user_tags: list[dict[str, Any]] = []
    for person in people:
        found = person.on("instagram")
        handle = found[0] if found else None
        placed = False
        if Kind.COLLABORATOR in person.kinds and handle:
            collaborators.append(handle)
            placed = True
        if Kind.USER_TAG in person.kinds and handle:
            user_tags.append({"username": handle})
            placed = True
        if Kind.MENTION in person.kinds or not placed:
            _credit_unplaced(builder, person, handle)
    if collaborators:
        if story:
            builder.problems.append(_("Instagram stories cannot have collaborators; tag the people instead."))
        if len(collaborators) > INSTAGRAM_COLLABORATOR_MAX:
            builder.problems.append(_("Instagram allows at most %(max)d collaborators per post; %(count)d chosen.",
                                      max=INSTAGRAM_COLLABORATOR_MAX, count=len(collaborators)))
        builder.fields["collaborators"] = collaborators
        builder.actions.append(_("Collaborator invites go to %(handles)s; each must accept in Instagram.",
                                 handles=", ".join(f"@{h}" for h in collaborators)))
    if user_tags:
        if not has_media:
            builder.problems.append(_("Instagram user tags need an image or video on the post."))
        if len(user_tags) > INSTAGRAM_USER_TAG_MAX:
            builder.problems.append(_("Instagram allows at most %(max)d people tagged on the media; %(count)d chosen.",
                                      max=INSTAGRAM_USER_TAG_MAX, count=len(user_tags)))
        # Positions spread along the bottom edge (x, y in 0-1); the composer may move them.
        for index, tag in enumerate(user_tags):
            tag["x"] = round((index + 1) / (len(user_tags) + 1), 3)
            tag["y"] = 0.9
        builder.fields["user_tags"] = user_tags
        builder.actions.append(_("Tagged on the media: %(handles)s.",
                                 handles=", ".join(f"@{t['username']}" for t in user_tags)))
    mentions_in_caption = len(re.findall(r"(?<!\w)@\w", builder.text)) + len(builder.mentions)
    if mentions_in_caption > INSTAGRAM_MENTION_MAX:
        builder.problems.append(_("Instagram allows at most %(max)d @-mentions in a caption; this one has %(count)d.",
                                  max=INSTAGRAM_MENTION_MAX, count=mentions_in_caption))
    if builder.mentions:
        builder.actions.append(_("Mentioned in the text: %(handles)s.", handles=" ".join(builder.mentions)))
    if any(p.paid for p in people):
        builder.fields["is_paid_partnership"] = True
        builder.actions.append(_("The post carries Instagram's “Paid partnership” label."))


def _facebook(builder: _Builder, people: list[Participant], options: Mapping[str, Any], has_media: bool) -> None:
    sponsors: list[str] = []
    for person in people:
        found = person.on("facebook")
        handle = found[0] if found else None
        if person.paid and found and found[1]:
            sponsors.append(found[1])
        elif person.paid and found:
            builder.problems.append(_("%(name)s is a paid partner but has no resolved Facebook Page id; "
                                      "Facebook's branded content needs it.", name=person.name))
        elif person.paid:
            # Not on Facebook: no sponsor to name, so the post carries the disclosure text instead.
            builder.flagless = True
        _credit_unplaced(builder, person, handle)
    if sponsors:
        if len(sponsors) > FACEBOOK_SPONSOR_MAX:
            builder.problems.append(_("Facebook branded content names one sponsor per post; %(count)d paid "
                                      "partners chosen.", count=len(sponsors)))
        builder.fields["sponsor_id"] = sponsors[0]
        builder.actions.append(_("Published as Facebook branded content with the partner as sponsor."))
    if builder.mentions:
        builder.actions.append(_("Mentioned in the text: %(handles)s.", handles=" ".join(builder.mentions)))


def _x(builder: _Builder, people: list[Participant], options: Mapping[str, Any], has_media: bool) -> None:
    tagged: list[str] = []
    for person in people:
        found = person.on("x")
        handle = found[0] if found else None
        if Kind.USER_TAG in person.kinds and found and found[1] and has_media:
            tagged.append(found[1])
            if person.kinds - {Kind.USER_TAG, Kind.PAID_PARTNERSHIP}:
                builder.mention(found[0])
            continue
        if Kind.USER_TAG in person.kinds and handle:
            builder.actions.append(_("%(name)s cannot be tagged on X media (no media or no resolved X user id); "
                                     "mentioned instead.", name=person.name))
        _credit_unplaced(builder, person, handle)
    if tagged:
        if len(tagged) > X_TAGGED_USER_MAX:
            builder.problems.append(_("X allows at most %(max)d people tagged on media; %(count)d chosen.",
                                      max=X_TAGGED_USER_MAX, count=len(tagged)))
        builder.fields["media"] = {"tagged_user_ids": tagged}
        builder.actions.append(_("%(count)d people tagged on the media (X drops tags of people who do not allow "
                                 "photo tagging).", count=len(tagged)))
    if builder.mentions:
        builder.actions.append(_("Mentioned in the text: %(handles)s.", handles=" ".join(builder.mentions)))
    if any(p.paid for p in people):
        builder.fields["paid_partnership"] = True
        builder.actions.append(_("The post carries X's paid-partnership disclosure."))


def _youtube(builder: _Builder, people: list[Participant], options: Mapping[str, Any], has_media: bool) -> None:
    for person in people:
        found = person.on("youtube")
        _credit_unplaced(builder, person, found[0] if found else None)
    if builder.mentions:
        builder.actions.append(_("Credited in the description: %(handles)s.", handles=" ".join(builder.mentions)))
    if any(p.paid for p in people):
        builder.fields["paidProductPlacementDetails"] = {"hasPaidProductPlacement": True}
        builder.actions.append(_("The video declares paid product placement."))


def _tiktok(builder: _Builder, people: list[Participant], options: Mapping[str, Any], has_media: bool) -> None:
    for person in people:
        found = person.on("tiktok")
        _credit_unplaced(builder, person, found[0] if found else None)
    paid = [p for p in people if p.paid]
    branded = any(p.third_party_brand for p in paid)
    organic = any(not p.third_party_brand for p in paid)
    builder.fields["brand_content_toggle"] = branded
    builder.fields["brand_organic_toggle"] = organic
    if builder.mentions:
        builder.actions.append(_("Mentioned in the text: %(handles)s.", handles=" ".join(builder.mentions)))
    if branded:
        builder.actions.append(_("Marked on TikTok as branded content (a third party's brand)."))
    if organic:
        builder.actions.append(_("Marked on TikTok as promoting your own organisation (“Your brand”)."))
    if paid and str(options.get("post_mode", "DIRECT_POST")).upper() != "DIRECT_POST":
        builder.problems.append(_("TikTok accepts brand disclosure only on direct posts, not on drafts sent to "
                                  "the inbox."))
    # Branded content cannot be private (TikTok's UX rules as reported by third parties: UNVERIFIED).
    if branded and str(options.get("privacy_level", "")).upper() == "SELF_ONLY":
        builder.problems.append(_("TikTok branded content cannot be visible only to you; choose another audience."))


def _generic(builder: _Builder, people: list[Participant], options: Mapping[str, Any], has_media: bool) -> None:
    for person in people:
        found = person.on(builder.platform)
        _credit_unplaced(builder, person, found[0] if found else None)
    if builder.mentions:
        builder.actions.append(_("Mentioned in the text: %(handles)s.", handles=" ".join(builder.mentions)))


_MAPPERS: dict[str, Callable[[_Builder, list[Participant], Mapping[str, Any], bool], None]] = {
    "instagram": _instagram, "facebook": _facebook, "x": _x, "youtube": _youtube, "tiktok": _tiktok,
}
