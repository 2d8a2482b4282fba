"""Notification delivery jobs: e-mail over SMTP and signed webhooks (never inside a web request).

Jobs take ids and JSON values only (queue `notifications`, JSON serializer, explicit
connection) and need an app context, which the worker pushes per job. They are
enqueued only after the transaction that created the notification commits
(`enqueue_after_commit`), so a rolled-back change never sends anything.

Webhook requests carry `X-Warta-Timestamp` (Unix seconds) and `X-Warta-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the webhook's secret>`; a
receiver recomputes it and refuses stale timestamps. A failed delivery raises, and
RQ retries it with the backoff of `WARTA_WEBHOOK_RETRY_INTERVALS`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from email.message import EmailMessage
from typing import Any

import httpx
from flask import Flask, current_app
from flask_babel import force_locale
from rq import Queue, Retry, SimpleWorker
from rq.serializers import JSONSerializer
from sqlalchemy import event

from app.crypto import decrypt_text
from app.extensions import db
from app.models import Notification, Webhook, utcnow
from app.redis_conn import get_redis

QUEUE = "notifications"
SIGNATURE_HEADER = "X-Warta-Signature"
TIMESTAMP_HEADER = "X-Warta-Timestamp"


class WebhookDeliveryError(RuntimeError):
    """The receiver did not answer 2xx (RQ retries the job)."""


def get_queue(app: Flask | None = None) -> Queue:
    return Queue(QUEUE, connection=get_redis(app or current_app), serializer=JSONSerializer)


class AppContextWorker(SimpleWorker):
    """Runs each job in-process inside a fresh app context (its own database session)."""

    def __init__(self, *args: Any, flask_app: Flask, **kwargs: Any) -> None:
        kwargs.setdefault("serializer", JSONSerializer)
        super().__init__(*args, **kwargs)
        self.flask_app = flask_app

    def perform_job(self, job: Any, queue: Queue) -> bool:
        with self.flask_app.app_context():
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


def run_worker(app: Flask, burst: bool = False) -> bool:
    """Work the `notifications` queue (with RQ's scheduler, which runs the webhook retries)."""
    worker = AppContextWorker([get_queue(app)], connection=get_redis(app), flask_app=app)
    return worker.work(burst=burst, with_scheduler=True)


def enqueue_after_commit(function: str, *args: Any, retry: Retry | None = None) -> None:
    """Enqueue `function(*args)` once the current transaction commits (dropped on rollback)."""
    session = db.session()
    pending = session.info.setdefault("warta_after_commit", [])
    if not pending:
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def flush_jobs(committed_session: Any) -> None:
            jobs = committed_session.info.pop("warta_after_commit", [])
            queue = get_queue(app)
            for name, job_args, job_retry in jobs:
                queue.enqueue(name, *job_args, retry=job_retry, result_ttl=3600, failure_ttl=30 * 24 * 3600)

        def drop_jobs(rolled_back_session: Any, _transaction: Any) -> None:
            rolled_back_session.info.pop("warta_after_commit", None)

        event.listen(session, "after_commit", flush_jobs, once=True)
        event.listen(session, "after_soft_rollback", drop_jobs, once=True)
    pending.append((function, list(args), retry))


def webhook_retry(app: Flask | None = None) -> Retry:
    intervals = (app or current_app).config["WARTA_WEBHOOK_RETRY_INTERVALS"]
    return Retry(max=len(intervals), interval=list(intervals))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def deliver_webhook(webhook_id: int, event_name: str, organisation_id: int | None, payload: dict[str, Any],
                    event_id: str) -> int:
    """POST one event to one webhook; raises on anything but 2xx so RQ retries."""
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None or not webhook.active:
        return 0
    body = json.dumps({"id": event_id, "event": event_name, "organisation_id": organisation_id,
                       "payload": payload}, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
               SIGNATURE_HEADER: sign(decrypt_text(webhook.secret_encrypted), timestamp, body),
               "User-Agent": "Warta-Webhook/1"}
    try:
        response = httpx.post(webhook.url, content=body, headers=headers,
                              timeout=current_app.config["WARTA_WEBHOOK_TIMEOUT"])
    except httpx.HTTPError as exc:
        raise WebhookDeliveryError(f"webhook {webhook_id}: {type(exc).__name__}") from exc
    if not 200 <= response.status_code < 300:
        raise WebhookDeliveryError(f"webhook {webhook_id}: HTTP {response.status_code}")
    return response.status_code


def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification to its user, in the user's language; False when there is nothing to send."""
    from plugins.builtin.notifications import describe

    notification = db.session.get(Notification, notification_id)
    config = current_app.config
    if notification is None or notification.emailed_at is not None or not config["WARTA_SMTP_HOST"]:
        return False
    user = notification.user
    with force_locale(user.locale or "id"):
        subject, text = describe(notification)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["WARTA_SMTP_FROM"], user.email, f"[Warta] {subject}"
    message.set_content(f"{text}\n\n{config['WARTA_PUBLIC_URL']}/notifications\n")
    with smtplib.SMTP(config["WARTA_SMTP_HOST"], config["WARTA_SMTP_PORT"], timeout=30) as smtp:
        if config["WARTA_SMTP_STARTTLS"]:
            smtp.starttls()
        if config["WARTA_SMTP_USER"]:
            smtp.login(config["WARTA_SMTP_USER"], config["WARTA_SMTP_PASSWORD"])
        smtp.send_message(message)
    notification.emailed_at = utcnow()
    db.session.commit()
    return True
