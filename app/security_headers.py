"""Security headers on every response (ASVS 5 V3.4): CSP, nosniff, referrer, COOP, permissions, HSTS.

A small `after_request` hook instead of Flask-Talisman: Talisman's default CSP
lacks `base-uri` and `frame-ancestors` and the project is unmaintained since
2023. The CSP allows no inline script or style at all, so templates must keep
their CSS in /static and use no `style=` attributes, `<script>` bodies or
`on…=` handlers (tests/app/test_security_headers.py scans the templates).
"""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "img-src 'self' data:",
])

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

#: One year, as ASVS 3.4.1 asks; only sent in production (behind TLS).
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    """Set the headers unless a view chose its own value."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if current_app.config.get("WARTA_ENV") == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    # Signed-in pages hold tenant data: keep them out of shared and back-button caches.
    if request.endpoint != "static" and current_user and current_user.is_authenticated:
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
