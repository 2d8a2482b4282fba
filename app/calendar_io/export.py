"""CSV export of posts and targets: UTF-8 with BOM (Excel), organisation-zone times, injection-safe, streamed.

Columns are fixed and documented in docs/CSV.md. Every time is written as "YYYY-MM-DD HH:MM" in the
organisation's zone, and the `timezone` column names that zone (IANA name), so a spreadsheet
can sort by time and a person knows which clock it is.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select

from app.extensions import db
from app.forms_common import POST_STATE_LABELS, TARGET_STATE_LABELS
from app.i18n import to_local
from app.models import Post, PostTarget

BOM = "\ufeff"
#: A cell starting with one of these could be run as a formula by a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The time format of every time cell (import reads the same).
TIME_FORMAT = "%Y-%m-%d %H:%M"
#: Rows fetched from the database per round trip while streaming.
BATCH = 500
#: Platforms that always have a variant column, in this order; other installed platforms follow by name.
BUILTIN_PLATFORMS = ("facebook", "instagram", "x", "youtube", "tiktok")

TARGET_COLUMNS = (
    "target_id", "post_id", "post_title", "organisation_id", "organisation", "account_id", "platform",
    "account", "state", "state_label", "due_at", "published_at", "timezone", "remote_url", "last_error",
    "attempts", "campaign",
)


def variant_platforms() -> tuple[str, ...]:
    """Platforms with a `variant_<platform>` column: the built-in five, then other installed adapters."""
    installed = set(current_app.extensions.get("warta_adapters", {}))
    return (*BUILTIN_PLATFORMS, *sorted(p for p in installed - set(BUILTIN_PLATFORMS) if p.isidentifier()))


def post_columns() -> tuple[str, ...]:
    """Post export columns; the first ones are the import template's (a post export can be re-imported)."""
    return ("organisation", "accounts", "title", "body", *(f"variant_{p}" for p in variant_platforms()),
            "scheduled_at", "not_after", "timezone", "campaign", "post_id", "organisation_id", "state", "state_label",
            "author", "created_at", "updated_at")


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: formula-like strings get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def local_time(value: datetime | None, zone: str) -> str:
    local = to_local(value, zone)
    return local.strftime(TIME_FORMAT) if local else ""


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text in chunks: a BOM, the header, then one chunk per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if count % 100 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _stream_scalars(query: Select) -> Iterator[Any]:
    for partition in db.session.scalars(query.execution_options(yield_per=BATCH)).partitions():
        yield from partition


def account_ref(platform: str, handle: str) -> str:
    """How an account is written in a CSV cell: "platform:handle" (import reads the same)."""
    return f"{platform}:{handle}"


def _labels(table: dict[Any, Any]) -> dict[str, str]:
    """A label table translated once per export (not once per row)."""
    return {str(key): str(label) for key, label in table.items()}


def post_rows(query: Select) -> Iterator[list[Any]]:
    platforms, labels = variant_platforms(), _labels(POST_STATE_LABELS)
    for post in _stream_scalars(query):
        post: Post
        zone = post.organisation.timezone
        accounts = sorted(account_ref(t.account.platform, t.account.handle) for t in post.targets)
        variants = post.variants or {}
        yield [post.organisation.name, ";".join(accounts), post.title, post.body,
               *(((variants.get(p) or {}).get("body") or "") for p in platforms),
               local_time(post.scheduled_at, zone), local_time(post.not_after, zone), zone,
               post.campaign.name if post.campaign else "", post.id,
               post.organisation_id, post.state, labels.get(post.state, post.state),
               post.author.name, local_time(post.created_at, zone), local_time(post.updated_at, zone)]


def target_rows(query: Select) -> Iterator[list[Any]]:
    labels = _labels(TARGET_STATE_LABELS)
    for target in _stream_scalars(query):
        target: PostTarget
        post, account = target.post, target.account
        zone = post.organisation.timezone
        yield [target.id, post.id, post.title, post.organisation_id, post.organisation.name, account.id,
               account.platform, account.handle, target.state,
               labels.get(target.state, target.state),
               local_time(target.due_at or post.scheduled_at, zone), local_time(target.published_at, zone), zone,
               target.remote_url or "", target.last_error or "", target.attempts,
               post.campaign.name if post.campaign else ""]
