"""Every Warta hook, in one flat catalogue (documented in docs/plugins.md, enforced by a test).

Implementations may accept any subset of a hook's arguments (pluggy matches
them by name), so a hook can gain arguments without breaking plugins.
"""
from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("warta")
hookimpl = pluggy.HookimplMarker("warta")


@hookspec
def register_adapters() -> Any:
    """Return platform adapter classes to add to the `warta.adapters` entry-point ones."""


@hookspec
def check_post(post: Any, platform: Any, variant: Any) -> Any:
    """Return problems (texts or PostProblem) with `post` as it would go to `platform`."""


@hookspec(firstresult=True)
def before_publish(target: Any, job: Any) -> Any:
    """Return a reason (text) to stop `target` from being published now, or None."""


@hookspec
def after_publish(target: Any, result: Any) -> Any:
    """Called after `target` was published on its platform with `result`."""


@hookspec
def warta_event(name: Any, organisation_id: Any, payload: Any) -> Any:
    """Receive a domain event (`post.approved`, `target.failed`, ...) emitted by Warta."""


@hookspec
def security_checklist_items() -> Any:
    """Return extra security-checklist items (ChecklistItem or dicts with its field names)."""


@hookspec
def register_blueprints() -> Any:
    """Return Flask blueprints to register on the app."""


@hookspec
def menu_entries() -> Any:
    """Return main-menu entries as (endpoint, label, order[, who: a predicate on the user or roles]) tuples."""


@hookspec
def organisation_settings_fields() -> Any:
    """Return SettingsField definitions shown on an organisation's plugin settings page."""
