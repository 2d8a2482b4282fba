"""CSV import of a content calendar: read, validate every row, then create all drafts or none.

Each row goes through the same checks as the post editor (`app.posts.forms` + `services.read_form`),
then the adapters' own `validate` and the content rules of plugins on the unsaved draft. Problems
are reported per row and column in the current language; one problem anywhere means nothing is
written. The columns are documented in docs/CSV.md.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

import adapters
from app import audit
from app.accounts.services import active_accounts_in_subtree
from app.calendar_io.export import TIME_FORMAT, variant_platforms
from app.extensions import db
from app.forms_common import LOCAL_INPUT_FORMAT
from app.models import Campaign, Organisation, Post, SocialAccount, User, campaign_name_key, utcnow
from app.posts import services
from app.posts.campaigns import usable_campaign_by_name
from app.posts.forms import account_choices, post_form_class

REQUIRED_COLUMNS = ("organisation", "accounts", "body")
OPTIONAL_COLUMNS = ("title", "scheduled_at", "not_after", "timezone", "campaign")
#: Columns of a post export that the import accepts and ignores (a post export can be imported again).
EXPORT_ONLY_COLUMNS = ("post_id", "organisation_id", "state", "state_label", "author", "created_at", "updated_at")
#: Local date-time formats accepted in `scheduled_at` / `not_after` (ISO first, then the Indonesian day-first).
TIME_FORMATS = (TIME_FORMAT, TIME_FORMAT + ":%S", LOCAL_INPUT_FORMAT, LOCAL_INPUT_FORMAT + ":%S",
                "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M", "%d/%m/%Y %H.%M", "%d-%m-%Y %H.%M")
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_ROWS = 1000


class ImportRefused(Exception):
    """The file as a whole cannot be read (encoding, size, header); `status` is the HTTP code."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class RowProblem:
    """One message about one cell: `row` counts like a spreadsheet (the header is row 1)."""

    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    post_ids: list[int] = field(default_factory=list)
    created: bool = False


def limits() -> tuple[int, int]:
    """(largest file in bytes, most rows) from the configuration."""
    config = current_app.config
    return (int(config.get("WARTA_CSV_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)),
            int(config.get("WARTA_CSV_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)))


def template_columns() -> tuple[str, ...]:
    return ("organisation", "accounts", "title", "body", *(f"variant_{p}" for p in variant_platforms()),
            "scheduled_at", "not_after", "timezone", "campaign")


# -- reading the file ------------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    if b"\x00" in raw:
        raise ImportRefused(_("This is not a CSV text file. Save the sheet as “CSV UTF-8” and try again."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(_("The file is not in UTF-8. In Excel choose “Save as” → “CSV UTF-8 (comma "
                              "delimited)”; in LibreOffice choose the character set “Unicode (UTF-8)”.")) from exc


def _delimiter(text: str) -> str:
    """Comma, or semicolon / tab when the header uses them (Excel in Indonesian saves with ';')."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def read_rows(raw: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (normalised) and (row number, values) of each non-empty row; ImportRefused when unreadable."""
    max_bytes, max_rows = limits()
    if len(raw) > max_bytes:
        raise ImportRefused(_("The file is larger than %(size)d kB. Split the calendar into several files.",
                              size=max_bytes // 1024), 413)
    text = _decode(raw)
    if not text.strip():
        raise ImportRefused(_("The file is empty."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ImportRefused(_("The CSV cannot be read near line %(line)d (a quote is not closed?).",
                              line=reader.line_num)) from exc
    header = [name.strip().lower() for name in records[0]]
    _check_header(header)
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= max_rows:
            raise ImportRefused(_("The file has more than %(count)d rows. Split the calendar into several files.",
                                  count=max_rows), 413)
        values = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            values["__extra__"] = "1"
        rows.append((number, values))
    if not rows:
        raise ImportRefused(_("The file has a header but no rows."))
    return header, rows


def _check_header(header: list[str]) -> None:
    known = {*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, *EXPORT_ONLY_COLUMNS, *(f"variant_{p}" for p in variant_platforms())}
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportRefused(_("Required columns are missing: %(columns)s. Download the template to see them.",
                              columns=", ".join(missing)))
    unknown = [name for name in header if name not in known]
    if unknown:
        raise ImportRefused(_("Unknown columns: %(columns)s. Check their spelling against the template.",
                              columns=", ".join(name or "(empty)" for name in unknown)))
    doubled = sorted({name for name in header if header.count(name) > 1})
    if doubled:
        raise ImportRefused(_("Columns appear twice: %(columns)s.", columns=", ".join(doubled)))


# -- one row ---------------------------------------------------------------------------------------


class _Lookups:
    """Organisations and accounts the actor may use, loaded once per import."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.organisations = services.admin_organisations(user)
        self._accounts: dict[int, list[SocialAccount]] = {}
        self._campaigns: dict[tuple[int, str], Campaign | None] = {}
        self._adapters: dict[str, adapters.PlatformAdapter] = {}

    def organisation(self, value: str) -> Organisation | list[Organisation] | None:
        """By id or by name (case-insensitive); a list when the name is ambiguous."""
        if value.isdigit():
            return next((o for o in self.organisations if o.id == int(value)), None)
        found = [o for o in self.organisations if o.name.casefold() == value.casefold()]
        return found[0] if len(found) == 1 else (found or None)

    def adapter(self, platform: str) -> adapters.PlatformAdapter:
        """One adapter per platform for the whole file (building one can cost a TLS context)."""
        if platform not in self._adapters:
            self._adapters[platform] = adapters.get_adapter(platform)
        return self._adapters[platform]

    def campaign(self, organisation: Organisation, name: str) -> Campaign | None:
        """The campaign usable in `organisation` with this name (any case), or None."""
        key = (organisation.id, campaign_name_key(name))
        if key not in self._campaigns:
            self._campaigns[key] = usable_campaign_by_name(organisation, name)
        return self._campaigns[key]

    def accounts(self, organisation: Organisation) -> list[SocialAccount]:
        if organisation.id not in self._accounts:
            self._accounts[organisation.id] = active_accounts_in_subtree(self.user, organisation)
        return self._accounts[organisation.id]


def _find_account(ref: str, offered: list[SocialAccount]) -> SocialAccount | list[SocialAccount] | None:
    """An account by id, "platform:handle" or handle (with or without @); a list when ambiguous."""
    if ref.isdigit():
        return next((a for a in offered if a.id == int(ref)), None)
    platform, _sep, handle = ref.rpartition(":")
    handle = handle.lstrip("@").casefold()
    found = [a for a in offered if a.handle.lstrip("@").casefold() == handle
             and (not platform or a.platform == platform.strip().lower())]
    return found[0] if len(found) == 1 else (found or None)


def _local_input(value: str) -> str:
    """A local date-time in any accepted format → the editor's format ("" stays ""; unreadable passes on)."""
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt).strftime(LOCAL_INPUT_FORMAT)
        except ValueError:
            continue
    return value


@dataclass
class _Row:
    number: int
    values: dict[str, str]
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    def problem(self, column: str, message: str) -> None:
        self.problems.append(RowProblem(self.number, column, message))


def _read_row(row: _Row, lookups: _Lookups, now: datetime) -> tuple[Organisation, services.PostInput] | None:
    """Validate one row with the editor's own checks; None (and row.problems) when it is not valid."""
    values = row.values
    if values.get("__extra__"):
        row.problem("", _("This row has more cells than the header has columns."))
    organisation = lookups.organisation(values.get("organisation", ""))
    if isinstance(organisation, list):
        row.problem("organisation", _("Several organisations are called “%(name)s”; write its number instead: "
                                      "%(ids)s.", name=values["organisation"],
                                      ids=", ".join(str(o.id) for o in organisation)))
        return None
    if organisation is None:
        row.problem("organisation", _("No organisation “%(name)s” where you may write posts.",
                                      name=values.get("organisation", "")))
        return None
    zone = values.get("timezone", "")
    if zone and zone != organisation.timezone:
        row.problem("timezone", _("Times are read in the organisation's zone %(zone)s, not %(given)s.",
                                  zone=organisation.timezone, given=zone))
    offered = lookups.accounts(organisation)
    account_ids: list[int] = []
    refs = [ref.strip() for ref in re.split(r"[;,\n]", values.get("accounts", "")) if ref.strip()]
    if not refs:
        row.problem("accounts", _("Name at least one account (handle or number, separated by ;)."))
    for ref in refs:
        account = _find_account(ref, offered)
        if isinstance(account, list):
            row.problem("accounts", _("“%(ref)s” matches several accounts; write platform:handle, e.g. %(example)s.",
                                      ref=ref, example=f"{account[0].platform}:{account[0].handle}"))
        elif account is None:
            row.problem("accounts", _("No active account “%(ref)s” in this organisation or below it.", ref=ref))
        else:
            account_ids.append(account.id)
    campaign_name = values.get("campaign", "")
    campaign = lookups.campaign(organisation, campaign_name) if campaign_name else None
    if campaign_name and campaign is None:
        row.problem("campaign", _("No active campaign “%(name)s” in this organisation or above it. Check its "
                                  "name on the Campaigns page, or leave the cell empty.", name=campaign_name))
    platforms = variant_platforms()
    form_class = post_form_class(platforms)
    formdata = MultiDict([
        ("title", values.get("title", "")), ("body", values.get("body", "")),
        ("scheduled_at", _local_input(values.get("scheduled_at", ""))),
        ("not_after", _local_input(values.get("not_after", ""))),
        *((f"variant_{p}", values.get(f"variant_{p}", "")) for p in platforms),
        *(("accounts", str(account_id)) for account_id in account_ids),
        ("campaign", str(campaign.id) if campaign else ""),
    ])
    form = form_class(formdata=formdata, meta={"csrf": False})
    form.accounts.choices = account_choices(offered)
    if campaign is not None:
        form.campaign.choices = [(str(campaign.id), campaign.name)]
    form.validate()
    data = services.read_form(form, organisation, {a.id: a for a in offered}, now=now)
    for name, messages in form.errors.items():
        for message in messages:
            row.problem(str(name), str(message))
    for name, messages in data.errors.items():
        for message in messages:
            row.problem(name, message)
    return None if row.problems else (organisation, data)


def _check_draft(row: _Row, post: Post, lookups: _Lookups) -> None:
    """The adapters' own rules and the plugins' content rules on the unsaved draft.

    Media cannot come from a CSV, so media problems are warnings (add media in the editor);
    text problems and blocking content rules are errors.
    """
    from app.publishing.publish import build_job

    def column(platform: str | None) -> str:
        return f"variant_{platform}" if platform and (post.variants.get(platform) or {}).get("body") else "body"

    for target in post.targets:
        platform = target.account.platform
        for problem in lookups.adapter(platform).validate(build_job(target).variant):
            found = RowProblem(row.number, column(platform), f"{platform}: {problem.message}")
            (row.warnings if problem.field == "media" else row.problems).append(found)
    for problem in services.rule_problems(post):
        found = RowProblem(row.number, column(problem.platform), problem.message)
        (row.problems if problem.blocking else row.warnings).append(found)


# -- the whole import ------------------------------------------------------------------------------


def import_calendar(raw: bytes, actor: User, *, filename: str = "", dry_run: bool = False) -> ImportResult:
    """Read the file, validate every row, then create every draft in one transaction (or none).

    Raises ImportRefused when the file as a whole cannot be read.
    """
    return import_rows(read_rows(raw)[1], actor, filename=filename, dry_run=dry_run)


def import_rows(records: list[tuple[int, dict[str, str]]], actor: User, *, filename: str = "",
                dry_run: bool = False, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Validate every row of `read_rows`, then create all drafts (none on any error or with `dry_run`)."""
    lookups = _Lookups(actor)
    now = utcnow()
    result = ImportResult(rows=len(records))
    by_org: dict[int, list[int]] = {}
    try:
        for number, values in records:
            row = _Row(number, values)
            read = _read_row(row, lookups, now)
            if read is not None:  # a valid row becomes an unsaved draft, so the platforms' rules run too
                organisation, data = read
                post = services.add_post(organisation, actor, data)
                _check_draft(row, post, lookups)
                result.post_ids.append(post.id)
                by_org.setdefault(organisation.id, []).append(post.id)
            result.errors += row.problems
            result.warnings += row.warnings
            if progress is not None:
                progress(1)
        if result.errors or dry_run:
            db.session.rollback()
            result.post_ids = []
            return result
        for organisation_id, post_ids in by_org.items():
            audit.record("calendar.imported", organisation_id=organisation_id, actor_id=actor.id,
                         after={"filename": filename[:200], "rows": len(post_ids), "post_ids": post_ids})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result.created = True
    return result

