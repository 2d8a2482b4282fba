"""Flask CLI commands: demo data, key rotation and the all-in-one runner."""
from __future__ import annotations

import click
from flask import Flask, current_app

from app.extensions import db


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Load even when the database already has organisations.")
def seed_demo_command(force: bool) -> None:
    """Load the demo organisation tree, users, accounts and drafts (only into an empty database)."""
    from app.demo import database_is_empty, seed_demo

    if not force and not database_is_empty():
        click.echo("Database already has data; demo not loaded.")
        return
    logins = seed_demo()
    db.session.commit()
    click.echo(f"Demo data loaded: {len(logins)} users.")


@click.command("demo-logins")
def demo_logins_command() -> None:
    """Print the demo users with their password and TOTP secret (demo users only)."""
    from app.demo import describe_demo_logins

    for line in describe_demo_logins():
        click.echo(line)


@click.command("rotate-keys")
def rotate_keys_command() -> None:
    """Re-encrypt every stored secret with the first key in WARTA_ENCRYPTION_KEYS."""
    from app import audit
    from app.crypto import rotate_all

    count = rotate_all()
    audit.record("security.keys_rotated", after={"re_encrypted": count})  # "secret" keys are redacted
    db.session.commit()
    click.echo(f"Re-encrypted {count} secrets with the newest key.")


@click.command("up")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def up_command(host: str, port: int) -> None:
    """Start web, dispatcher, workers and the platform simulator together (Ctrl-C stops all)."""
    from app.demo import describe_demo_logins
    from app.runner import run_all

    app = current_app._get_current_object()
    banner = [f"Warta is starting at http://{host}:{port}/", "Demo logins (TOTP secrets for demo users only;"
              " `flask --app wsgi demo-logins` prints them again with the current codes):"]
    banner += [f"  {line}" for line in describe_demo_logins()]
    run_all(app, host=host, port=port, banner=banner)


@click.command("notifications-worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def notifications_worker_command(burst: bool) -> None:
    """Deliver notification e-mails and webhooks (RQ queue `notifications`)."""
    from workers.notifications import run_worker

    run_worker(current_app._get_current_object(), burst=burst)  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    for command in (seed_demo_command, demo_logins_command, rotate_keys_command, up_command,
                    notifications_worker_command):
        app.cli.add_command(command)
