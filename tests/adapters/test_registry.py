"""The adapter registry: built-ins and a third-party package register through entry points."""
from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

import pytest

from adapters import DuplicateAdapterError, discover_adapter_classes
from adapters.facebook import FacebookPageAdapter
from adapters.instagram import InstagramAdapter

EXAMPLE = Path(__file__).parent / "example_pkg"


def _install_on_path(target: Path, name: str, version: str, entry_points: dict[str, str], package: Path) -> None:
    """Lay out an installed distribution (package + .dist-info with entry_points.txt) the way pip does."""
    shutil.copytree(package, target / package.name)
    dist_info = target / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = ["[warta.adapters]", *(f"{k} = {v}" for k, v in entry_points.items())]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture
def example_installed(tmp_path, monkeypatch):
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    _install_on_path(tmp_path, project["name"], project["version"], project["entry-points"]["warta.adapters"],
                     EXAMPLE / "warta_example_adapter")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("warta_example_adapter", None)


def test_builtin_adapters_register_through_entry_points():
    classes = discover_adapter_classes()
    assert classes["instagram"] is InstagramAdapter
    assert classes["facebook"] is FacebookPageAdapter


def test_installed_example_package_appears_in_the_app(example_installed, app_config):
    from adapters import adapter_classes, get_adapter
    from app import create_app

    app = create_app(app_config)
    assert "mastodon" in adapter_classes(app)
    adapter = get_adapter("mastodon", app)
    assert adapter.display_name == "Mastodon"
    assert type(adapter).__module__ == "warta_example_adapter"


def test_duplicate_slug_fails_start_up_with_a_precise_message(example_installed, app_config, tmp_path):
    second = tmp_path / "second"
    second.mkdir()
    _install_on_path(second, "warta-other-mastodon", "1.0", {"mastodon2": "warta_example_adapter:MastodonAdapter",
                                                             "toots": "other_mastodon:OtherMastodon"},
                     _other_package(tmp_path))
    sys.path.insert(0, str(second))
    try:
        from app import create_app

        with pytest.raises(DuplicateAdapterError) as excinfo:
            create_app(app_config)
    finally:
        sys.path.remove(str(second))
        sys.modules.pop("other_mastodon", None)
    message = str(excinfo.value)
    assert "'mastodon'" in message
    assert "warta_example_adapter:MastodonAdapter" in message and "other_mastodon:OtherMastodon" in message


def _other_package(tmp_path: Path) -> Path:
    source = tmp_path / "src" / "other_mastodon"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text(
        "from warta_example_adapter import MastodonAdapter\n\n\n"
        "class OtherMastodon(MastodonAdapter):\n    slug = 'mastodon'\n")
    return source
