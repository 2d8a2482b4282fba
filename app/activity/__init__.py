"""OPD activity: dashboard, audience figures, leaderboard and the monthly evaluation report.

`app.activity.stats` computes the figures with aggregate queries per tree (cached in Redis);
`workers.audience.collect` (a periodic job) stores `AudienceSnapshot`s read by the adapters.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint and its menu entry."""
    from flask_babel import lazy_gettext as _l

    from app.activity.views import bp
    from app.navigation import add_nav_entry

    app.register_blueprint(bp)
    add_nav_entry(app, "activity.dashboard", _l("Activity"), 15)
