"""The main menu: blueprints (and plugins) add entries; the base template renders them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request, url_for


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: Any  # a lazy_gettext string
    order: int = 50


def add_nav_entry(app: Flask, endpoint: str, label: Any, order: int = 50) -> None:
    """Add a main-menu entry; entries are shown by `order`."""
    app.extensions.setdefault("warta_nav", []).append(NavEntry(endpoint, label, order))


def nav_items() -> list[dict[str, Any]]:
    entries = sorted(current_app.extensions.get("warta_nav", []), key=lambda e: e.order)
    current = request.endpoint or ""
    return [
        {
            "url": url_for(e.endpoint),
            "label": str(e.label),
            "active": current.split(".")[0] == e.endpoint.split(".")[0],
        }
        for e in entries
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
