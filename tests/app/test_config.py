"""Production refuses to start without its secrets; proxy hop count is validated."""
from __future__ import annotations

import pytest

from app import create_app


@pytest.fixture
def production(app_config, monkeypatch):
    for name in ("SECRET_KEY", "WARTA_ENCRYPTION_KEYS", "WARTA_ENV"):
        monkeypatch.delenv(name, raising=False)
    return dict(app_config, WARTA_ENV="production")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "WARTA_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without_a_secret(production, missing, tmp_path):
    production[missing] = ""
    with pytest.raises(RuntimeError, match=missing):
        create_app(production)
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "encryption_keys").exists()


def test_production_starts_with_both_secrets(production):
    app = create_app(production)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")


def test_development_generates_missing_secrets_into_the_instance_folder(app_config, monkeypatch, tmp_path):
    for name in ("SECRET_KEY", "WARTA_ENCRYPTION_KEYS", "WARTA_ENV"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(dict(app_config, SECRET_KEY="", WARTA_ENCRYPTION_KEYS=""))
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("value", ["-1", "two"])
def test_bad_proxy_hop_count_is_refused(app_config, value):
    with pytest.raises(RuntimeError, match="WARTA_PROXY_HOPS"):
        create_app(dict(app_config, WARTA_PROXY_HOPS=value))


@pytest.mark.parametrize("value", ["", "lots", "5 per fortnight"])
def test_bad_sign_in_limit_is_refused_at_start_up(app_config, value):
    with pytest.raises(RuntimeError, match="WARTA_LIMIT_PER_IP"):
        create_app(dict(app_config, WARTA_LIMIT_PER_IP=value))


def test_rate_limits_are_on_unless_configured_off_even_after_a_disabled_app(app_config):
    """Flask-Limiter keeps `enabled` on the shared extension object; each app must set it explicitly."""
    from app.extensions import limiter

    create_app(dict(app_config, RATELIMIT_ENABLED=False))
    assert limiter.enabled is False
    production_like = {k: v for k, v in app_config.items() if k != "RATELIMIT_ENABLED"}
    app = create_app(production_like)
    assert app.config["RATELIMIT_ENABLED"] is True and limiter.enabled is True


def test_production_metrics_need_the_token_unless_networks_are_listed(production, monkeypatch):
    """Behind a local reverse proxy every client looks like loopback, so production trusts no network by default."""
    monkeypatch.delenv("WARTA_METRICS_ALLOWED_NETWORKS", raising=False)
    app = create_app(production)
    assert app.config["WARTA_METRICS_ALLOWED_NETWORKS"] == ""
    assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 403
    listed = create_app(dict(production, WARTA_METRICS_ALLOWED_NETWORKS="10.0.0.0/8"))
    assert listed.config["WARTA_METRICS_ALLOWED_NETWORKS"] == "10.0.0.0/8"
