"""The `app` fixture's reuse (tests/app_reuse.py): what a test changes is put back, or the app is not reused."""
from __future__ import annotations

from app import create_app
from app.events import add_listener
from tests.app_reuse import ReusableApp, config_key


def _kept(app_config: dict) -> ReusableApp:
    return ReusableApp(create_app(app_config), config_key(app_config))


def test_changed_settings_listeners_and_caches_are_put_back(app_config):
    kept = _kept(app_config)
    app = kept.app
    url, listeners = app.config["WARTA_PUBLIC_URL"], list(app.extensions["warta_event_listeners"])
    app.config["WARTA_PUBLIC_URL"] = "http://changed.example"
    app.config["WARTA_NEW_SETTING"] = 1
    del app.config["WARTA_DISCLOSURE_TEXT"]
    add_listener(app, lambda name, organisation_id, payload: None)
    app.extensions["warta_activity_memo"] = object()
    app.extensions["warta_nav"] = []

    assert kept.restore()
    assert app.config["WARTA_PUBLIC_URL"] == url
    assert "WARTA_NEW_SETTING" not in app.config
    assert app.config["WARTA_DISCLOSURE_TEXT"] == "#iklan"
    assert app.extensions["warta_event_listeners"] == listeners
    assert "warta_activity_memo" not in app.extensions
    assert app.extensions["warta_nav"]
    assert kept.usable(config_key(app_config))


def test_a_setting_changed_in_place_or_a_new_route_retires_the_app(app_config):
    kept = _kept(app_config)
    kept.app.config["WARTA_PLATFORMS"]["x"]["api_url"] = "https://api.x.com"  # adapters hold this dict
    assert not kept.restore()

    kept = _kept(app_config)
    kept.app.add_url_rule("/test-extra", "test_extra", lambda: "")
    assert not kept.restore()

    kept = _kept(app_config)
    kept.app.wsgi_app = lambda environ, start_response: []
    assert not kept.restore()


def test_any_other_create_app_retires_the_app(app_config):
    """`init_app` keeps state on the module-level extension objects, so a later app takes them over."""
    kept = _kept(app_config)
    key = config_key(app_config)
    assert kept.usable(key)
    create_app(app_config)
    assert not kept.usable(key)
    assert not kept.restore()


def test_the_key_is_the_configuration_and_environment_an_app_is_built_from(app_config, monkeypatch):
    key = config_key(app_config)
    assert config_key(dict(app_config, INSTANCE_PATH="/elsewhere")) == key  # each test has its own folder
    assert config_key(dict(app_config, WARTA_DEFAULT_LOCALE="en")) != key
    monkeypatch.setenv("WARTA_X_API_URL", "https://api.x.com")
    assert config_key(app_config) != key
    assert config_key(dict(app_config, WARTA_PLUGIN_OBJECTS=[object()])) is None
