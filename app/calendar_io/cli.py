"""`flask import-calendar FILE --as EMAIL`: the CSV calendar import from the command line.

The actor is a Warta user named by e-mail: the import runs with that user's roles (admin of each
row's organisation), the drafts are theirs and the audit events name them. Messages are in the
user's language. Exit code 0: created (or valid, with --check-only); 1: row errors, nothing written;
2: the file cannot be read or the user is unknown.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask_babel import force_locale
from sqlalchemy import func, select

from app.extensions import db
from app.models import User


@click.command("import-calendar")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "email", required=True, help="E-mail of the Warta user the drafts are created for.")
@click.option("--check-only", is_flag=True, help="Validate every row and report, but create nothing.")
def import_calendar_command(path: Path, email: str, check_only: bool) -> None:
    """Import a content calendar CSV (docs/CSV.md) as drafts: every row valid, or nothing is created."""
    from app.calendar_io import importer

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        raise click.ClickException(f"No active user with the e-mail {email!r}.") from None
    with force_locale(user.locale or "id"):
        try:
            _header, records = importer.read_rows(path.read_bytes())
            with click.progressbar(length=len(records), label="Checking rows", file=sys.stderr,
                                   show_pos=True) as bar:
                result = importer.import_rows(records, user, filename=path.name, dry_run=check_only,
                                              progress=bar.update)
        except importer.ImportRefused as refused:
            click.echo(f"Error: {refused.message}", err=True)
            raise SystemExit(2) from None
        for label, problems in (("warning", result.warnings), ("error", result.errors)):
            for problem in problems:
                where = f"row {problem.row}" + (f", {problem.column}" if problem.column else "")
                click.echo(f"{label}: {where}: {problem.message}", err=label == "error")
    if result.errors:
        click.echo(f"{len(result.errors)} problem(s) in {result.rows} row(s); nothing was created.", err=True)
        raise SystemExit(1)
    if check_only:
        click.echo(f"All {result.rows} row(s) are valid; nothing was created (--check-only).")
    else:
        click.echo(f"Created {len(result.post_ids)} draft(s): post ids {', '.join(map(str, result.post_ids))}.")
