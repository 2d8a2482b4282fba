"""Notifications: recipients and preferences, in-app list, e-mail through a real SMTP sink,
signed webhooks through a real HTTP receiver, delivered by a real RQ worker after the commit."""
from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app import events
from app.crypto import decrypt_text
from app.extensions import db
from app.models import AuditEvent, Notification, NotificationPreference, Role, Webhook
from tests.factories import sign_in
from tests.simulator.server import serve_in_background
from workers.notifications import get_queue, run_worker


@pytest.fixture
def tree(factory):
    root = factory.org("Pemkot Balikpapan")
    child = factory.org("Dinas Kesehatan", parent=root)
    return {
        "root": root, "child": child,
        "root_admin": factory.user(root, Role.ADMIN, email="kominfo@example.org"),
        "child_admin": factory.user(child, Role.ADMIN, email="dinkes@example.org", locale="en"),
        "officer": factory.user(root, Role.SECURITY_OFFICER),
        "reviewer": factory.user(child, Role.REVIEWER),
        "author": factory.user(child, Role.COORDINATOR),
        "foreign": factory.user(factory.org("Pemkab Paser"), Role.ADMIN),
    }


def _notified(event: str) -> set[int]:
    return {n.user_id for n in db.session.scalars(select(Notification).where(Notification.event == event))}


def _work(app) -> bool:
    """The production worker (fresh app context per job), in burst mode."""
    db.session.commit()
    return run_worker(app, burst=True)


def test_recipients_by_role_up_the_tree_and_the_author(app, tree):
    events.emit("post.approved", organisation_id=tree["child"].id, post_id=1, author_id=tree["author"].id)
    events.emit("security.takeover_suspected", organisation_id=tree["child"].id, account_id=3)
    events.emit("post.submitted", organisation_id=tree["child"].id, post_id=1)
    events.emit("unknown.event", organisation_id=tree["child"].id)
    events.emit("target.published", organisation_id=tree["child"].id, post_id=1, author_id=tree["author"].id)
    events.emit("target.failed", organisation_id=tree["child"].id, post_id=1, author_id=tree["author"].id)
    db.session.commit()
    admins = {tree["root_admin"].id, tree["child_admin"].id}
    assert _notified("post.approved") == admins | {tree["author"].id}
    assert _notified("security.takeover_suspected") == admins | {tree["officer"].id}
    assert _notified("post.submitted") == admins | {tree["reviewer"].id}
    assert _notified("unknown.event") == set()
    assert _notified("target.published") == {tree["author"].id}  # success: the author only
    assert _notified("target.failed") == admins | {tree["author"].id}


def test_preferences_switch_events_off(app, tree):
    db.session.add(NotificationPreference(user_id=tree["root_admin"].id, event="health.alert", in_app=False,
                                          email=False))
    db.session.commit()
    events.emit("health.alert", organisation_id=tree["child"].id, check="redis")
    db.session.commit()
    assert _notified("health.alert") == {tree["child_admin"].id}


def test_in_app_list_unread_count_and_mark_read(app, tree, client):
    events.emit("target.failed", organisation_id=tree["child"].id, target_id=9, reason="HTTP 500")
    db.session.commit()
    sign_in(client, tree["child_admin"])
    page = client.get("/notifications").get_data(as_text=True)
    assert "Publishing failed" in page and "Dinas Kesehatan" in page
    assert '<span class="badge">1</span>' in page
    assert client.post("/notifications/read").status_code == 302
    assert '<span class="badge">' not in client.get("/notifications").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "notifications.marked_read"))


def test_preferences_page_saves_choices(app, tree, client):
    sign_in(client, tree["root_admin"])
    assert client.get("/notifications/preferences").status_code == 200
    response = client.post("/notifications/preferences", data={"in_app": ["target.failed"], "email": []})
    assert response.status_code == 302
    rows = {p.event: (p.in_app, p.email) for p in db.session.scalars(select(NotificationPreference))}
    assert rows["target.failed"] == (True, False) and rows["post.approved"] == (False, False)
    events.emit("post.approved", organisation_id=tree["root"].id, post_id=1)
    db.session.commit()
    assert tree["root_admin"].id not in _notified("post.approved")


@pytest.fixture
def smtp_configured(app_config):
    app_config["WARTA_SMTP_HOST"] = "127.0.0.1"  # jobs are enqueued; no worker runs in these tests


def test_no_email_jobs_without_an_smtp_server(app, tree):
    events.emit("health.alert", organisation_id=tree["child"].id, check="db")
    db.session.commit()
    assert get_queue(app).count == 0
    assert len(_notified("health.alert")) == 2  # in-app notifications are always written


def test_jobs_are_enqueued_only_after_commit(smtp_configured, app, tree):
    queue = get_queue(app)
    events.emit("health.alert", organisation_id=tree["child"].id, check="db")
    assert queue.count == 0  # not yet committed
    db.session.rollback()
    db.session.commit()
    assert queue.count == 0  # rolled back: nothing to send
    events.emit("health.alert", organisation_id=tree["child"].id, check="db")
    db.session.commit()
    assert queue.count == 2  # one e-mail per recipient


# -- e-mail -------------------------------------------------------------------------------------


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink(app_config) -> Iterator[Sink]:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app_config.update(WARTA_SMTP_HOST="127.0.0.1", WARTA_SMTP_PORT=controller.port, WARTA_SMTP_FROM="warta@pemkot.test")
    yield sink
    controller.stop()


def test_email_is_sent_by_the_worker_in_the_recipients_language(smtp_sink, app, tree):
    events.emit("target.failed", organisation_id=tree["child"].id, target_id=9)
    db.session.commit()
    assert smtp_sink.messages == []  # never inside the request / transaction
    assert _work(app)
    by_rcpt = {rcpt[0]: content for _sender, rcpt, content in smtp_sink.messages}
    assert set(by_rcpt) == {"kominfo@example.org", "dinkes@example.org"}
    assert "Subject: [Warta] Publikasi gagal" in by_rcpt["kominfo@example.org"]
    assert "Subject: [Warta] Publishing failed" in by_rcpt["dinkes@example.org"]
    assert all(n.emailed_at is not None for n in db.session.scalars(select(Notification)))
    assert _work(app) is False  # nothing left; a re-run would not send twice either


# -- webhooks -----------------------------------------------------------------------------------


class Receiver(BaseHTTPRequestHandler):
    secret: ClassVar[str] = ""
    answers: ClassVar[list[int]] = []
    seen: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers["X-Warta-Timestamp"]
        expected = "sha256=" + hmac.new(Receiver.secret.encode(), timestamp.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(expected, self.headers["X-Warta-Signature"]) and \
            abs(time.time() - int(timestamp)) < 300
        Receiver.seen.append({"valid": valid, "body": json.loads(body)})
        self.send_response(Receiver.answers.pop(0) if valid and Receiver.answers else (204 if valid else 401))
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver(app_config) -> Iterator[str]:
    Receiver.seen, Receiver.answers = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    serve_in_background(server)
    app_config["WARTA_WEBHOOK_RETRY_INTERVALS"] = "0,0"  # retry at once (backoff itself: test_config)
    yield f"http://127.0.0.1:{server.server_address[1]}/warta"
    server.shutdown()
    server.server_close()


def _add_webhook(client, org, url: str, events_: list[str]) -> str:
    response = client.post(f"/notifications/webhooks/{org.id}", data={"url": url, "events": events_})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page.split("<code>", 1)[1].split("</code>", 1)[0]


def test_webhook_is_signed_retried_with_backoff_and_verified(receiver, app, tree, client):
    sign_in(client, tree["root_admin"])
    Receiver.secret = _add_webhook(client, tree["root"], receiver, ["target.failed"])
    webhook = db.session.scalar(select(Webhook))
    assert decrypt_text(webhook.secret_encrypted) == Receiver.secret
    assert Receiver.secret.encode() not in webhook.secret_encrypted
    Receiver.answers = [503]  # the first attempt fails, the retry succeeds
    events.emit("target.failed", organisation_id=tree["child"].id, target_id=9)
    events.emit("health.alert", organisation_id=tree["child"].id)  # not subscribed
    db.session.commit()
    assert Receiver.seen == []
    _work(app)
    assert [s["valid"] for s in Receiver.seen] == [True, True]
    assert Receiver.seen[0]["body"] == Receiver.seen[1]["body"]
    body = Receiver.seen[1]["body"]
    assert (body["event"], body["organisation_id"], body["payload"]) == ("target.failed", tree["child"].id,
                                                                          {"target_id": 9})
    assert get_queue(app).failed_job_registry.count == 0


def test_webhook_with_a_wrong_secret_is_refused_and_fails_after_the_retries(receiver, app, tree, client):
    sign_in(client, tree["root_admin"])
    _add_webhook(client, tree["root"], receiver, [])
    Receiver.secret = "not-the-secret"
    events.emit("health.alert", organisation_id=tree["root"].id)
    db.session.commit()
    _work(app)
    assert [s["valid"] for s in Receiver.seen] == [False, False, False]  # first try + 2 retries
    assert get_queue(app).failed_job_registry.count == 1


def test_webhook_pages_are_scoped_and_audited(receiver, app, tree, client):
    sign_in(client, tree["child_admin"])
    assert client.get(f"/notifications/webhooks/{tree['root'].id}").status_code == 404
    _add_webhook(client, tree["child"], receiver, [])
    webhook = db.session.scalar(select(Webhook))
    sign_in(client, tree["reviewer"])
    assert client.post(f"/notifications/webhooks/{tree['child'].id}/{webhook.id}/delete").status_code == 403
    sign_in(client, tree["child_admin"])
    assert client.post(f"/notifications/webhooks/{tree['child'].id}/{webhook.id}/delete").status_code == 302
    assert db.session.scalar(select(Webhook)) is None
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["webhook.created", "webhook.deleted"]


def test_webhook_jobs_carry_the_configured_backoff(smtp_configured, app, tree):
    db.session.add(Webhook(organisation_id=tree["root"].id, url="https://hooks.example/x",
                           secret_encrypted=b"unused", events=[]))
    db.session.commit()
    events.emit("health.alert", organisation_id=tree["root"].id)
    db.session.commit()
    jobs = [j for j in get_queue(app).jobs if j.func_name == "workers.notifications.deliver_webhook"]
    assert [(j.retries_left, j.retry_intervals) for j in jobs] == [(5, [10, 60, 300, 900, 3600])]


def test_retry_intervals_must_be_whole_numbers(app_config):
    from app import create_app

    with pytest.raises(RuntimeError, match="WARTA_WEBHOOK_RETRY_INTERVALS"):
        create_app({**app_config, "WARTA_WEBHOOK_RETRY_INTERVALS": "10,soon"})
