"""Warta's plugin system: one pluggy manager per app, third-party and built-in plugins.

`init_app(app)` (called by `create_app` before the adapters are discovered)
builds the manager and keeps it at `app.extensions["warta_plugins"]`; there is
no module-global manager. Plugins come from

- the `warta.plugins` entry-point group (third-party packages), filtered by
  `WARTA_PLUGINS_ALLOW` (when set, only these names) and `WARTA_PLUGINS_DENY`;
  a plugin that fails to import stops start-up with `PluginLoadError` naming its
  package, unless it is listed in `WARTA_PLUGINS_OPTIONAL` (then a warning);
- `BUILTIN_PLUGINS` (core features written against the same hooks; the deny-list
  can switch them off);
- `app.config["WARTA_PLUGIN_OBJECTS"]` (objects registered as they are; tests).

Core code calls the small wrappers below (`post_problems`, `veto_publish`,
`published`, ...) rather than the hooks, so the hook surface can change
behind them. Hooks are documented in docs/plugins.md.
"""
from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy
from flask import Blueprint, Flask, current_app

from plugins import hookspecs
from plugins.hookspecs import hookimpl, hookspec

__all__ = [
    "BUILTIN_PLUGINS", "ENTRY_POINT_GROUP", "PluginInfo", "PluginLoadError", "PostProblem", "SettingsField",
    "hookimpl", "hookspec", "init_app", "plugin_manager", "post_issues", "post_problems", "published",
    "veto_publish",
]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "warta.plugins"
EXTENSION_KEY = "warta_plugins"
INFO_KEY = "warta_plugin_info"

#: Built-in plugins: name → module. They use the same hooks as third-party plugins.
BUILTIN_PLUGINS: dict[str, str] = {
    "content_policy": "plugins.builtin.content_policy",
    "plugin_admin": "plugins.builtin.admin",
    "notifications": "plugins.builtin.notifications",
}


class PluginLoadError(RuntimeError):
    """A configured plugin could not be imported or registered; start-up stops."""


@dataclass(frozen=True)
class PostProblem:
    """A problem found by `check_post`; `blocking` problems stop submission and publishing."""

    message: str
    blocking: bool = True
    code: str = ""
    platform: str | None = None


@dataclass(frozen=True)
class SettingsField:
    """An organisation setting a plugin adds (shown on the organisation's plugin settings page)."""

    key: str  # stored as Organisation.settings["plugins"][key]; unique across plugins
    label: Any  # a (lazy) translated text
    description: Any = ""
    kind: str = "text"  # "text", "textarea" or "bool"
    default: Any = ""
    inherited: bool = True  # an organisation without its own value uses its nearest ancestor's


@dataclass
class PluginInfo:
    """What the admin page shows about one loaded plugin."""

    name: str
    source: str  # "built-in", "entry point" or "configuration"
    package: str
    version: str
    hooks: list[str] = field(default_factory=list)


def _split(value: Any) -> set[str]:
    if isinstance(value, str):
        return {part.strip() for part in value.split(",") if part.strip()}
    return {str(part) for part in value or ()}


def _package_of(ep: EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return ep.value.split(":")[0].split(".")[0], "?"
    return dist.metadata["Name"] or dist.name, dist.version


def _load_entry_points(pm: pluggy.PluginManager, app: Flask, infos: list[PluginInfo]) -> None:
    allow = _split(app.config.get("WARTA_PLUGINS_ALLOW"))
    deny = _split(app.config.get("WARTA_PLUGINS_DENY"))
    optional = _split(app.config.get("WARTA_PLUGINS_OPTIONAL"))
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    for name in sorted(allow - found.keys()):
        message = (f"Warta plugin {name!r} is in WARTA_PLUGINS_ALLOW but no installed package provides it "
                   f"(entry-point group {ENTRY_POINT_GROUP!r}). Did you install its package?")
        if name not in optional:
            raise PluginLoadError(message)
        _warn(message + " Skipped: it is optional.")
    for name, ep in sorted(found.items()):
        if (allow and name not in allow) or name in deny:
            logger.info("plugin %s not loaded (WARTA_PLUGINS_ALLOW / WARTA_PLUGINS_DENY)", name)
            continue
        package, version = _package_of(ep)
        try:
            plugin = ep.load()
        except Exception as exc:
            message = (f"Warta plugin {name!r} from package {package!r} ({ep.value}) failed to import: "
                       f"{type(exc).__name__}: {exc}")
            if name in optional:
                _warn(message + " Skipped: it is listed in WARTA_PLUGINS_OPTIONAL.")
                continue
            raise PluginLoadError(message + ". Fix or uninstall the package, add it to WARTA_PLUGINS_DENY, "
                                  "or list it in WARTA_PLUGINS_OPTIONAL.") from exc
        _register(pm, plugin, name, PluginInfo(name, "entry point", package, version), infos)


def _warn(message: str) -> None:
    logger.warning("%s", message)
    warnings.warn(message, RuntimeWarning, stacklevel=3)


def _register(pm: pluggy.PluginManager, plugin: Any, name: str, info: PluginInfo, infos: list[PluginInfo]) -> None:
    if pm.has_plugin(name):
        raise PluginLoadError(f"Two plugins are named {name!r} ({info.package} and an earlier one).")
    try:
        pm.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as exc:
        raise PluginLoadError(f"Warta plugin {name!r} from package {info.package!r} is invalid: {exc}") from exc
    info.hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
    infos.append(info)


def make_plugin_manager(app: Flask) -> pluggy.PluginManager:
    """A manager with the hook specs, the entry-point plugins and the built-in ones."""
    pm = pluggy.PluginManager("warta")
    pm.add_hookspecs(hookspecs)
    infos: list[PluginInfo] = []
    if app.config.get("WARTA_LOAD_ENTRY_POINT_PLUGINS", True):
        _load_entry_points(pm, app, infos)
    deny = _split(app.config.get("WARTA_PLUGINS_DENY"))
    from importlib.metadata import version as dist_version

    warta_version = dist_version("warta")
    for name, module in BUILTIN_PLUGINS.items():
        if name in deny:
            continue
        _register(pm, import_module(module), name, PluginInfo(name, "built-in", "warta", warta_version), infos)
    for plugin in app.config.get("WARTA_PLUGIN_OBJECTS") or ():
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        _register(pm, plugin, name, PluginInfo(name, "configuration", getattr(plugin, "__module__", "?"), "-"), infos)
    try:
        pm.check_pending()  # an implementation of a hook that does not exist (a typo) is an error
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or "?"
        package = next((i.package for i in infos if i.name == name), "?")
        raise PluginLoadError(f"Warta plugin {name!r} from package {package!r} is invalid: {exc}") from exc
    app.extensions[INFO_KEY] = infos
    return pm


def init_app(app: Flask) -> None:
    """Create the app's plugin manager (before adapters, blueprints and menus are collected)."""
    app.extensions[EXTENSION_KEY] = make_plugin_manager(app)


def finish_app(app: Flask) -> None:
    """Collect blueprints, menu entries and checklist items once; hand events to `warta_event`."""
    from app import events
    from app.navigation import add_nav_entry
    from app.security.catalogue import PLUGIN_ITEMS_KEY, ChecklistItem, extra_items_from_plugins, item_from_mapping

    pm = plugin_manager(app)
    for blueprint in _flatten(pm.hook.register_blueprints()):
        if not isinstance(blueprint, Blueprint):
            raise PluginLoadError(f"register_blueprints() returned {blueprint!r}, not a Flask Blueprint")
        if blueprint.name in app.blueprints:
            raise PluginLoadError(f"A plugin blueprint is named {blueprint.name!r}, like one already registered")
        app.register_blueprint(blueprint)
    for endpoint, label, order, *who in _flatten(pm.hook.menu_entries()):
        # An optional 4th item says who sees the entry: a predicate on the user, or roles.
        if who and callable(who[0]):
            add_nav_entry(app, endpoint, label, order, visible=who[0])
        else:
            add_nav_entry(app, endpoint, label, order, roles=who[0] if who else ())
    items = [entry if isinstance(entry, ChecklistItem) else item_from_mapping(entry)
             for entry in _flatten(pm.hook.security_checklist_items())]
    app.extensions[PLUGIN_ITEMS_KEY] = items
    try:
        extra_items_from_plugins(app)  # refuses an id that repeats a built-in item: at start-up, not later
    except ValueError as exc:
        raise PluginLoadError(str(exc)) from exc
    keys = [f.key for f in _flatten(pm.hook.organisation_settings_fields())]
    if len(keys) != len(set(keys)):
        raise PluginLoadError(f"Two plugins add the same organisation setting: {sorted(keys)}")

    def hand_to_plugins(name: str, organisation_id: int | None = None, payload: dict | None = None) -> None:
        pm.hook.warta_event(name=name, organisation_id=organisation_id, payload=payload or {})

    events.add_listener(app, hand_to_plugins)
    app.jinja_env.globals["has_endpoint"] = lambda endpoint: endpoint in app.view_functions


def _flatten(results: Iterable[Any]) -> list[Any]:
    """Hook results (one iterable or None per plugin) as one list."""
    return [item for result in results if result for item in result]


# -- wrappers called by core code ---------------------------------------------------------------

def plugin_manager(app: Flask | None = None) -> pluggy.PluginManager:
    return (app or current_app).extensions[EXTENSION_KEY]


def plugin_infos(app: Flask | None = None) -> list[PluginInfo]:
    return list((app or current_app).extensions.get(INFO_KEY, []))


def adapter_classes(app: Flask) -> list[type]:
    """Adapter classes from `register_adapters()` (adapters.init_app checks them and their slugs)."""
    return _flatten(plugin_manager(app).hook.register_adapters())


def settings_fields(app: Flask | None = None) -> list[SettingsField]:
    return _flatten(plugin_manager(app).hook.organisation_settings_fields())


def _variant_for(post: Any, platform: str | None) -> Any:
    from adapters.base import MediaItem, Variant

    media = tuple(
        MediaItem(url="", kind="video" if link.media.content_type.startswith("video/") else "image",
                  content_type=link.media.content_type, size_bytes=link.media.size_bytes,
                  alt_text=link.media.alt_text or "")
        for link in post.media_links
    )
    text = post.body_for(platform) if platform else post.body
    return Variant(text=text, media=media, title=post.title or "")


def post_issues(post: Any, platforms: list[str] | None = None) -> list[PostProblem]:
    """Every problem plugins find with `post`: once per platform of its targets (once with None if none),
    or once per platform in `platforms` (the publish job checks only its target's)."""
    if platforms is None:
        platforms = sorted({target.account.platform for target in post.targets}) or [None]
    hook = plugin_manager().hook.check_post
    problems: list[PostProblem] = []
    for platform in platforms:
        for found in _flatten(hook(post=post, platform=platform, variant=_variant_for(post, platform))):
            problem = found if isinstance(found, PostProblem) else PostProblem(str(found))
            if problem.platform is None and platform is not None:
                problem = PostProblem(problem.message, problem.blocking, problem.code, platform)
            if problem not in problems:
                problems.append(problem)
    return problems


def post_problems(post: Any, platforms: list[str] | None = None) -> list[str]:
    """Messages of the blocking problems: submission and publishing must refuse while not empty."""
    return [p.message for p in post_issues(post, platforms) if p.blocking]


def veto_publish(target: Any, job: Any) -> str | None:
    """The first plugin's reason not to publish `target` now, or None (the pipeline then publishes)."""
    reason = plugin_manager().hook.before_publish(target=target, job=job)
    return str(reason) if reason else None


def published(target: Any, result: Any) -> None:
    """Tell plugins that `target` was published with `result` (call after the commit)."""
    plugin_manager().hook.after_publish(target=target, result=result)
