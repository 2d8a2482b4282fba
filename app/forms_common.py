"""Shared form helpers: time-zone fields, local-time parsing, checkbox lists and labels.

Times are entered in the organisation's zone (`datetime-local` inputs carry no
zone) and stored as aware UTC. A wall-clock time that does not exist (the hour
skipped when a DST zone springs forward) is refused rather than guessed; a time
that happens twice (the hour repeated in autumn) means its first occurrence.
"""
from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Flask, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, Email, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import INDONESIAN_ZONES, AccountStatus, OrgKind, PostState, Role, TargetState

#: The value format of an HTML `datetime-local` input (minutes precision).
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"

ROLE_LABELS = {
    Role.ADMIN: _l("Admin"),
    Role.REVIEWER: _l("Reviewer"),
    Role.SECURITY_OFFICER: _l("Security officer"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.VIEWER: _l("Viewer"),
}

KIND_LABELS = {
    OrgKind.DISKOMINFO: _l("Diskominfo"),
    OrgKind.OPD: _l("Agency (OPD)"),
    OrgKind.KECAMATAN: _l("District (kecamatan)"),
    OrgKind.KELURAHAN: _l("Village (kelurahan)"),
}

ACCOUNT_STATUS_LABELS = {
    AccountStatus.ACTIVE: _l("Active"),
    AccountStatus.NEEDS_RECONNECT: _l("Needs reconnecting"),
    AccountStatus.DISABLED: _l("Disabled"),
}

TARGET_STATE_LABELS = {
    TargetState.SCHEDULED: _l("Waiting"),
    TargetState.QUEUED: _l("Queued"),
    TargetState.PUBLISHING: _l("Publishing"),
    TargetState.PUBLISHED: _l("Published"),
    TargetState.FAILED: _l("Failed"),
    TargetState.NEEDS_RECONNECT: _l("Needs reconnecting"),
    TargetState.UNCONFIRMED: _l("Unconfirmed: please check the account"),
    TargetState.HELD: _l("Held"),
    TargetState.EXPIRED: _l("Expired (too late)"),
    TargetState.PLATFORM_SCHEDULED: _l("Scheduled on the platform"),
}

POST_STATE_LABELS = {
    PostState.DRAFT: _l("Draft"),
    PostState.IN_REVIEW: _l("In review"),
    PostState.APPROVED: _l("Approved"),
    PostState.SCHEDULED: _l("Scheduled"),
    PostState.REJECTED: _l("Rejected"),
}


#: Platform names when no adapter is installed for a slug (brand names are not translated).
PLATFORM_NAMES = {"facebook": "Facebook", "instagram": "Instagram", "x": "X", "tiktok": "TikTok",
                  "youtube": "YouTube", "threads": "Threads", "linkedin": "LinkedIn"}


def platform_name(slug: str) -> str:
    """The display name of a platform: the adapter's own, else a known brand name, else the slug."""
    adapter = current_app.extensions.get("warta_adapters", {}).get(slug)
    return getattr(adapter, "display_name", "") or PLATFORM_NAMES.get(slug, slug)


class LocalTimeError(ValueError):
    """A local date-time that cannot be read or does not exist in the zone."""


def is_valid_zone(name: str) -> bool:
    """Whether `name` is an IANA time-zone key known to this system's zoneinfo."""
    if not name or name not in _known_zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone, the three Indonesian zones first (for a datalist)."""
    others = sorted(_known_zones() - set(INDONESIAN_ZONES))
    return (*INDONESIAN_ZONES, *others)


def parse_local(value: str, zone: str) -> datetime:
    """A `datetime-local` value (e.g. "2026-11-24T08:00") in IANA `zone` → aware UTC datetime.

    Raises:
        LocalTimeError: the value is not a date-time, or that wall-clock time does not exist in
            the zone (skipped by a daylight-saving change).
    """
    try:
        naive = datetime.strptime(value.strip(), LOCAL_INPUT_FORMAT)
    except ValueError:
        try:  # browsers may send seconds ("2026-11-24T08:00:00")
            naive = datetime.strptime(value.strip(), LOCAL_INPUT_FORMAT + ":%S")
        except ValueError as exc:
            raise LocalTimeError(f"not a date-time: {value!r}") from exc
    tz = ZoneInfo(zone)
    local = naive.replace(tzinfo=tz, fold=0)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) != naive:
        raise LocalTimeError(f"{value} does not exist in {zone}")
    return as_utc


def local_input_value(value: datetime | None, zone: str) -> str:
    """An aware datetime as the value of a `datetime-local` input in `zone` ("" for None)."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime(LOCAL_INPUT_FORMAT)


def validate_zone(form: Any, field: Field) -> None:
    """WTForms validator: the field holds a valid IANA time-zone name."""
    if not is_valid_zone(field.data or ""):
        raise ValidationError(_l("Choose a valid time zone, e.g. Asia/Jakarta, Asia/Makassar or Asia/Jayapura."))


# WTForms ships no Indonesian messages, so Warta's forms pass their own (translated) ones.
INVALID_CHOICE = _l("Choose one of the listed options.")


def required() -> DataRequired:
    """DataRequired with a translated message."""
    return DataRequired(message=_l("This field is required."))


def max_length(limit: int) -> Length:
    """Length(max=limit) with a translated message."""
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


def valid_email() -> Email:
    return Email(message=_l("Enter a valid email address."))


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value is translated."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", INVALID_CHOICE)
        super().__init__(*args, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; only values among `choices` are accepted (never trust the client)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", INVALID_CHOICE)
        kwargs.setdefault("invalid_value_message", INVALID_CHOICE)
        super().__init__(*args, **kwargs)


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected confirmation button."""


def form_page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """Render a form page: 400 when it was submitted (so it failed validation), else 200."""
    return render_template(template, form=form, **context), 400 if form.is_submitted() else 200


def init_app(app: Flask) -> None:
    """Make the label tables available to every template."""
    app.jinja_env.globals.update(
        role_labels=ROLE_LABELS, kind_labels=KIND_LABELS,
        account_status_labels=ACCOUNT_STATUS_LABELS, post_state_labels=POST_STATE_LABELS,
        target_state_labels=TARGET_STATE_LABELS,
        platform_name=platform_name, local_input_value=local_input_value,
    )
