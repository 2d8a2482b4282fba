"""Handle rules per platform: what a valid username looks like, and its normal form.

The rules follow each platform's published username rules (letters, digits and a
few punctuation marks, a maximum length). A leading "@" is accepted and dropped.
Platforms without a rule here (a plugin's platform) accept 1-100 visible characters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class HandleRule:
    pattern: re.Pattern[str]
    description: object  # lazy translated text shown with the error
    lowercase: bool  # the platform treats handles case-insensitively and shows them lower-case


HANDLE_RULES: dict[str, HandleRule] = {
    # 1-30 letters, digits, "." and "_"; no leading/trailing or doubled ".".
    "instagram": HandleRule(re.compile(r"^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9._]{1,30}$"),
                            _l("1–30 letters, digits, periods or underscores; no period at the start or end"), True),
    # Facebook usernames: at least 5 letters, digits or periods.
    "facebook": HandleRule(re.compile(r"^[A-Za-z0-9.]{5,50}$"), _l("5–50 letters, digits or periods"), True),
    # X: 1-15 letters, digits or underscores.
    "x": HandleRule(re.compile(r"^[A-Za-z0-9_]{1,15}$"), _l("1–15 letters, digits or underscores"), False),
    # YouTube handles: 3-30 letters, digits, "_", "-" or ".".
    "youtube": HandleRule(re.compile(r"^[A-Za-z0-9_.\-]{3,30}$"),
                          _l("3–30 letters, digits, underscores, hyphens or periods"), True),
    # TikTok: 2-24 letters, digits, "_" or "."; not ending with ".".
    "tiktok": HandleRule(re.compile(r"^(?!.*\.$)[A-Za-z0-9._]{2,24}$"),
                         _l("2–24 letters, digits, underscores or periods; no period at the end"), True),
}

GENERIC_HANDLE = re.compile(r"^\S{1,100}$")
PLATFORM_USER_ID = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")

#: Names shown for the built-in platforms (adapters may not be installed yet).
PLATFORM_NAMES = {"instagram": "Instagram", "facebook": "Facebook", "x": "X", "youtube": "YouTube",
                  "tiktok": "TikTok"}


class InvalidHandle(ValueError):
    """The handle does not follow the platform's rules; the message is translated."""


def normalise_handle(platform: str, raw: str) -> str:
    """The handle without "@" and spaces, in the platform's normal case; InvalidHandle if not valid."""
    handle = (raw or "").strip()
    if handle.startswith("@"):
        handle = handle[1:]
    rule = HANDLE_RULES.get(platform)
    if rule is None:
        if not GENERIC_HANDLE.match(handle):
            raise InvalidHandle(_("Enter the handle without spaces (at most 100 characters)."))
        return handle
    if not rule.pattern.match(handle):
        raise InvalidHandle(_("“%(handle)s” is not a valid %(platform)s handle: %(rule)s.",
                              handle=handle, platform=PLATFORM_NAMES.get(platform, platform),
                              rule=str(rule.description)))
    return handle.lower() if rule.lowercase else handle


def normalise_platform_user_id(raw: str) -> str | None:
    """A platform's numeric or opaque user id, or None when blank; InvalidHandle if malformed."""
    value = (raw or "").strip()
    if not value:
        return None
    if not PLATFORM_USER_ID.match(value):
        raise InvalidHandle(_("A platform user id has only letters, digits, “_” or “-”."))
    return value
