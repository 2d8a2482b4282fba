"""A throwaway installed distribution (dist-info + modules on sys.path) for entry-point tests."""
from __future__ import annotations

import textwrap
from pathlib import Path

from plugins import ENTRY_POINT_GROUP


def fake_distribution(root: Path, package: str, version: str, entry_points: dict[str, str],
                      modules: dict[str, str]) -> Path:
    """Write `modules` and a `<package>-<version>.dist-info` declaring `entry_points` under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for name, source in modules.items():
        (root / f"{name}.py").write_text(textwrap.dedent(source))
    info = root / f"{package.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
    lines = [f"[{ENTRY_POINT_GROUP}]", *(f"{name} = {target}" for name, target in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return root
