"""The pieces every API blueprint shares: token authentication, scopes, rate limits, parsing.

Authentication is `Authorization: Bearer <token>` only: a session cookie never opens the
API, so the API needs no CSRF token (app/auth/guard.py skips /api; CSRFProtect exempts
these blueprints). The token's owner becomes `current_user` for the request, so tenancy,
roles and audit events work exactly as in the pages.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from app.api import tokens
from app.api.errors import ApiError
from app.auth.limits import client_ip
from app.extensions import limiter

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class ApiParser(FlaskParser):
    """webargs parser answering 400 (not 422) for a body or query that does not fit its schema."""

    DEFAULT_VALIDATION_STATUS = 400


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose every route needs a valid token with the right scope."""

    ARGUMENTS_PARSER = ApiParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_request(authenticate)
        limiter.limit(_per_token_limit, key_func=token_rate_key)(self)
        # Guessing tokens: failed authentications also count per client address.
        limiter.limit(_per_ip_limit, key_func=client_ip, deduct_when=_unauthorised)(self)


def _per_token_limit() -> str:
    return current_app.config["WARTA_API_RATE_LIMIT"]


def _per_ip_limit() -> str:
    return current_app.config["WARTA_LIMIT_PER_IP"]


def _unauthorised(response: Any) -> bool:
    return response.status_code == 401


def scope(name: str) -> Callable[[F], F]:
    """Declare the scope a view needs (default: "read" for GET, "write" otherwise)."""
    def decorate(view: F) -> F:
        view.api_scope = name  # type: ignore[attr-defined]
        return view
    return decorate


def _needed_scope() -> str:
    view = current_app.view_functions.get(request.endpoint or "")
    declared = getattr(view, "api_scope", None)
    if declared:
        return declared
    return "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"


def bearer_value() -> str:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def authenticate() -> None:
    """Load the token's owner as `current_user`, or answer 401; then check the scope (403)."""
    secret = bearer_value()
    token = tokens.authenticate(secret) if secret else None
    if token is None:
        if secret:
            logger.info("API request with an unknown, revoked or expired token from %s", request.remote_addr)
        raise ApiError(401, "invalid_token" if secret else "unauthenticated",
                       _l("This API token is not valid (unknown, revoked or expired).") if secret else None)
    g._login_user = token.user  # Flask-Login's current user for this request only; no session is written
    g.api_token = token
    needed = _needed_scope()
    if not tokens.allows(token, needed):
        raise ApiError(403, "insufficient_scope", _l("This token lacks the “%(scope)s” scope.", scope=needed),
                       {"required_scope": needed})


def token_rate_key() -> str:
    """Rate-limit key: a hash of the presented token (never the token), else the client address."""
    secret = bearer_value()
    if secret:
        return "api-token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return "api-anon:" + client_ip()


def current_token() -> Any:
    return g.api_token
