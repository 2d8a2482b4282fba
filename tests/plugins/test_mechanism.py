"""The plugin manager: per-app, entry-point discovery, allow/deny/optional, failures, hook wiring."""
from __future__ import annotations

import itertools
from typing import Any, ClassVar

import pytest
from flask import Blueprint

import plugins
from adapters import DuplicateAdapterError, adapter_classes
from adapters.base import PlatformAdapter
from app import create_app, events
from app.extensions import db
from app.models import Post, Role
from app.navigation import NavEntry
from app.security.catalogue import PLUGIN_ITEMS_KEY, extra_items_from_plugins
from plugins import PluginLoadError, PostProblem, hookimpl
from tests.factories import sign_in
from tests.plugins.helpers import fake_distribution

_n = itertools.count()

GOOD = """
from plugins import hookimpl

@hookimpl
def check_post(post):
    return ["{marker} rule"] if "{marker}" in post.body else []
"""


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Install fake distributions: call with (package, entry points, modules)."""

    def install(package: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
        root = fake_distribution(tmp_path / f"site{next(_n)}", package, "1.2.3", entry_points, modules)
        monkeypatch.syspath_prepend(str(root))

    return install


def _make(app_config: dict, **config: Any):
    return create_app({**app_config, "WARTA_LOAD_ENTRY_POINT_PLUGINS": True, **config})


def _names(app) -> set[str]:
    return {name for name, _plugin in plugins.plugin_manager(app).list_name_plugin()}


def test_manager_is_per_app_and_holds_the_builtins(app_config):
    first, second = create_app(app_config), create_app(app_config)
    pm1, pm2 = first.extensions["warta_plugins"], second.extensions["warta_plugins"]
    assert pm1 is not pm2
    assert set(plugins.BUILTIN_PLUGINS) <= _names(first)
    assert not hasattr(plugins, "pm")


def test_entry_point_plugin_is_discovered_with_package_and_version(app_config, installed):
    installed("warta-good-rules", {"good": "wt_good_rules"}, {"wt_good_rules": GOOD.format(marker="XYZ")})
    app = _make(app_config)
    assert "good" in _names(app)
    info = next(i for i in plugins.plugin_infos(app) if i.name == "good")
    assert (info.source, info.package, info.version, info.hooks) == ("entry point", "warta-good-rules", "1.2.3",
                                                                      ["check_post"])


def test_entry_point_plugins_are_off_when_configured_off(app_config, installed):
    installed("warta-good-rules", {"good": "wt_good_rules2"}, {"wt_good_rules2": GOOD.format(marker="XYZ")})
    assert "good" not in _names(create_app(app_config))


def test_allow_list_and_deny_list(app_config, installed):
    installed("warta-two", {"one": "wt_one", "two": "wt_two"},
              {"wt_one": GOOD.format(marker="ONE"), "wt_two": GOOD.format(marker="TWO")})
    assert {"one", "two"} <= _names(_make(app_config))
    allowed = _names(_make(app_config, WARTA_PLUGINS_ALLOW="two"))
    assert "two" in allowed and "one" not in allowed
    denied = _names(_make(app_config, WARTA_PLUGINS_DENY="two, plugin_admin"))
    assert "one" in denied and "two" not in denied and "plugin_admin" not in denied


def test_allowed_plugin_that_is_not_installed_stops_start_up(app_config):
    with pytest.raises(PluginLoadError, match="'ghost' is in WARTA_PLUGINS_ALLOW"):
        _make(app_config, WARTA_PLUGINS_ALLOW="ghost")
    with pytest.warns(RuntimeWarning, match="ghost"):
        _make(app_config, WARTA_PLUGINS_ALLOW="ghost", WARTA_PLUGINS_OPTIONAL="ghost")


def test_plugin_that_fails_to_import_stops_start_up_naming_its_package(app_config, installed):
    installed("warta-broken", {"broken": "wt_broken"}, {"wt_broken": "import no_such_module_here\n"})
    with pytest.raises(PluginLoadError) as caught:
        _make(app_config)
    message = str(caught.value)
    assert "'warta-broken'" in message and "no_such_module_here" in message and "WARTA_PLUGINS_OPTIONAL" in message


def test_optional_plugin_that_fails_to_import_is_skipped_with_a_warning(app_config, installed):
    installed("warta-broken", {"broken": "wt_broken2"}, {"wt_broken2": "raise ValueError('bad config')\n"})
    with pytest.warns(RuntimeWarning, match="'warta-broken'.*bad config.*Skipped"):
        app = _make(app_config, WARTA_PLUGINS_OPTIONAL="broken")
    assert "broken" not in _names(app)


def test_plugin_with_an_unknown_hook_is_refused(app_config, installed):
    source = "from plugins import hookimpl\n\n@hookimpl\ndef check_psot(post):\n    return []\n"
    installed("warta-typo", {"typo": "wt_typo"}, {"wt_typo": source})
    with pytest.raises(PluginLoadError, match="'warta-typo' is invalid"):
        _make(app_config)


# -- every hook at its call point ------------------------------------------------------------


class RecordingPlugin:
    """Implements every hook and records the calls."""

    calls: ClassVar[list[tuple[str, dict]]] = []
    bp = Blueprint("recording_plugin", __name__, url_prefix="/recording-plugin")

    @hookimpl
    def register_adapters(self):
        return [PluginAdapter]

    @hookimpl
    def check_post(self, post, platform, variant):
        self.calls.append(("check_post", {"post": post.id, "platform": platform, "text": variant.text}))
        if "forbidden" in variant.text:
            return ["forbidden word", PostProblem("just a hint", blocking=False)]
        return []

    @hookimpl
    def before_publish(self, target, job):
        self.calls.append(("before_publish", {"target": target, "job": job}))
        return "holiday freeze" if job == "veto" else None

    @hookimpl
    def after_publish(self, target, result):
        self.calls.append(("after_publish", {"target": target, "result": result}))

    @hookimpl
    def warta_event(self, name, organisation_id, payload):
        self.calls.append(("warta_event", {"name": name, "organisation_id": organisation_id, "payload": payload}))

    @hookimpl
    def security_checklist_items(self):
        return [{"id": "PLUG1", "title": {"id": "Kunci fisik", "en": "Hardware key"}, "severity": "high",
                 "interval_days": 90}]

    @hookimpl
    def register_blueprints(self):
        return [self.bp]

    @hookimpl
    def menu_entries(self):
        return [("recording_plugin.page", "Recorder", 95)]

    @hookimpl
    def organisation_settings_fields(self):
        return [plugins.SettingsField("recorder_channel", "Channel", default="#general")]


@RecordingPlugin.bp.route("/")
def page() -> str:
    return "recording plugin page"


class PluginAdapter(PlatformAdapter):
    slug = "pluginnet"
    display_name = "PluginNet"

    def validate(self, variant: Any) -> list:
        return []

    def publish(self, job: Any) -> Any:
        raise AssertionError("not used")

    def find_published(self, job: Any) -> None:
        return None

    def refresh_credentials(self, tokens: Any) -> Any:
        return tokens

    def authorize_url(self, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        return "https://example.invalid"

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str | None = None) -> list:
        return []


@pytest.fixture
def recording(app_config):
    RecordingPlugin.calls.clear()
    app_config["WARTA_PLUGIN_OBJECTS"] = [RecordingPlugin()]
    return RecordingPlugin.calls


def test_hook_register_adapters(recording, app):
    assert adapter_classes(app)["pluginnet"] is PluginAdapter


def test_hook_register_adapters_duplicate_slug_fails_loudly(app_config):
    class Clash(PluginAdapter):
        slug = "x"

    class ClashPlugin:
        @hookimpl
        def register_adapters(self):
            return [Clash]

    with pytest.raises(DuplicateAdapterError, match="'x'"):
        create_app({**app_config, "WARTA_PLUGIN_OBJECTS": [ClashPlugin()]})


def test_hook_check_post_per_platform_and_in_the_editor(recording, app, factory, client):
    org = factory.org("Diskominfo")
    admin = factory.user(org, Role.ADMIN)
    ig, x = factory.account(org, "instagram"), factory.account(org, "x")
    sign_in(client, admin)
    response = client.post(f"/posts/new?org_id={org.id}", data={
        "body": "a forbidden word", "accounts": [ig.id, x.id], "variant_x": "fine for x"})
    assert response.status_code == 302
    post_id = int(response.headers["Location"].rsplit("/", 1)[1])
    checked = [c for name, c in recording if name == "check_post"]
    assert checked == [{"post": post_id, "platform": "instagram", "text": "a forbidden word"},
                       {"post": post_id, "platform": "x", "text": "fine for x"}]
    for url in (f"/posts/{post_id}", f"/posts/{post_id}/edit"):  # the post page and the editor
        page = client.get(url).get_data(as_text=True)
        assert "forbidden word" in page and "just a hint" in page
    post = db.session.get(Post, post_id)
    assert plugins.post_problems(post) == ["forbidden word"]
    issues = plugins.post_issues(post)
    assert [(i.message, i.blocking, i.platform) for i in issues] == [
        ("forbidden word", True, "instagram"), ("just a hint", False, "instagram")]


def test_hook_check_post_problems_are_flashed_after_saving(recording, app, factory, client):
    org = factory.org("Diskominfo")
    sign_in(client, factory.user(org, Role.ADMIN))
    response = client.post(f"/posts/new?org_id={org.id}", data={"body": "forbidden"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "forbidden word" in page and "just a hint" in page
    assert [c["platform"] for name, c in recording if name == "check_post"] == [None, None]  # save + view


def test_hook_before_publish_may_veto(recording, app):
    assert plugins.veto_publish("target-1", "veto") == "holiday freeze"
    assert plugins.veto_publish("target-2", "job") is None
    assert [c for name, c in recording if name == "before_publish"] == [
        {"target": "target-1", "job": "veto"}, {"target": "target-2", "job": "job"}]


def test_hook_after_publish(recording, app):
    plugins.published("target-1", "result-1")
    assert recording == [("after_publish", {"target": "target-1", "result": "result-1"})]


def test_hook_warta_event_receives_emitted_events(recording, app):
    events.emit("post.approved", organisation_id=7, post_id=3)
    assert recording == [("warta_event", {"name": "post.approved", "organisation_id": 7, "payload": {"post_id": 3}})]


def test_hook_security_checklist_items(recording, app):
    assert [i.id for i in app.extensions[PLUGIN_ITEMS_KEY]] == ["PLUG1"]
    assert [i.title["en"] for i in extra_items_from_plugins(app)] == ["Hardware key"]


def test_hook_security_checklist_items_repeating_a_builtin_id_stops_start_up(app_config):
    class Clash:
        @hookimpl
        def security_checklist_items(self):
            return [{"id": "G1", "title": {"id": "x", "en": "x"}, "severity": "low"}]

    with pytest.raises(PluginLoadError, match="'G1' repeats a built-in"):
        create_app({**app_config, "WARTA_PLUGIN_OBJECTS": [Clash()]})


def test_hook_register_blueprints_and_menu_entries(recording, app, client, factory):
    assert client.get("/recording-plugin/").get_data(as_text=True) == "recording plugin page"
    assert NavEntry("recording_plugin.page", "Recorder", 95) in app.extensions["warta_nav"]


def test_hook_register_blueprints_name_clash_fails(app_config):
    class Clash:
        @hookimpl
        def register_blueprints(self):
            return [Blueprint("posts", __name__)]

    with pytest.raises(PluginLoadError, match="'posts'"):
        create_app({**app_config, "WARTA_PLUGIN_OBJECTS": [Clash()]})


def test_hook_organisation_settings_fields(recording, app, factory, client):
    from plugins.builtin.admin import organisation_setting

    root = factory.org("Pemkot")
    child = factory.org("Dinas", parent=root)
    sign_in(client, factory.user(root, Role.ADMIN))
    page = client.get(f"/plugins/settings/{child.id}").get_data(as_text=True)
    assert "Channel" in page
    assert organisation_setting(child, "recorder_channel") == "#general"
    assert client.post(f"/plugins/settings/{root.id}", data={"recorder_channel": "#pemkot"}).status_code == 302
    db.session.expire_all()
    assert organisation_setting(child, "recorder_channel") == "#pemkot"  # inherited
    client.post(f"/plugins/settings/{child.id}", data={"recorder_channel": "#dinas"})
    db.session.expire_all()
    assert organisation_setting(child, "recorder_channel") == "#dinas"
    assert organisation_setting(root, "recorder_channel") == "#pemkot"


def test_hook_call_order_is_last_registered_first(app_config):
    order: list[str] = []

    class First:
        @hookimpl
        def warta_event(self):
            order.append("first")

    class Last:
        @hookimpl(trylast=True)
        def warta_event(self):
            order.append("last")

    app = create_app({**app_config, "WARTA_PLUGIN_OBJECTS": [Last(), First()]})
    with app.app_context():
        events.emit("x")
    assert order == ["first", "last"]
