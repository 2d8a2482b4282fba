"""Platform adapters, registered through the `warta.adapters` entry-point group.

The built-in adapters register the same way as third-party ones (see
pyproject.toml), so a separate package can add a platform. Two adapters with
one slug stop start-up with a message naming both.
"""
from __future__ import annotations

import json
import os
import threading
from importlib.metadata import entry_points
from typing import Any

from flask import Flask, current_app

from adapters.base import PlatformAdapter

ENTRY_POINT_GROUP = "warta.adapters"


class DuplicateAdapterError(RuntimeError):
    """Two adapters claim the same platform slug."""


def discover_adapter_classes(extra: list[type[PlatformAdapter]] | None = None) -> dict[str, type[PlatformAdapter]]:
    """Load every adapter class from the entry points (plus `extra`), keyed by slug."""
    found: dict[str, tuple[type[PlatformAdapter], str]] = {}
    candidates: list[tuple[type[PlatformAdapter], str]] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        candidates.append((ep.load(), f"entry point {ep.name} = {ep.value}"))
    for cls in extra or []:
        candidates.append((cls, f"{cls.__module__}.{cls.__qualname__}"))
    for cls, origin in candidates:
        if not (isinstance(cls, type) and issubclass(cls, PlatformAdapter)) or not cls.slug:
            raise TypeError(f"{origin} is not a PlatformAdapter subclass with a slug")
        if cls.slug in found and found[cls.slug][0] is not cls:
            raise DuplicateAdapterError(
                f"Two adapters claim the platform slug {cls.slug!r}: {found[cls.slug][1]} and {origin}"
            )
        found[cls.slug] = (cls, origin)
    return {slug: cls for slug, (cls, _origin) in found.items()}


def load_dotted(spec: str) -> type[PlatformAdapter]:
    """Import "package.module:ClassName"."""
    from importlib import import_module

    module_name, _, attribute = spec.strip().partition(":")
    if not module_name or not attribute:
        raise ValueError(f"adapter {spec!r}: expected 'module:Class'")
    return getattr(import_module(module_name), attribute)


def init_app(app: Flask, extra: list[type[PlatformAdapter] | str] | str | None = None) -> None:
    """Discover adapters once at start-up and keep them on the app.

    `extra` (config `WARTA_EXTRA_ADAPTERS`) adds classes, or "module:Class" strings,
    comma-separated when given as one string (so worker subprocesses load them too).
    """
    if isinstance(extra, str):
        extra = [part for part in extra.split(",") if part.strip()]
    classes = [load_dotted(item) if isinstance(item, str) else item for item in extra or []]
    app.extensions["warta_adapters"] = discover_adapter_classes(classes)


def adapter_classes(app: Flask | None = None) -> dict[str, type[PlatformAdapter]]:
    return (app or current_app).extensions["warta_adapters"]


CACHE_KEY = "warta_adapter_instances"
_cache_lock = threading.Lock()


def get_adapter(slug: str, app: Flask | None = None) -> PlatformAdapter:
    """The adapter for `slug`, configured from `WARTA_PLATFORMS[slug]`: one instance per app, process and settings.

    Building an adapter can be expensive (a Graph or TikTok adapter builds an `httpx.Client`,
    ~36 ms of CPU for its TLS context), and the publish job asks for one per target. The
    instance is cached on the app, keyed by the adapter class, the process id (a forked worker
    builds its own clients, never its parent's) and the settings as they are now (tests and
    operators may change `WARTA_PLATFORMS` after start-up; a change builds a new instance).
    Adapters are shared by a process's worker threads, so they must be thread-safe (httpx is).
    """
    app = app or current_app
    cls = adapter_classes(app)[slug]
    settings: dict[str, Any] = app.config.get("WARTA_PLATFORMS", {}).get(slug, {})
    key = (slug, cls, os.getpid(), json.dumps(settings, sort_keys=True, default=repr))
    cache: dict[tuple, PlatformAdapter] = app.extensions.setdefault(CACHE_KEY, {})
    adapter = cache.get(key)
    if adapter is None:
        with _cache_lock:
            adapter = cache.get(key)
            if adapter is None:
                stale = [old for old in cache if old[0] == slug]
                for old in stale:  # settings changed or a fork happened: the old instance is not used again
                    del cache[old]
                adapter = cache[key] = cls(settings)
    return adapter
