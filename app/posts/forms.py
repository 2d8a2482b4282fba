"""The post editor form, built per organisation (its accounts and their platforms)."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField

from app.forms_common import MultiCheckboxField, max_length, platform_name, required
from app.models import SocialAccount

DATETIME_LOCAL = {"type": "datetime-local"}


class PostForm(FlaskForm):
    """Fields shared by every post; `variant_<platform>` fields are added by `post_form_class`."""

    title = StringField(_l("Title (internal)"), validators=[max_length(200)])
    body = TextAreaField(_l("Text"), validators=[required(), max_length(20000)])
    accounts = MultiCheckboxField(_l("Publish to"), coerce=int, choices=[])
    scheduled_at = StringField(_l("Publish at"), render_kw=DATETIME_LOCAL)
    # Options are the campaigns usable in the organisation (app.posts.campaigns.offer_campaigns);
    # `services.read_form` refuses any other value with a message.
    campaign = SelectField(_l("Campaign"), choices=[], validate_choice=False,
                           description=_l("Optional. Groups the post for filters and exports; changing it later "
                                          "needs no new review."))
    not_after = StringField(
        _l("Do not publish after"), render_kw=DATETIME_LOCAL,
        description=_l("Optional. If the post could not go out by then, it is not published at all."),
    )

    platforms: tuple[str, ...] = ()

    def variant_field(self, platform: str) -> Field:
        return self[f"variant_{platform}"]

    def variant_fields(self) -> list[tuple[str, Field]]:
        return [(platform, self.variant_field(platform)) for platform in self.platforms]


def post_form_class(platforms: Iterable[str]) -> type[PostForm]:
    """A PostForm subclass with one optional variant text per platform."""
    platforms = tuple(sorted({p for p in platforms if p.isidentifier()}))
    fields = {
        f"variant_{platform}": TextAreaField(
            _l("Text for %(platform)s", platform=platform_name(platform)),
            validators=[max_length(20000)],
            description=_l("Leave empty to use the main text."),
        )
        for platform in platforms
    }
    if "tiktok" in platforms:
        fields.update(
            tiktok_privacy_level=SelectField(_l("Who can see the TikTok post"), choices=[], validate_choice=False,
                                             description=_l("TikTok requires a choice; there is no default.")),
            tiktok_disable_comment=BooleanField(_l("No comments")),
            tiktok_disable_duet=BooleanField(_l("No duets")),
            tiktok_disable_stitch=BooleanField(_l("No stitches")),
        )
    return type("PlatformPostForm", (PostForm,), {**fields, "platforms": platforms})


def account_choices(accounts: Iterable[SocialAccount]) -> list[tuple[int, str]]:
    return [(a.id, f"{platform_name(a.platform)} · {a.handle} ({a.organisation.name})") for a in accounts]
