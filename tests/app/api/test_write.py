"""Changing things through /api/v1: the editor's rules, the lifecycle, holds, scopes, audit."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import AuditEvent, Hold, Post, PostState, PostTarget, TargetState, utcnow
from tests.app.api.conftest import auth, token_for


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _future(hours: int = 24) -> str:
    return (utcnow() + timedelta(hours=hours)).replace(microsecond=0).isoformat()


def test_create_and_update_a_draft_with_the_editors_rules(client, world):
    secret = token_for(world.users["opd_admin"], "write")
    body = {"organisation_id": world.opd.id, "title": "Imunisasi", "body": "Imunisasi anak gratis",
            "account_ids": [world.account.id], "variants": {"x": "Imunisasi gratis! #sehat"},
            "scheduled_at": _future()}
    response = client.post("/api/v1/posts", json=body, headers=auth(secret))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["state"] == "draft" and created["variants"] == {"x": "Imunisasi gratis! #sehat"}
    assert [t["account_id"] for t in created["targets"]] == [world.account.id]
    event = _audit("post.created")[-1]
    assert event.actor_id == world.users["opd_admin"].id and event.after["via_api"]

    patched = client.patch(f"/api/v1/posts/{created['id']}", json={"body": "Imunisasi anak gratis, Sabtu"},
                           headers=auth(secret))
    assert patched.status_code == 200 and patched.get_json()["content_version"] == 2
    assert patched.get_json()["variants"] == {"x": "Imunisasi gratis! #sehat"}  # untouched fields kept
    assert _audit("post.updated")[-1].before["body"] == "Imunisasi anak gratis"


def test_invalid_post_input_is_refused_whole_with_every_problem(client, world):
    secret = token_for(world.users["opd_admin"], "write")
    before = db.session.scalar(db.select(db.func.count()).select_from(Post))
    past = (utcnow() - timedelta(hours=1)).isoformat()
    response = client.post("/api/v1/posts", json={
        "organisation_id": world.opd.id, "body": "Halo", "account_ids": [world.foreign_account.id],
        "variants": {"youtube": "judul"}, "scheduled_at": past}, headers=auth(secret))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert {"account_ids", "scheduled_at", "variants.youtube"} <= set(error["details"]["json"])
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == before
    naive = client.post("/api/v1/posts", json={"organisation_id": world.opd.id, "body": "x",
                                               "scheduled_at": "2030-01-01T08:00:00"}, headers=auth(secret))
    assert naive.status_code == 400 and "scheduled_at" in naive.get_json()["error"]["details"]["json"]
    unknown = client.post("/api/v1/posts", json={"organisation_id": world.opd.id, "body": "x", "colour": 1},
                          headers=auth(secret))
    assert unknown.status_code == 400


def test_roles_tenancy_and_scopes_on_writes(client, world):
    body = {"organisation_id": world.opd.id, "body": "Halo"}
    viewer = token_for(world.users["viewer"], "write")
    assert client.post("/api/v1/posts", json=body, headers=auth(viewer)).status_code == 403
    read_only = token_for(world.users["opd_admin"], "read")
    response = client.post("/api/v1/posts", json=body, headers=auth(read_only))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "insufficient_scope"
    foreign = token_for(world.users["foreign_admin"], "write", "approve")
    assert client.patch(f"/api/v1/posts/{world.post.id}", json={"body": "x"}, headers=auth(foreign)).status_code == 404
    assert client.post(f"/api/v1/posts/{world.post.id}/submit", headers=auth(foreign)).status_code == 404
    assert client.post(f"/api/v1/posts/{world.post.id}/approve", json={}, headers=auth(foreign)).status_code == 404
    target = world.post.targets[0]
    assert client.post(f"/api/v1/targets/{target.id}/retry", headers=auth(foreign)).status_code == 404
    assert client.post("/api/v1/posts", json={**body}, headers=auth(foreign)).status_code == 404
    db.session.expire_all()
    assert db.session.get(Post, world.post.id).body == "Vaksinasi gratis di puskesmas"


def test_submit_approve_schedule_cancel(client, world):
    author = token_for(world.users["opd_admin"], "write", "approve")
    reviewer = token_for(world.users["reviewer"], "write", "approve")
    writer = token_for(world.users["reviewer"], "write")
    post_url = f"/api/v1/posts/{world.post.id}"
    assert client.post(f"{post_url}/submit", headers=auth(author)).get_json()["state"] == "in_review"
    own = client.post(f"{post_url}/approve", json={}, headers=auth(author))
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "self_approval"
    assert client.post(f"{post_url}/approve", json={}, headers=auth(writer)).status_code == 403  # no approve scope
    approved = client.post(f"{post_url}/approve", json={"comment": "ok"}, headers=auth(reviewer))
    assert approved.status_code == 200 and approved.get_json()["state"] == "approved"
    again = client.post(f"{post_url}/approve", json={}, headers=auth(reviewer))
    assert again.status_code == 409
    when = _future(48)
    scheduled = client.post(f"{post_url}/schedule", json={"scheduled_at": when}, headers=auth(writer)).get_json()
    assert scheduled["state"] == "scheduled" and scheduled["targets"][0]["due_at"] is not None
    cancelled = client.post(f"{post_url}/cancel", headers=auth(writer)).get_json()
    assert cancelled["state"] == "approved" and cancelled["scheduled_at"] is None
    conflict = client.post(f"{post_url}/cancel", headers=auth(writer))
    assert conflict.status_code == 409 and conflict.get_json()["error"]["code"] == "invalid_state"
    actions = [e.action for e in db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.object_type == "Post", AuditEvent.object_id == str(world.post.id)).order_by(AuditEvent.id))]
    assert actions[:4] == ["post.submit", "post.approval_recorded", "post.approve", "post.time_set"]
    assert "post.unschedule" in actions


def test_reject_needs_a_comment_and_edit_needs_a_draft(client, world):
    author = token_for(world.users["opd_admin"], "write")
    reviewer = token_for(world.users["reviewer"], "approve")
    url = f"/api/v1/posts/{world.post.id}"
    client.post(f"{url}/submit", headers=auth(author))
    locked = client.patch(url, json={"body": "x"}, headers=auth(author))
    assert locked.status_code == 409 and locked.get_json()["error"]["code"] == "not_editable"
    assert client.post(f"{url}/reject", json={}, headers=auth(reviewer)).get_json()["error"]["code"] == \
        "comment_required"
    assert client.post(f"{url}/reject", json={"comment": "Typo"}, headers=auth(reviewer)).get_json()["state"] == \
        "rejected"


def test_retry_a_failed_target(client, world):
    target = world.post.targets[0]
    target.state = TargetState.FAILED
    db.session.commit()
    viewer = token_for(world.users["viewer"], "write")
    assert client.post(f"/api/v1/targets/{target.id}/retry", headers=auth(viewer)).status_code == 403
    reviewer = token_for(world.users["reviewer"], "write")
    response = client.post(f"/api/v1/targets/{target.id}/retry", headers=auth(reviewer))
    assert response.status_code == 200 and response.get_json()["state"] == "scheduled"
    assert _audit("target.scheduled")[-1].after["reason"] == "retry"
    assert client.post(f"/api/v1/targets/{target.id}/retry", headers=auth(reviewer)).status_code == 409


def test_holds_start_list_release(client, world):
    target = world.post.targets[0]
    admin = token_for(world.users["admin"], "write")
    response = client.post("/api/v1/holds", json={"organisation_id": world.opd.id, "scope": "organisation",
                                                  "reason": "Bencana banjir"}, headers=auth(admin))
    assert response.status_code == 201, response.get_json()
    hold_id = response.get_json()["id"]
    db.session.expire_all()
    assert db.session.get(PostTarget, target.id).state == TargetState.HELD
    listed = client.get("/api/v1/holds", headers=auth(admin)).get_json()
    assert [h["id"] for h in listed["items"]] == [hold_id]
    empty_reason = client.post("/api/v1/holds", json={"organisation_id": world.opd.id, "scope": "organisation",
                                                      "reason": " "}, headers=auth(admin))
    assert empty_reason.status_code == 400 and empty_reason.get_json()["error"]["code"] == "reason_required"
    foreign = token_for(world.users["foreign_admin"], "write")
    assert client.post(f"/api/v1/holds/{hold_id}/release", headers=auth(foreign)).status_code == 404
    assert client.get("/api/v1/holds", headers=auth(foreign)).get_json()["items"] == []
    assert client.get("/api/v1/holds", headers=auth(token_for(world.users["viewer"]))).status_code == 403
    released = client.post(f"/api/v1/holds/{hold_id}/release", json={"mode": "resume_all"}, headers=auth(admin))
    assert released.status_code == 200 and released.get_json()["release_mode"] == "resume_all"
    assert client.post(f"/api/v1/holds/{hold_id}/release", headers=auth(admin)).status_code == 409
    db.session.expire_all()
    assert db.session.get(PostTarget, target.id).state == TargetState.SCHEDULED
    assert db.session.get(Hold, hold_id).released_by_id == world.users["admin"].id
    assert [e.action for e in _audit("hold.started") + _audit("hold.released")] == ["hold.started", "hold.released"]
    assert db.session.get(Post, world.post.id).state == PostState.DRAFT
