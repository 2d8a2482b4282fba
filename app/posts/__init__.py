"""Post drafts: list, view, composer (variants, previews, live checks, media), approval inbox, templates."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def register_composer(app: Flask) -> None:
    """The approval inbox, the template and campaign pages (the posts blueprint is registered with the others)."""
    from app.models import Role
    from app.navigation import add_nav_entry
    from app.posts.campaigns import bp as campaigns_bp
    from app.posts.review import bp as review_bp
    from app.posts.templates import bp as templates_bp

    app.register_blueprint(review_bp)
    app.register_blueprint(templates_bp)
    app.register_blueprint(campaigns_bp)
    add_nav_entry(app, "review.inbox", _l("Review"), 24, roles=[Role.REVIEWER, Role.ADMIN])
    add_nav_entry(app, "campaigns.index", _l("Campaigns"), 26, roles=[Role.ADMIN])
