"""The role × tenant checker really exercises /api routes with tokens: a leaky API route is caught."""
from __future__ import annotations

from flask import jsonify

from app.api.core import authenticate
from app.extensions import db
from app.models import Post
from tests.role_tenant import build_tenant, check_routes


def test_checker_calls_api_routes_with_each_foreign_roles_token(app, factory):
    def unscoped(post_id: int):
        authenticate()  # a valid token of any tenant passes; the route then forgets tenancy
        return jsonify({"body": db.session.get(Post, post_id).body})

    def scoped_ok(post_id: int):
        authenticate()
        return jsonify({"error": {"code": "not_found", "message": "-", "details": None}}), 404

    app.add_url_rule("/api/v1/test-leak/<int:post_id>", "test_api_leak", unscoped)
    app.add_url_rule("/api/v1/test-ok/<int:post_id>", "test_api_ok", scoped_ok, methods=["GET", "POST"])
    tenant_a, tenant_b = build_tenant(factory, "A"), build_tenant(factory, "B")
    report = check_routes(app, tenant_a, tenant_b, only=lambda rule: rule.endpoint.startswith("test_api_"))
    leaks = [p for p in report.problems if "(test_api_leak)" in p]
    assert len(leaks) == len(tenant_b.users), report.problems  # every foreign role, none anonymous
    assert all("with tenant A's object ids" in p for p in leaks)
    assert not [p for p in report.problems if "(test_api_ok)" in p]
    assert ("/api/v1/test-ok/<int:post_id>", "POST") in report.checked
