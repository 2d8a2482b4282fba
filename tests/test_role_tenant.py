"""Role × tenant: every route, with tenant A's ids, requested as anonymous and as every role of tenant B.

The checker lives in tests/role_tenant.py, URL parameters in tests/route_params.py.
New routes are covered automatically; a new parameter name must be registered there.
"""
from __future__ import annotations

from flask import abort
from flask_login import login_required

from app.extensions import db
from app.models import Post
from tests.role_tenant import EXEMPT, build_tenant, check_routes, checkable_rules


def test_no_route_leaks_to_a_foreign_tenant_or_to_anonymous(app, factory):
    tenant_a, tenant_b = build_tenant(factory, "A"), build_tenant(factory, "B")
    report = check_routes(app, tenant_a, tenant_b)
    assert not report.problems, "\n".join(report.problems)
    expected = {rule.rule for rule in checkable_rules(app)}
    assert len(report.checked_rules) >= len(expected) > 0, f"not checked: {expected - report.checked_rules}"
    assert len(report.checked) >= len(expected)


def test_exemptions_name_existing_endpoints_and_give_reasons(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = set(EXEMPT) - endpoints
    assert not stale, f"remove stale exemptions from tests/role_tenant.py: {stale}"
    assert all(len(reason) > 15 for reason in EXEMPT.values())


def _add_leaky_routes(app) -> None:
    """Deliberately broken, test-only routes: each one must be reported by the checker."""

    @login_required
    def unscoped_post(post_id: int) -> str:
        post = db.session.get(Post, post_id) or abort(404)
        return post.body

    @login_required
    def every_post() -> str:
        return "\n".join(p.body for p in db.session.scalars(db.select(Post)))

    @login_required
    def crashes(post_id: int) -> str:
        raise RuntimeError("boom")

    def public_post(post_id: int) -> str:
        return "public"

    @login_required
    def retitle(post_id: int) -> tuple[str, int, dict]:
        post = db.session.get(Post, post_id)
        post.title = "changed by a foreign tenant"
        db.session.commit()
        return "", 302, {"Location": "/"}

    @login_required
    def gadget(gadget_id: int) -> str:
        return "no gadgets"

    app.add_url_rule("/test-leak/posts/<int:post_id>", "test_leak_unscoped", unscoped_post)
    app.add_url_rule("/test-leak/posts", "test_leak_list", every_post)
    app.add_url_rule("/test-leak/crash/<int:post_id>", "test_leak_crash", crashes)
    app.add_url_rule("/test-leak/public/<int:post_id>", "test_leak_public", public_post)
    app.add_url_rule("/test-leak/retitle/<int:post_id>", "test_leak_retitle", retitle, methods=["POST"])
    app.add_url_rule("/test-leak/gadgets/<int:gadget_id>", "test_leak_gadget", gadget)


def test_checker_reports_each_kind_of_leak(app, factory):
    _add_leaky_routes(app)
    tenant_a, tenant_b = build_tenant(factory, "A"), build_tenant(factory, "B")
    report = check_routes(app, tenant_a, tenant_b, only=lambda rule: rule.endpoint.startswith("test_leak"))
    problems = "\n".join(report.problems)

    def found(endpoint: str, text: str) -> bool:
        return any(f"({endpoint})" in p and text in p for p in report.problems)

    roles = len(tenant_b.users)
    assert sum(f"({'test_leak_unscoped'})" in p and "with tenant A's object ids" in p
               for p in report.problems) == roles, problems
    assert found("test_leak_list", "showing tenant A's data"), problems
    assert found("test_leak_crash", "server error"), problems
    assert found("test_leak_public", "anonymous got 200"), problems
    assert any("table 'post' were changed" in p for p in report.problems), problems
    assert any("<gadget_id>" in p and "tests/route_params.py" in p for p in report.problems), problems
    assert ("/test-leak/gadgets/<int:gadget_id>", "GET") not in report.checked


def test_checker_passes_a_properly_scoped_route(app, factory):
    from app.tenancy import get_scoped_or_404

    @login_required
    def scoped_post(post_id: int) -> str:
        from flask_login import current_user

        return get_scoped_or_404(Post, post_id, current_user).body

    app.add_url_rule("/test-scoped/posts/<int:post_id>", "test_scoped_post", scoped_post)
    tenant_a, tenant_b = build_tenant(factory, "A"), build_tenant(factory, "B")
    report = check_routes(app, tenant_a, tenant_b, only=lambda rule: rule.endpoint == "test_scoped_post")
    assert report.problems == []
    assert report.checked == {("/test-scoped/posts/<int:post_id>", "GET")}
