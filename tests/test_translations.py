"""Bahasa Indonesia first: every user-facing message has an Indonesian translation."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHOD_MAP = [
    ("app/**.py", "python"), ("adapters/**.py", "python"), ("plugins/**.py", "python"),
    ("workers/**.py", "python"), ("app/templates/**.html", "jinja2"), ("plugins/**/templates/**.html", "jinja2"),
]


def _source_messages() -> set[str]:
    found: set[str] = set()
    for top in ("app", "adapters", "plugins", "workers"):
        folder = ROOT / top
        if not folder.exists():
            continue
        method_map = [(pattern.split("/", 1)[1], method) for pattern, method in METHOD_MAP if pattern.startswith(top)]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(folder), method_map, keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None,
                                                "ngettext": (1, 2), "lazy_ngettext": (1, 2)}
        ):
            found.add(message if isinstance(message, str) else message[0])  # plural forms: keyed by singular
    return found


def test_every_message_has_an_indonesian_translation():
    with open(ROOT / "app/translations/id/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh, locale="id")
    def complete(message) -> bool:  # every plural form must be filled, or that count falls back to English
        forms = (message.string,) if isinstance(message.string, str) else message.string
        return bool(forms) and all(forms) and not message.fuzzy

    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and complete(m)}
    missing = sorted(_source_messages() - translated)
    assert not missing, f"Untranslated (run `make translations`, then translate into Indonesian): {missing}"
