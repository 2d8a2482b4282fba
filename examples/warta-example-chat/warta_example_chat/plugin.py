"""The hook implementations (entry point `example_chat` in the `warta.plugins` group)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale
from rq import Queue, Retry
from rq.serializers import JSONSerializer

from plugins import SettingsField, hookimpl

QUEUE = "example_chat"
SETTING = "example_chat_webhook_url"

#: The plugin ships its own two-language messages (it has no catalogue of its own).
PLACEHOLDER = {
    "id": "Teks masih berisi teks contoh (“lorem ipsum”). Ganti dengan isi yang sebenarnya.",
    "en": "The text still contains placeholder text (“lorem ipsum”). Replace it with the real content.",
}


def _message(texts: dict[str, str]) -> str:
    return texts.get(str(get_locale() or "id"), texts["id"])


class LocalText:
    """A label picked in the reader's language when it is shown (like lazy_gettext)."""

    def __init__(self, **texts: str) -> None:
        self.texts = texts

    def __str__(self) -> str:
        return _message(self.texts)


@hookimpl
def check_post(variant: Any) -> list[str]:
    if "lorem ipsum" in variant.text.lower():
        return [_message(PLACEHOLDER)]
    return []


@hookimpl
def organisation_settings_fields() -> list[SettingsField]:
    return [SettingsField(
        SETTING, LocalText(id="URL webhook obrolan", en="Chat webhook URL"),
        description=LocalText(id="Peristiwa organisasi ini dikirim ke alamat ini.",
                              en="Events of this organisation are sent to this address."),
    )]


@hookimpl
def warta_event(name: str, organisation_id: int | None, payload: dict[str, Any]) -> None:
    """Enqueue the event for the organisation's chat webhook (delivered by an RQ worker)."""
    from app.extensions import db
    from app.models import Organisation
    from app.redis_conn import get_redis
    from plugins.builtin.admin import organisation_setting

    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    url = organisation_setting(organisation, SETTING) if organisation is not None else None
    if not url:
        return
    details = ", ".join(f"{key}={value}" for key, value in sorted(payload.items()))
    text = f"[Warta] {organisation.name}: {name} ({details})"
    queue = Queue(QUEUE, connection=get_redis(current_app), serializer=JSONSerializer)
    queue.enqueue("warta_example_chat.jobs.forward", url, text, retry=Retry(max=3, interval=[10, 60, 300]),
                  result_ttl=3600, failure_ttl=7 * 24 * 3600)
