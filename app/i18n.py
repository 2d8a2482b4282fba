"""Language and time-zone helpers: Bahasa Indonesia first, English second.

Times are stored in UTC and shown in the organisation's IANA zone, labelled
WIB / WITA / WIT for the three Indonesian zones.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from app.models import INDONESIAN_ZONES


def select_locale() -> str:
    """The signed-in user's language, else the session's choice, else the default (id).

    Outside a request (workers, CLI) messages use the default language.
    """
    supported = current_app.config["WARTA_LOCALES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in supported:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in supported:
        return chosen
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def zone_label(zone_name: str) -> str:
    """WIB / WITA / WIT for the Indonesian zones, the IANA name otherwise."""
    return INDONESIAN_ZONES.get(zone_name, zone_name)


def to_local(value: datetime | None, zone_name: str) -> datetime | None:
    """Convert a UTC-aware datetime into the given IANA zone."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(zone_name))


def format_local(value: datetime | None, zone_name: str, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """A UTC datetime shown in an organisation's zone, e.g. "24-11-2026 08:00 WITA"."""
    local = to_local(value, zone_name)
    if local is None:
        return "—"
    return f"{local.strftime(fmt)} {zone_label(zone_name)}"


def init_i18n(app: Flask) -> None:
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["local_time"] = format_local
    app.jinja_env.globals["zone_label"] = zone_label
