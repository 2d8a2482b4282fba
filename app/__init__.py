"""Warta: a self-hosted social-media desk for Indonesian local government.

`create_app()` builds the Flask app; nothing in this package connects to a
database, Redis or a platform at import time.
"""
from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure a Warta app; `config` overrides environment settings."""
    from app import forms_common, navigation, redis_conn, security_headers
    from app.config import load_config
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.i18n import init_i18n, select_locale
    from app.redis_conn import limiter_storage_uri

    config = dict(config or {})
    app = Flask(__name__, instance_relative_config=True, instance_path=config.pop("INSTANCE_PATH", None))
    load_config(app, config)
    redis_conn.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", limiter_storage_uri(app.config["REDIS_URL"]))

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    init_i18n(app)
    forms_common.init_app(app)
    navigation.init_app(app)
    security_headers.init_app(app)
    _trust_proxies(app)

    import adapters
    import plugins
    from app import activity, cli, security
    from app.auth import init_auth

    plugins.init_app(app)
    configured = app.config.get("WARTA_EXTRA_ADAPTERS") or []
    if isinstance(configured, str):  # "module:Class,module:Class" from the environment
        configured = [part.strip() for part in configured.split(",") if part.strip()]
    adapters.init_app(app, extra=[*configured, *plugins.adapter_classes(app)])

    init_auth(app)
    _register_blueprints(app)
    security.init_app(app)
    activity.init_app(app)
    plugins.finish_app(app)
    cli.init_app(app)

    from app import api, publishing
    from workers import cli as worker_cli

    publishing.init_app(app)
    worker_cli.init_app(app)
    api.init_app(app)  # last: it wraps the error handlers registered above for /api paths
    return app


def _trust_proxies(app: Flask) -> None:
    """Read X-Forwarded-For/-Proto from exactly `WARTA_PROXY_HOPS` proxies (0: ignore them).

    With the right count a client cannot forge its address: each proxy appends
    to X-Forwarded-For and ProxyFix takes the entry added by the outermost one.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    hops = app.config["WARTA_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _migrations_dir() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _register_blueprints(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app import media
    from app.accounts.views import bp as accounts_bp
    from app.auth.account import bp as account_bp
    from app.auth.views import bp as auth_bp
    from app.calendar import init_app as init_calendar
    from app.calendar_io import init_app as init_calendar_io
    from app.connect.views import bp as connect_bp
    from app.influencers import init_app as init_influencers
    from app.main.views import bp as main_bp
    from app.members.views import bp as members_bp
    from app.models import Role
    from app.navigation import add_nav_entry
    from app.orgs.views import bp as orgs_bp
    from app.posts import register_composer
    from app.posts.views import bp as posts_bp

    for blueprint in (main_bp, auth_bp, account_bp, orgs_bp, members_bp, accounts_bp, posts_bp, connect_bp,
                      media.bp):
        app.register_blueprint(blueprint)
    register_composer(app)  # approval inbox + templates (app/posts)
    add_nav_entry(app, "posts.index", _l("Posts"), 20)
    add_nav_entry(app, "accounts.index", _l("Social accounts"), 30)
    add_nav_entry(app, "orgs.tree", _l("Organisations"), 40)
    add_nav_entry(app, "connect.index", _l("Connect accounts"), 60, roles=[Role.ADMIN])
    init_influencers(app)
    init_calendar_io(app)
    init_calendar(app)
