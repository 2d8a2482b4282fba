"""The main menu: blueprints (and plugins) add entries; the base template renders them.

An entry may say who sees it: `roles` (the user holds one of them at some organisation,
checked with `app.tenancy`) and/or `visible` (a predicate on the user). Entries without
either are shown to every signed-in user. The pages still check access themselves; the
menu only stops offering links that would answer 403.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from app.tenancy import has_role_anywhere

Visibility = Callable[[Any], bool]


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: Any  # a lazy_gettext string
    order: int = 50
    roles: tuple[str, ...] = ()  # empty: no role needed
    visible: Visibility | None = None

    def shown_to(self, user: Any) -> bool:
        """Whether `user` may see this entry (and so may open its page)."""
        if not getattr(user, "is_authenticated", False):
            return False
        if self.roles and not has_role_anywhere(user, *self.roles):
            return False
        return self.visible is None or bool(self.visible(user))


def add_nav_entry(app: Flask, endpoint: str, label: Any, order: int = 50, *,
                  roles: Iterable[str] = (), visible: Visibility | None = None) -> None:
    """Add a main-menu entry; entries are shown by `order`, each only to the users it names."""
    entry = NavEntry(endpoint, label, order, tuple(str(r) for r in roles), visible)
    app.extensions.setdefault("warta_nav", []).append(entry)


def entries_for(user: Any) -> list[NavEntry]:
    """The menu entries `user` may see, by order."""
    entries = sorted(current_app.extensions.get("warta_nav", []), key=lambda e: e.order)
    return [e for e in entries if e.shown_to(user)]


def nav_items() -> list[dict[str, Any]]:
    entries = entries_for(current_user)
    current = _current_entry(entries, request.endpoint or "")
    return [{"url": url_for(e.endpoint), "label": str(e.label), "active": e is current} for e in entries]


def _current_entry(entries: list[NavEntry], endpoint: str) -> NavEntry | None:
    """The entry of this page: its own, else the first entry of the same blueprint (one entry lit at most)."""
    blueprint = endpoint.split(".")[0]
    exact = [e for e in entries if e.endpoint == endpoint]
    same_blueprint = [e for e in entries if e.endpoint.split(".")[0] == blueprint]
    return (exact or same_blueprint or [None])[0]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
