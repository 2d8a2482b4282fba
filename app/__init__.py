"""Warta: a self-hosted social-media desk for Indonesian local government.

`create_app()` builds the Flask app; nothing in this package connects to a
database, Redis or a platform at import time.
"""
from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure a Warta app; `config` overrides environment settings."""
    from app import navigation, redis_conn
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
    navigation.init_app(app)

    import adapters
    from app import cli
    from app.auth import init_auth

    adapters.init_app(app, extra=app.config.get("WARTA_EXTRA_ADAPTERS"))

    init_auth(app)
    _register_blueprints(app)
    cli.init_app(app)

    from app import publishing
    from workers import cli as worker_cli

    publishing.init_app(app)
    worker_cli.init_app(app)
    return app


def _migrations_dir() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _register_blueprints(app: Flask) -> None:
    from app.auth.views import bp as auth_bp
    from app.main.views import bp as main_bp

    for blueprint in (main_bp, auth_bp):
        app.register_blueprint(blueprint)
