"""X, YouTube and TikTok register through entry points and read their settings from config."""
from __future__ import annotations

from flask_babel import force_locale

from adapters import get_adapter
from adapters.base import MediaItem, Variant
from adapters.tiktok import TikTokAdapter
from adapters.x import XAdapter
from adapters.youtube import YouTubeAdapter


def test_adapters_come_from_entry_points_with_simulator_defaults(app):
    x, youtube, tiktok = (get_adapter(slug, app) for slug in ("x", "youtube", "tiktok"))
    assert (type(x), type(youtube), type(tiktok)) == (XAdapter, YouTubeAdapter, TikTokAdapter)
    assert x.settings["api_url"] == "http://127.0.0.1:5100/x"
    assert youtube.settings["api_url"] == "http://127.0.0.1:5100/youtube/"
    assert tiktok.settings["audited"] is False and tiktok.settings["pull_url_prefixes"] == []


def test_environment_overrides_platform_hosts(monkeypatch, app_config):
    from app import create_app

    monkeypatch.setenv("WARTA_X_API_URL", "https://api.x.com/")
    monkeypatch.setenv("WARTA_TIKTOK_AUDITED", "1")
    monkeypatch.setenv("WARTA_TIKTOK_PULL_PREFIXES", "https://media.pemkot.example/, https://cdn.example/")
    platforms = create_app(app_config).config["WARTA_PLATFORMS"]
    assert platforms["x"]["api_url"] == "https://api.x.com"
    assert platforms["tiktok"]["audited"] is True
    assert platforms["tiktok"]["pull_url_prefixes"] == ["https://media.pemkot.example/", "https://cdn.example/"]


def test_validation_messages_are_indonesian_by_default(app):
    variant = Variant(text="t", media=(MediaItem(url="https://x/v.mp4", kind="video", content_type="video/mp4"),))
    with app.test_request_context():
        [problem] = get_adapter("tiktok", app).validate(variant)
        assert problem.message.startswith("Pilih siapa")
        with force_locale("en"):
            assert get_adapter("tiktok", app).validate(variant)[0].message.startswith("Choose who")
