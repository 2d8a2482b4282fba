"""Targets view (retry / reconnect) and CSV import / export of the content calendar (docs/CSV.md)."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from app.calendar_io.cli import import_calendar_command
    from app.calendar_io.views import bp, can_import
    from app.navigation import add_nav_entry

    app.register_blueprint(bp)
    add_nav_entry(app, "calendar_io.targets", _l("Targets"), 25)
    app.jinja_env.globals["calendar_import_allowed"] = can_import
    app.cli.add_command(import_calendar_command)
