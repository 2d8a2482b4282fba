"""Reading through /api/v1: tenancy, roles, pagination, filters, the error format."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import AuditEvent, PostTarget, TargetState, utcnow
from tests.app.api.conftest import auth, token_for


def _get(client, url, secret, **kwargs):
    return client.get(url, headers=auth(secret), **kwargs)


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def test_organisations_are_scoped_and_show_my_roles(client, world):
    secret = token_for(world.users["viewer"])
    body = _get(client, "/api/v1/organisations", secret).get_json()
    assert [o["name"] for o in body["items"]] == ["Diskominfo Balikpapan", "Dinas Kesehatan"]
    assert body["items"][1]["roles"] == ["viewer"]
    assert body["page"] == {"page": 1, "limit": 50, "total": 2, "next_page": None}
    assert _get(client, f"/api/v1/organisations/{world.opd.id}", secret).get_json()["parent_id"] == world.root.id
    _error(_get(client, f"/api/v1/organisations/{world.foreign.id}", secret), 404, "not_found")


def test_accounts_never_include_credentials(client, world):
    secret = token_for(world.users["viewer"])
    response = _get(client, "/api/v1/accounts", secret)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "dinkes_bpp" in text and "kominfo_smd" not in text
    assert "tok-" not in text and "credentials" not in text
    assert _get(client, f"/api/v1/accounts?org_id={world.opd.id}", secret).get_json()["page"]["total"] == 1
    _error(_get(client, f"/api/v1/accounts/{world.foreign_account.id}", secret), 404, "not_found")
    _error(_get(client, f"/api/v1/accounts?org_id={world.foreign.id}", secret), 404, "not_found")


def test_checklist_needs_an_officer_role(client, world):
    url = f"/api/v1/accounts/{world.account.id}/checklist"
    _error(_get(client, url, token_for(world.users["viewer"])), 403, "forbidden")
    body = _get(client, url, token_for(world.users["security_officer"])).get_json()
    assert body["account_id"] == world.account.id and 0 <= body["score"] <= 100
    assert body["items"] and {"passing", "failing", "due", "overdue", "not_applicable"} >= \
        {item["status"] for item in body["items"]}
    _error(_get(client, f"/api/v1/accounts/{world.foreign_account.id}/checklist",
                token_for(world.users["security_officer"])), 404, "not_found")


def test_posts_list_filters_and_pagination(client, factory, world):
    for n in range(4):
        factory.post(world.opd, world.users["opd_admin"], body=f"Post {n}")
    secret = token_for(world.users["viewer"])
    first = _get(client, "/api/v1/posts?limit=2", secret).get_json()
    assert first["page"] == {"page": 1, "limit": 2, "total": 5, "next_page": 2}
    third = _get(client, "/api/v1/posts?limit=2&page=3", secret).get_json()
    assert len(third["items"]) == 1 and third["page"]["next_page"] is None
    seen = {p["id"] for p in first["items"]} | {p["id"] for p in third["items"]}
    assert world.foreign_post.id not in seen
    assert _get(client, "/api/v1/posts?state=approved", secret).get_json()["items"] == []
    error = _error(_get(client, "/api/v1/posts?limit=1000", secret), 400, "validation_failed")
    assert "limit" in error["details"]["query"]
    _error(_get(client, "/api/v1/posts?state=bogus", secret), 400, "validation_failed")


def test_post_and_target_reading(client, world):
    secret = token_for(world.users["viewer"])
    post = _get(client, f"/api/v1/posts/{world.post.id}", secret).get_json()
    assert post["body"] == "Vaksinasi gratis di puskesmas" and post["targets"][0]["handle"] == "dinkes_bpp"
    target_id = post["targets"][0]["id"]
    assert _get(client, f"/api/v1/targets/{target_id}", secret).get_json()["state"] == "scheduled"
    assert len(_get(client, f"/api/v1/posts/{world.post.id}/targets", secret).get_json()) == 1
    _error(_get(client, f"/api/v1/posts/{world.foreign_post.id}", secret), 404, "not_found")
    foreign_target = world.foreign_post.targets[0].id
    _error(_get(client, f"/api/v1/targets/{foreign_target}", secret), 404, "not_found")
    foreign_targets = _get(client, f"/api/v1/posts/{world.foreign_post.id}/targets", secret)
    assert foreign_targets.status_code == 404 and "Rahasia" not in foreign_targets.get_data(as_text=True)


def test_activity_counts_posts_published_in_each_window(client, factory, world):
    now = utcnow()
    for days in (2, 20, 60, 200):
        post = factory.post(world.opd, world.users["opd_admin"], body=f"published {days} days ago")
        db.session.add(PostTarget(post_id=post.id, account_id=world.account.id, state=TargetState.PUBLISHED,
                                  published_at=now - timedelta(days=days)))
    db.session.commit()
    body = _get(client, "/api/v1/activity", token_for(world.users["viewer"])).get_json()
    figures = {item["organisation_id"]: item for item in body["items"]}
    assert figures[world.opd.id] == {"organisation_id": world.opd.id, "name": "Dinas Kesehatan",
                                     "published_7d": 1, "published_30d": 2, "published_90d": 3}
    assert figures[world.root.id]["published_90d"] == 0 and world.foreign.id not in figures


def test_audit_events_filter_and_scope(client, world):
    from app import audit

    audit.record("post.updated", world.post, actor_id=world.users["opd_admin"].id)
    audit.record("hold.started", organisation_id=world.root.id, actor_id=world.users["admin"].id)
    audit.record("post.updated", world.foreign_post, actor_id=world.users["foreign_admin"].id)
    db.session.commit()
    secret = token_for(world.users["security_officer"])
    everything = _get(client, "/api/v1/audit-events", secret).get_json()["items"]
    assert {e["organisation_id"] for e in everything} <= {world.root.id, world.opd.id}
    assert {e["action"] for e in everything} >= {"post.updated", "hold.started"}
    by_actor = _get(client, f"/api/v1/audit-events?actor_id={world.users['admin'].id}", secret).get_json()["items"]
    assert [e["action"] for e in by_actor] == ["hold.started"]
    assert {e["action"] for e in _get(client, "/api/v1/audit-events?action=post.", secret).get_json()["items"]} \
        == {"post.updated"}
    in_opd = _get(client, f"/api/v1/audit-events?org_id={world.opd.id}", secret).get_json()["items"]
    assert {e["organisation_id"] for e in in_opd} == {world.opd.id}
    later = (utcnow() + timedelta(minutes=5)).isoformat()
    assert _get(client, "/api/v1/audit-events", secret, query_string={"since": later}).get_json()["items"] == []
    assert _get(client, "/api/v1/audit-events", secret, query_string={"until": later}).get_json()["page"]["total"] \
        == len(everything)
    _error(_get(client, f"/api/v1/audit-events?org_id={world.foreign.id}", secret), 404, "not_found")
    _error(_get(client, "/api/v1/audit-events", token_for(world.users["viewer"])), 403, "forbidden")
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) >= 3


def test_error_format_for_unknown_paths_methods_and_language(client, world):
    secret = token_for(world.users["viewer"])
    _error(_get(client, "/api/v1/no-such-thing", secret), 404, "not_found")
    _error(client.delete("/api/v1/posts", headers=auth(secret)), 405, "method_not_allowed")
    world.users["viewer"].locale = "en"
    db.session.commit()
    english = _error(_get(client, f"/api/v1/posts/{world.foreign_post.id}", secret), 404, "not_found")
    world.users["viewer"].locale = "id"
    db.session.commit()
    indonesian = _error(_get(client, f"/api/v1/posts/{world.foreign_post.id}", secret), 404, "not_found")
    assert english["message"] == "Not found." and indonesian["message"] != english["message"]
    anonymous = _error(client.get("/api/v1/posts", headers={"Accept-Language": "en"}), 401, "unauthenticated")
    assert "token" in anonymous["message"]
    assert client.get("/no-such-page").content_type.startswith("text/html")  # pages keep their HTML errors


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert "/api/v1/posts/{post_id}/approve" in spec["paths"]
    assert spec["components"]["schemas"]["PostCreate"]["required"] == ["body", "organisation_id"]
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "POST /api/v1/posts/{post_id}/approve" in html and "<script" not in html
