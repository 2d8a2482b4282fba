"""Content calendar: month / week / list views of posts by publish time, drag (or form) to reschedule.

`init_app(app)` registers the blueprint and its menu entry. Moving a post goes through
`app.publishing.lifecycle.reschedule` (audited, refuses published and past times, sends an
approved post back to review when the organisation's `reschedule_needs_review` is on).
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from app.calendar.views import bp
    from app.navigation import add_nav_entry

    app.register_blueprint(bp)
    add_nav_entry(app, "calendar.index", _l("Calendar"), 15)
