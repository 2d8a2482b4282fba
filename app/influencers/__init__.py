"""Influencer registry and collaboration tagging (coordinators).

`init_app(app)` registers the blueprint and the menu entry. Other parts of Warta use
`app.influencers.services`: `collaboration_problems(post)` at submit time and
`apply_collaborations(post, platform, variant)` when building a target's Variant.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from app.influencers.views import READ_ROLES, bp
    from app.navigation import add_nav_entry

    app.register_blueprint(bp)
    add_nav_entry(app, "influencers.index", _l("Influencers"), 60, roles=READ_ROLES)
