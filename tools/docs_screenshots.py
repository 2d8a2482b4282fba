"""Copy the chosen browser-test screenshots into docs/screenshots/ for the README, small.

Usage: .venv/bin/python tools/docs_screenshots.py [build/screenshots]   (after the browser tests ran:
`pytest tests/e2e/browser`). Each picture is cut to its first screenful and stored as a 256-colour PNG.
Edit CHOSEN to change which pages the README shows; a missing source is reported and skipped.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "docs" / "screenshots"
#: (screenshot written by tests/e2e/browser, height kept in pixels)
CHOSEN = [
    ("start-desktop", 640),
    ("composer-desktop", 1400),
    ("post-published-desktop", 1000),
    ("hold-desktop", 560),
    ("security-checklist-desktop", 900),
    ("activity-dashboard-desktop", 1100),
    ("calendar-desktop", 1000),
    ("post-published-phone", 1300),
    ("composer-phone", 1300),
]


def shrink(source: Path, target: Path, height: int) -> None:
    with Image.open(source) as image:
        top = image.convert("RGB").crop((0, 0, image.width, min(height, image.height)))
    top.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)


def main(source_dir: str | None = None) -> None:
    source = Path(source_dir) if source_dir else REPO / "build" / "screenshots"
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, height in CHOSEN:
        path = source / f"{name}.png"
        if not path.exists():
            print(f"missing {path} (its test was skipped or not run)")
            continue
        shrink(path, TARGET / f"{name}.png", height)
        print(f"{TARGET / name}.png {(TARGET / f'{name}.png').stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main(*sys.argv[1:2])
