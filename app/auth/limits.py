"""Throttling of sign-in steps (ASVS 5 V6.1.1/6.3.1): per account AND per client IP, in Redis.

Only failed attempts count (a view answers 401 on a wrong password or code), so
colleagues behind one office NAT who type correctly are never slowed down, and
a brute force meets 429 after a few tries. Limits are windows, not lock-outs:
an attacker can delay a victim's sign-in for at most the window, never block
the account for good. The client IP is `request.remote_addr`, which is only
taken from X-Forwarded-For when `WARTA_PROXY_HOPS` says how many proxies to
trust (ProxyFix in app/__init__.py), so a forged header cannot reset a counter.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from app.extensions import limiter

logger = logging.getLogger(__name__)

#: Status code the throttled views answer on a wrong password or code.
FAILED_ATTEMPT_STATUS = 401


def failed_attempt(response: Response) -> bool:
    """Count an attempt only when it failed."""
    return response.status_code == FAILED_ATTEMPT_STATUS


def submitted_account() -> str:
    """The e-mail address typed into the sign-in form (normalised), or the signed-in user."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    if email:
        return f"email:{email}"
    return signed_in_account()


def signed_in_account() -> str:
    """The signed-in (or half-signed-in) user, for the TOTP and account steps."""
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "account:none"


def client_ip() -> str:
    return f"ip:{get_remote_address()}"


def _configured(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _log_breach(limit: RequestLimit) -> None:
    # The key holds an e-mail address or user id, never a password or code.
    logger.warning("sign-in throttled: %s on %s", limit.limit, request.endpoint)


def throttled(view: Callable[..., Any]) -> Callable[..., Any]:
    """Apply the per-account and per-IP limits to the POSTs of a sign-in view."""
    common: dict[str, Any] = {"methods": ["POST"], "deduct_when": failed_attempt, "on_breach": _log_breach}
    view = limiter.limit(_configured("WARTA_LIMIT_PER_ACCOUNT"), key_func=submitted_account, **common)(view)
    return limiter.limit(_configured("WARTA_LIMIT_PER_IP"), key_func=client_ip, **common)(view)
