"""Security headers on every response, HSTS in production, and templates that need no inline code."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import sign_in

ROOT = Path(__file__).resolve().parents[2]


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/auth/login", "/", "/no-such-page"])
def test_headers_on_pages_redirects_and_errors(client, path):
    response = client.get(path)
    csp = _csp(response)
    assert csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # development: plain HTTP


def test_hsts_in_production(app_config):
    from app import create_app

    app_config["WARTA_ENV"] = "production"
    app = create_app(app_config)
    response = app.test_client().get("/auth/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_signed_in_pages_are_not_cached(client, factory):
    user = factory.user(factory.org(), "viewer")
    sign_in(client, user)
    assert client.get("/").headers["Cache-Control"] == "no-store"


INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script> (put it in /static and use src=)"),
    (re.compile(r"<style\b", re.I), "<style> block (put CSS in app/static/warta.css)"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute (use a CSS class)"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…= event handler (use a script file)"),
    (re.compile(r"""=\s*["']?\s*javascript:""", re.I), "javascript: URL"),
]


def _templates() -> list[Path]:
    return sorted([*ROOT.glob("app/templates/**/*.html"), *ROOT.glob("plugins/**/templates/**/*.html")])


def test_templates_need_no_inline_script_or_style():
    """The CSP forbids inline code; a template that needs it would silently break in the browser."""
    assert _templates(), "no templates found"
    problems = [f"{path.relative_to(ROOT)}: {why}" for path in _templates()
                for pattern, why in INLINE_CODE if pattern.search(path.read_text())]
    assert not problems, "\n".join(problems)


def test_inline_code_scanner_catches_each_kind():
    samples = ['<script>alert(1)</script>', '<style>p{}</style>', '<p style="color:red">',
               '<a onclick="x()">', '<a href="javascript:x()">']
    for sample, (pattern, _why) in zip(samples, INLINE_CODE, strict=True):
        assert pattern.search(sample), sample
    assert not INLINE_CODE[0][0].search('<script src="/static/app.js"></script>')
    assert not INLINE_CODE[4][0].search("<p>Without JavaScript: start from a template</p>")
