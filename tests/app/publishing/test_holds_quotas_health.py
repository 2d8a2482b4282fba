from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditEvent, PostTarget, QuotaUsage, Role, TargetState, utcnow
from app.publishing import dispatch, holds, quotas
from app.publishing.quotas import QuotaRule
from app.redis_conn import get_redis
from tests.app.publishing.helpers import make_desk, scheduled_post
from tests.factories import sign_in


@pytest.fixture
def events(app):
    seen = []
    from app.events import add_listener

    add_listener(app, lambda name, organisation_id, payload: seen.append((name, payload)))
    return seen


def test_hold_holds_and_resume_all_keeps_times(app, factory, run_jobs, events):
    desk = make_desk(factory)
    future = scheduled_post(factory, desk, when=utcnow() + timedelta(hours=1))
    hold = holds.start_hold(desk.admin, desk.org, "everything", "Banjir: semua publikasi ditahan")
    db.session.commit()
    assert future.targets[0].state == TargetState.HELD
    assert ("hold.started", {"hold_id": hold.id, "scope": "everything",
                             "reason": "Banjir: semua publikasi ditahan", "held_targets": 1}) in events
    # A post scheduled while the hold is active is held at dispatch, never published.
    due = scheduled_post(factory, desk)
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    run_jobs()
    db.session.expire_all()
    assert due.targets[0].state == TargetState.HELD
    holds.release_hold(hold, desk.admin, "resume_all")
    db.session.commit()
    assert future.targets[0].state == TargetState.SCHEDULED
    assert future.targets[0].due_at == future.scheduled_at
    assert db.session.query(AuditEvent).filter(AuditEvent.action.in_(["hold.started", "hold.released"])).count() == 2


def test_release_past_deadline_expires(app, factory, events):
    desk = make_desk(factory, max_lateness_minutes=0)
    post = scheduled_post(factory, desk, when=utcnow() + timedelta(seconds=1))
    hold = holds.start_hold(desk.admin, desk.org, "account", "Akun diretas", account=desk.accounts[0])
    db.session.commit()
    post.targets[0].deadline_at = utcnow() - timedelta(seconds=1)
    holds.release_hold(hold, desk.admin, "review")
    assert post.targets[0].state == TargetState.HELD  # per-post review: still held
    holds.resume_target(post.targets[0], desk.admin)
    assert post.targets[0].state == TargetState.EXPIRED
    assert any(name == "target.expired" for name, _ in events)


def test_hold_needs_reason_and_admin(app, factory):
    desk = make_desk(factory)
    with pytest.raises(holds.HoldError, match="reason_required"):
        holds.start_hold(desk.admin, desk.org, "everything", "  ")
    with pytest.raises(holds.HoldError, match="not_admin"):
        holds.start_hold(desk.reviewer, desk.org, "everything", "x")


def test_hold_banner_on_every_page(app, factory, client):
    desk = make_desk(factory)
    holds.start_hold(desk.admin, desk.org, "platform", "Gangguan", platform="recorder")
    db.session.commit()
    sign_in(client, desk.author)
    page = client.get("/").get_data(as_text=True)
    assert "banner-hold" in page and "Gangguan" in page


def test_hold_routes_are_tenant_scoped(app, factory, client):
    desk, foreign = make_desk(factory), make_desk(factory)
    hold = holds.start_hold(foreign.admin, foreign.org, "everything", "x")
    db.session.commit()
    sign_in(client, desk.admin)
    assert client.post(f"/holds/{hold.id}/release", data={"mode": "resume_all"}).status_code == 404
    assert client.post("/holds", data={"org_id": desk.org.id, "scope": "everything", "reason": ""}).status_code == 400
    assert client.post("/holds", data={"org_id": desk.org.id, "scope": "everything",
                                       "reason": "Siaga"}).status_code == 302


def test_hold_start_needs_admin(app, factory, client):
    desk = make_desk(factory)
    sign_in(client, desk.reviewer)
    assert client.post("/holds", data={"org_id": desk.org.id, "scope": "everything",
                                       "reason": "x"}).status_code == 403


def test_quota_defers_to_earliest_allowed_time(app, factory, run_jobs):
    app.config["WARTA_QUOTAS"] = {"recorder": [QuotaRule("account", timedelta(minutes=15), 2)]}
    desk = make_desk(factory)
    now = utcnow()
    for minutes in (10, 5):
        db.session.add(QuotaUsage(platform="recorder", account_id=desk.accounts[0].id, kind="post",
                                  used_at=now - timedelta(minutes=minutes)))
    db.session.commit()
    expected = now - timedelta(minutes=10) + timedelta(minutes=15)
    assert abs((quotas.earliest_allowed(desk.accounts[0], "post", now) - expected).total_seconds()) < 1
    post = scheduled_post(factory, desk)
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    run_jobs()
    db.session.expire_all()
    target = db.session.get(PostTarget, post.targets[0].id)
    assert target.state == TargetState.SCHEDULED  # deferred, never failed
    assert abs((target.due_at - expected).total_seconds()) < 2
    forecast = quotas.planning_forecast(desk.accounts[0], now)
    assert forecast[0].used == 2 and forecast[0].limit == 2 and forecast[0].over


def test_quota_counts_the_limit_th_newest_use_per_account_and_per_app(app, factory):
    app.config["WARTA_QUOTAS"] = {"recorder": [QuotaRule("account", timedelta(minutes=15), 2),
                                               QuotaRule("app", timedelta(hours=1), 4)]}
    desk = make_desk(factory, accounts=2)
    mine, other = desk.accounts
    now = utcnow()
    for account, minutes in ((mine, 12), (mine, 8), (mine, 4), (other, 50), (other, 30)):
        db.session.add(QuotaUsage(platform="recorder", account_id=account.id, kind="post",
                                  used_at=now - timedelta(minutes=minutes)))
    db.session.commit()
    # Mine: three uses in 15 minutes, cap 2 → free when the second newest (8 min ago) leaves the window.
    # The app: five uses in the hour, cap 4 → free when the fourth newest (30 min ago) leaves it: later.
    expected = now - timedelta(minutes=30) + timedelta(hours=1)
    assert abs((quotas.earliest_allowed(mine, "post", now) - expected).total_seconds()) < 1
    app.config["WARTA_QUOTAS"] = {"recorder": [QuotaRule("account", timedelta(minutes=15), 2)]}
    assert abs((quotas.earliest_allowed(mine, "post", now) - (now + timedelta(minutes=7))).total_seconds()) < 1
    assert quotas.earliest_allowed(other, "post", now) == now  # its own window holds no use


def test_health_and_metrics_need_operator(app, factory, client, run_jobs):
    desk = make_desk(factory)
    scheduled_post(factory, desk)
    dispatch.run_pass(get_redis(), dispatch.DispatchState(), do_repair=False)
    run_jobs()
    response = client.get("/health", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    data = response.get_json()
    assert data["dispatcher"]["heartbeat_age_s"] is None and "dispatcher_heartbeat_stale" in data["problems"]
    assert response.status_code == 503
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    app.config["WARTA_METRICS_TOKEN"] = "operator-secret"
    metrics = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"},
                         headers={"Authorization": "Bearer operator-secret"})
    text = metrics.get_data(as_text=True)
    assert metrics.status_code == 200
    assert 'warta_publishes_total{outcome="published",platform="recorder"} 1.0' in text
    assert "warta_dispatch_lag_seconds_bucket" in text and "warta_queue_depth" in text


def test_health_page_for_admins(app, factory, client):
    desk = make_desk(factory)
    sign_in(client, desk.admin)
    assert client.get("/admin/health").status_code == 200


def test_health_page_refused_to_non_admins(app, factory, client):
    desk = make_desk(factory)
    sign_in(client, desk.author)
    assert client.get("/admin/health").status_code == 403


def test_health_page_refused_to_admins_below_the_top(app, factory, client):
    """The health page shows installation-wide numbers: an OPD admin does not see them."""
    desk = make_desk(factory)
    opd = factory.org(parent=desk.org)
    sign_in(client, factory.user(opd, Role.ADMIN))
    assert client.get("/admin/health").status_code == 403
