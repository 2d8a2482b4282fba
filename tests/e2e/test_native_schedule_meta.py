"""Facebook's own scheduling (issue #4) end to end: the real pipeline, the real Facebook adapter, the simulator.

The organisation switches `native_scheduling` on; a Page post due in an hour is handed to Facebook at once
with `published=false` + `scheduled_publish_time`, and Warta keeps the platform in step: a crisis hold deletes
the scheduled post there, a new time updates it, a content edit cancels it, a failed cancel is loud, and after
its time the post is confirmed live. Time passing is the simulator's clock moved on (`POST /_sim/clock`) and the
same shift of the dispatcher's and the native job's clocks.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest

from app.extensions import db
from app.models import AuditEvent, Notification, PostState, PostTarget, SocialAccount, TargetState, utcnow
from app.publishing import dispatch, health, holds, lifecycle, native
from tests.app.publishing.helpers import Desk, make_desk
from tests.e2e.helpers import connect
from tests.e2e.test_pipeline_meta import _scheduled
from tests.factories import sign_in
from tests.simulator.server import fault, record

T = TargetState
PAGE_TOKEN = "sim-page-token-diskominfo"


def _desk(factory, client) -> tuple[Desk, SocialAccount]:
    """An organisation using Facebook's own scheduling, with the simulated Pages connected through OAuth."""
    desk = make_desk(factory, accounts=0, native_scheduling=True)
    sign_in(client, desk.admin)
    _html, choose_url = connect(client, "facebook")
    form = {"key": urlsplit(choose_url).query.split("key=")[1]}
    form.update({f"org_{i}": str(desk.org.id) for i in range(6)})
    assert client.post(urlsplit(choose_url).path, data=form).status_code == 302
    accounts = {(a.platform, a.handle): a for a in db.session.scalars(db.select(SocialAccount))}
    return desk, accounts[("facebook", "Diskominfo Balikpapan")]


def _on_platform(sim: str) -> list[dict]:
    """The Page's scheduled (not yet live) posts, as Facebook lists them."""
    return httpx.get(f"{sim}/graph.facebook.com/v25.0/300000000000001/scheduled_posts",
                     params={"access_token": PAGE_TOKEN, "fields": "id,message,scheduled_publish_time"}).json()["data"]


def _handed_over(pipeline, target: PostTarget) -> PostTarget:
    pipeline([target.id], settled=lambda ts: ts[0].state not in (T.SCHEDULED, T.QUEUED, T.PUBLISHING))
    db.session.refresh(target)
    assert target.state == T.PLATFORM_SCHEDULED, (target.state, target.last_error)
    return target


def _audit(target: PostTarget) -> list[str]:
    return [e.action for e in db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.object_type == "PostTarget", AuditEvent.object_id == str(target.id)).order_by(AuditEvent.id))]


def test_scheduled_post_is_held_by_facebook_until_its_time_then_confirmed(live_app, factory, sim_server, pipeline,
                                                                          monkeypatch):
    with live_app.app_context():
        desk, fb = _desk(factory, live_app.test_client())
        target = _scheduled(factory, desk, fb, "Car free day Minggu pagi.", [], in_seconds=3600)
        post = target.post
        assert target.handover_at is not None and target.handover_at <= utcnow()  # inside the window already

        _handed_over(pipeline, target)
        assert target.native_scheduled_for == post.scheduled_at and target.published_at is None
        entries = record(sim_server)
        assert [e["action"] for e in entries] == ["schedule"]  # nothing published early
        assert entries[0]["remote_id"] == target.remote_id
        assert entries[0]["scheduled_publish_time"] == int(post.scheduled_at.timestamp())
        assert entries[0]["fields"]["published"] in ("False", "false")
        assert [p["id"] for p in _on_platform(sim_server)] == [target.remote_id]

        # Before its time the native job only waits (and does not ask); the platform still holds it.
        target.due_at = utcnow()
        db.session.commit()
        assert pipeline([target.id], settled=lambda ts: ts[0].due_at > utcnow()) == {target.id: T.PLATFORM_SCHEDULED}
        assert target.due_at == post.scheduled_at + native.CONFIRM_GRACE

        # Its time passes (the platform's clock and Warta's): Facebook publishes it, Warta confirms it.
        later = timedelta(hours=1, minutes=5)
        httpx.post(f"{sim_server}/_sim/clock", json={"advance": later.total_seconds()}).raise_for_status()
        monkeypatch.setattr(dispatch, "utcnow", lambda: utcnow() + later)
        monkeypatch.setattr(native, "utcnow", lambda: utcnow() + later)
        assert pipeline([target.id], settled=lambda ts: ts[0].state != T.PLATFORM_SCHEDULED) == {
            target.id: T.PUBLISHED}
        db.session.refresh(target)
        assert target.published_at == post.scheduled_at and target.remote_url
        published = record(sim_server, action="publish")
        assert len(published) == 1 and published[0]["remote_id"] == target.remote_id
        assert published[0]["from_schedule"] is True
        assert _audit(target)[-2:] == ["target.platform_scheduled", "target.published"]


def test_hold_cancels_it_on_facebook_and_release_schedules_it_again(live_app, factory, sim_server, pipeline):
    with live_app.app_context():
        desk, fb = _desk(factory, live_app.test_client())
        target = _handed_over(pipeline, _scheduled(factory, desk, fb, "Festival budaya.", [], in_seconds=3600))
        first_remote = target.remote_id

        hold = holds.start_hold(desk.admin, desk.org, "everything", "Banjir: semua publikasi ditahan")
        db.session.commit()
        pipeline([target.id], settled=lambda ts: ts[0].state != T.PLATFORM_SCHEDULED)
        db.session.refresh(target)
        assert target.state == T.HELD and target.remote_id is None and target.native_scheduled_for is None
        assert record(sim_server, action="delete")[0]["remote_id"] == first_remote
        assert _on_platform(sim_server) == []
        assert "target.held" in _audit(target)

        holds.release_hold(hold, desk.admin, "resume_all")
        db.session.commit()
        _handed_over(pipeline, target)
        assert target.remote_id != first_remote and target.native_scheduled_for == target.post.scheduled_at
        assert [p["id"] for p in _on_platform(sim_server)] == [target.remote_id]
        assert record(sim_server, action="publish") == []


def test_new_time_updates_it_on_facebook(live_app, factory, sim_server, pipeline):
    with live_app.app_context():
        desk, fb = _desk(factory, live_app.test_client())
        target = _handed_over(pipeline, _scheduled(factory, desk, fb, "Donor darah.", [], in_seconds=3600))
        post = target.post
        new_time = (post.scheduled_at + timedelta(hours=2)).replace(microsecond=0)

        assert lifecycle.reschedule(post, new_time, desk.admin) is False
        db.session.commit()
        pipeline([target.id], settled=lambda ts: ts[0].native_scheduled_for == new_time)
        db.session.refresh(target)
        assert target.state == T.PLATFORM_SCHEDULED and post.state == PostState.SCHEDULED
        updates = record(sim_server, action="update")
        assert [u["remote_id"] for u in updates] == [target.remote_id]
        assert updates[0]["fields"]["scheduled_publish_time"] == str(int(new_time.timestamp()))
        assert _on_platform(sim_server)[0]["scheduled_publish_time"] == int(new_time.timestamp())
        assert "target.native_rescheduled" in _audit(target)


def test_content_edit_cancels_it_and_reapproval_schedules_it_again(live_app, factory, sim_server, pipeline):
    with live_app.app_context():
        desk, fb = _desk(factory, live_app.test_client())
        target = _handed_over(pipeline, _scheduled(factory, desk, fb, "Pasar murah.", [], in_seconds=3600))
        post = target.post

        post.body = "Pasar murah diundur."
        lifecycle.content_edited(post, desk.author)
        db.session.commit()
        assert post.state == PostState.IN_REVIEW
        pipeline([target.id], settled=lambda ts: ts[0].state != T.PLATFORM_SCHEDULED)
        db.session.refresh(target)
        assert target.state == T.SCHEDULED and target.remote_id is None
        assert _on_platform(sim_server) == [] and len(record(sim_server, action="delete")) == 1

        lifecycle.approve(post, desk.reviewer)
        db.session.commit()
        _handed_over(pipeline, target)
        assert [p["message"] for p in _on_platform(sim_server)] == ["Pasar murah diundur."]


def test_failed_cancel_during_a_hold_is_loud_and_tried_again(live_app, factory, sim_server, pipeline):
    with live_app.app_context():
        desk, fb = _desk(factory, live_app.test_client())
        target = _handed_over(pipeline, _scheduled(factory, desk, fb, "Lomba 17-an.", [], in_seconds=3600))
        fault(sim_server, endpoint="graph.node_delete", preset="server_error", times=-1)

        holds.start_hold(desk.admin, desk.org, "everything", "Akun diretas?")
        db.session.commit()
        pipeline([target.id], settled=lambda ts: ts[0].last_error is not None)
        db.session.refresh(target)
        # The truth: Facebook still holds it. It says so, and the admins and security officers are told.
        assert target.state == T.PLATFORM_SCHEDULED
        assert target.remote_id and target.last_error.startswith("Facebook")
        assert len(_on_platform(sim_server)) == 1
        told = db.session.scalars(db.select(Notification).where(
            Notification.event == "target.native_cancel_failed")).all()
        assert {n.user_id for n in told} >= {desk.admin.id, desk.author.id}
        assert "target.native_cancel_failed" in _audit(target)
        assert health.target_counts()["native_cancel_failed"] == 1
        page = live_app.test_client()
        sign_in(page, desk.admin)
        assert target.last_error[:40] in page.get(f"/posts/{target.post_id}").get_data(as_text=True)

        # Facebook answers again: the next round cancels it and the target is held.
        httpx.delete(f"{sim_server}/_sim/faults").raise_for_status()
        target.due_at = utcnow()  # the next round is due (every RECHECK_EVERY)
        db.session.commit()
        pipeline([target.id], settled=lambda ts: ts[0].state != T.PLATFORM_SCHEDULED)
        db.session.refresh(target)
        assert target.state == T.HELD and target.last_error is None
        assert _on_platform(sim_server) == []


@pytest.mark.parametrize("in_seconds", [60, 40 * 86400], ids=["too-close", "beyond-window"])
def test_outside_the_window_it_waits_for_its_time(live_app, factory, sim_server, pipeline, in_seconds):
    with live_app.app_context():
        desk, fb = _desk(factory, live_app.test_client())
        target = _scheduled(factory, desk, fb, "Pengumuman.", [], in_seconds=in_seconds)
        if in_seconds < 3600:
            assert target.handover_at is None  # under Facebook's 10 minutes: Warta publishes it at its time
        else:  # handed over once it enters Facebook's 30-day window
            assert target.handover_at == target.due_at - fb_class().native_schedule_max
        dispatch.run_pass(None, dispatch.DispatchState(), do_repair=False)
        db.session.refresh(target)
        assert target.state == T.SCHEDULED and record(sim_server) == []


def fb_class():
    import adapters

    return adapters.adapter_classes()["facebook"]


def test_new_time_too_close_for_facebook_takes_it_back(live_app, factory, sim_server, pipeline):
    with live_app.app_context():
        desk, fb = _desk(factory, live_app.test_client())
        target = _handed_over(pipeline, _scheduled(factory, desk, fb, "Kerja bakti.", [], in_seconds=3600))
        soon = utcnow() + timedelta(minutes=5)  # under Facebook's 10 minutes: Warta publishes it itself

        lifecycle.reschedule(target.post, soon, desk.admin)
        db.session.commit()
        pipeline([target.id], settled=lambda ts: ts[0].state != T.PLATFORM_SCHEDULED)
        db.session.refresh(target)
        assert target.state == T.SCHEDULED and target.due_at == soon and target.handover_at is None
        assert _on_platform(sim_server) == [] and record(sim_server, action="publish") == []


def test_handover_that_times_out_is_found_among_scheduled_posts_not_taken_as_published(live_app, factory,
                                                                                       sim_server, pipeline):
    live_app.config["WARTA_PLATFORMS"]["facebook"]["timeout"] = 1.0
    live_app.config["WARTA_RECONCILE_GRACE_SECONDS"] = 2.0
    with live_app.app_context():
        desk, fb = _desk(factory, live_app.test_client())
        target = _scheduled(factory, desk, fb, "Vaksinasi keliling.", [], in_seconds=3600)
        fault(sim_server, endpoint="fb.feed_create", delay=1.5)  # Facebook schedules it; the answer is lost

        assert pipeline([target.id], settled=lambda ts: ts[0].state not in (T.SCHEDULED, T.QUEUED, T.PUBLISHING)
                        ) == {target.id: T.UNCONFIRMED}
        db.session.refresh(target)
        assert target.native_scheduled_for == target.post.scheduled_at
        pipeline([target.id], settled=lambda ts: ts[0].state != T.UNCONFIRMED)
        db.session.refresh(target)
        assert target.state == T.PLATFORM_SCHEDULED, (target.state, target.last_error)
        assert [p["id"] for p in _on_platform(sim_server)] == [target.remote_id]
        assert len(record(sim_server, action="schedule")) == 1 and record(sim_server, action="publish") == []


def test_hold_released_before_a_failing_cancel_worked_leaves_it_scheduled_on_facebook(live_app, factory,
                                                                                      sim_server, pipeline):
    with live_app.app_context():
        desk, fb = _desk(factory, live_app.test_client())
        target = _handed_over(pipeline, _scheduled(factory, desk, fb, "Senam pagi.", [], in_seconds=3600))
        fault(sim_server, endpoint="graph.node_delete", preset="server_error", times=-1)
        hold = holds.start_hold(desk.admin, desk.org, "platform", "Cek dulu", platform="facebook")
        db.session.commit()
        pipeline([target.id], settled=lambda ts: ts[0].last_error is not None)

        holds.release_hold(hold, desk.admin, "resume_all")
        target.due_at = utcnow()  # the next round
        db.session.commit()
        pipeline([target.id], settled=lambda ts: ts[0].last_error is None)
        db.session.refresh(target)
        assert target.state == T.PLATFORM_SCHEDULED and len(_on_platform(sim_server)) == 1
        assert health.target_counts()["native_cancel_failed"] == 0


def test_handover_that_became_too_close_waits_for_its_time(live_app, factory, sim_server, pipeline, monkeypatch):
    """A job that reaches Facebook under its 10 minutes (a slow queue, say) sends nothing; Warta publishes it later."""
    with live_app.app_context():
        desk, fb = _desk(factory, live_app.test_client())
        target = _scheduled(factory, desk, fb, "Rapat warga.", [], in_seconds=8 * 60)
        due = target.due_at
        monkeypatch.setattr(native, "CLAIM_MARGIN", -timedelta(minutes=5))  # let the claim through at 8 minutes
        target.handover_at = utcnow()
        db.session.commit()

        pipeline([target.id], settled=lambda ts: ts[0].state == T.SCHEDULED and ts[0].handover_at is None)
        db.session.refresh(target)
        assert target.due_at == due and target.remote_id is None
        assert record(sim_server) == []
