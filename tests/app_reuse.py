"""One Warta app reused by consecutive tests that ask for the same configuration.

`create_app` is most of a test's setup (routes, the OpenAPI spec, plugins), and a fresh app also
compiles every template it renders again. The `app` fixture therefore keeps the app it built and hands
it to the next test whose configuration (and the environment `load_config` reads) is the same, after
putting back what the previous test changed:

- `app.config`: a key added, removed or reassigned is put back; a value changed in place (a nested
  dict, which adapters hold a reference to) means the app is built again;
- `app.extensions`: keys added (caches filled on first use: adapter instances, the activity memo) are
  dropped, reassigned ones put back, and the top-level lists/dicts/sets (event listeners, menu entries)
  get their built contents back;
- anything else a test changed (routes, request hooks, blueprints, Jinja globals, plugins registered on
  the manager, `wsgi_app`) means the app is built again;
- the extension objects (`db`, `limiter`, `login_manager`, ...) are module-level and `init_app` keeps
  state on some of them (Flask-Limiter keeps it all there), so the app is reused only while no other
  `create_app` has run since it was built: every call is counted (`install_counter`).

The instance folder is the test's own (`app.instance_path` is set per test, as `INSTANCE_PATH` was),
and the database and Redis are emptied by the fixture as before. A configuration holding anything but
plain data (objects, classes) always gets a fresh app.
"""
from __future__ import annotations

import copy
import functools
import json
import os
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

_CONTAINERS = (list, dict, set)
_HOOKS = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs", "template_context_processors",
          "url_value_preprocessors", "url_default_functions")
#: App attributes a test may replace (set on the instance; a bound method is new on every access).
_ATTRIBUTES = ("wsgi_app", "session_interface", "json", "test_cli_runner_class", "response_class",
               "request_class")
_generation = 0


def install_counter() -> None:
    """Count `app.create_app` calls (tests import it after the root conftest has run this)."""
    import app as package

    original = package.create_app
    if getattr(original, "counted", False):
        return

    @functools.wraps(original)
    def counting(*args: Any, **kwargs: Any) -> Flask:
        global _generation
        _generation += 1  # before: a call that fails half-way has still re-initialised the extensions
        return original(*args, **kwargs)

    counting.counted = True  # type: ignore[attr-defined]
    package.create_app = counting  # type: ignore[assignment]


def generation() -> int:
    return _generation


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def config_key(config: dict[str, Any]) -> str | None:
    """The configuration (its instance folder aside) and environment an app is built from; None: not reusable."""
    from app.config import ENV_DEFAULTS

    settings = {k: v for k, v in config.items() if k != "INSTANCE_PATH"}
    if not _plain(settings):
        return None
    environment = {k: os.environ.get(k) for k in ENV_DEFAULTS}
    return json.dumps([settings, environment], sort_keys=True)


def _shape(app: Flask) -> tuple:
    """What a test could add to an app that cannot be taken back: routes, hooks, globals, plugins."""
    from plugins import plugin_manager

    hooks = tuple(tuple((k, tuple(map(id, v))) for k, v in getattr(app, name).items()) for name in _HOOKS)
    handlers = tuple((bp, code, exc, id(fn)) for bp, codes in app.error_handler_spec.items()
                     for code, spec in codes.items() for exc, fn in spec.items())
    jinja = tuple(tuple((k, id(v)) for k, v in mapping.items())
                  for mapping in (app.jinja_env.globals, app.jinja_env.filters, app.jinja_env.tests))
    return (tuple(map(id, app.url_map.iter_rules())), tuple((k, id(v)) for k, v in app.view_functions.items()),
            hooks, handlers, tuple(map(id, app.teardown_appcontext_funcs)), tuple(app.blueprints), jinja,
            frozenset(map(id, plugin_manager(app).get_plugins())),
            tuple((k, id(v)) for k, v in vars(app).items() if k in _ATTRIBUTES))


@dataclass
class ReusableApp:
    """A built app and what it looked like when built."""

    app: Flask
    key: str | None
    generation: int = field(default_factory=generation)
    config: dict[str, Any] = field(init=False)
    config_copy: dict[str, Any] = field(init=False)
    extensions: dict[str, Any] = field(init=False)
    extension_contents: dict[str, Any] = field(init=False)
    shape: tuple = field(init=False)

    def __post_init__(self) -> None:
        self.config = dict(self.app.config)
        try:
            self.config_copy = copy.deepcopy(self.config)
        except Exception:  # a value that cannot be copied cannot be checked either: never reuse this app
            self.key, self.config_copy = None, {}
        self.extensions = dict(self.app.extensions)
        self.extension_contents = {k: copy.copy(v) for k, v in self.extensions.items() if isinstance(v, _CONTAINERS)}
        self.shape = _shape(self.app)

    def usable(self, key: str | None) -> bool:
        """Whether the next test may have this app: same configuration, no `create_app` since it was built."""
        return key is not None and key == self.key and self.generation == generation()

    def restore(self) -> bool:
        """Put back what a test changed; False when that cannot be done (build a new app instead)."""
        app = self.app
        if self.generation != generation() or _shape(app) != self.shape:
            return False
        for name in set(app.config) - set(self.config):
            del app.config[name]
        for name, value in self.config.items():
            if app.config.get(name, self) is not value:
                app.config[name] = value
            if value != self.config_copy[name]:  # changed in place
                return False
        for name in set(app.extensions) - set(self.extensions):
            del app.extensions[name]
        for name, value in self.extensions.items():
            if app.extensions.get(name, self) is not value:
                app.extensions[name] = value
            if name in self.extension_contents and value != self.extension_contents[name]:
                value.clear()
                if isinstance(value, list):
                    value.extend(self.extension_contents[name])
                else:
                    value.update(self.extension_contents[name])
        return True
