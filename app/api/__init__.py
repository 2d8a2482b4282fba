"""The JSON API at /api/v1 (flask-smorest: marshmallow schemas → validation and OpenAPI 3.1).

`init_app` binds a per-app `Api`, registers the resource blueprints, exempts them from
CSRF (they accept no cookies, only `Authorization: Bearer`), rate-limits them per token,
and switches every error under /api to the JSON error format (app.api.errors).
"""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from app.api import schemas

API_CONFIG = {
    "API_TITLE": "Warta API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}


class WartaApi(Api):
    """flask-smorest's Api with Warta's error envelope and without its app-wide error handler."""

    ERROR_SCHEMA = schemas.Error

    def _register_error_handlers(self) -> None:
        """Errors are handled by app.api.errors (only under /api; the pages keep their HTML)."""


def init_app(app: Flask) -> None:
    from app.api import docs, errors, holds, orgs, posts
    from app.extensions import csrf

    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    app.config.setdefault("API_SPEC_OPTIONS", {
        "security": [{"bearerAuth": []}],
        "info": {"description": "Personal API tokens are made on the *My account* page. See docs/API.md."},
    })
    api = WartaApi(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    app.extensions["warta_api"] = api

    for blueprint in (orgs.bp, posts.bp, holds.bp):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
    errors.init_app(app)
