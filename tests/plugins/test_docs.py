"""docs/plugins.md documents every hook with its exact signature, and nothing that is not a hook."""
from __future__ import annotations

import re
from pathlib import Path

import pluggy
import pytest

from plugins import hookspecs

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
HEADING = re.compile(r"^### `(\w+)\(([^)]*)\)`$", re.MULTILINE)


def _spec_signatures() -> dict[str, str]:
    pm = pluggy.PluginManager("warta")
    pm.add_hookspecs(hookspecs)
    return {name: ", ".join(getattr(pm.hook, name).spec.argnames)
            for name in dir(pm.hook) if not name.startswith("_")}


def _documented(text: str) -> dict[str, str]:
    return {name: ", ".join(a.strip() for a in args.split(",") if a.strip()) for name, args in HEADING.findall(text)}


def check(text: str) -> list[str]:
    specs, documented = _spec_signatures(), _documented(text)
    problems = [f"missing from docs/plugins.md: ### `{name}({args})`"
                for name, args in specs.items() if name not in documented]
    problems += [f"docs/plugins.md documents {name}({args}) but the hook is {name}({specs[name]})"
                 for name, args in documented.items() if name in specs and specs[name] != args]
    problems += [f"docs/plugins.md documents {name}() which is not a hook" for name in documented if name not in specs]
    return problems


def test_every_hook_is_documented_with_its_exact_signature():
    assert check(DOC.read_text()) == []


def test_every_hook_has_a_one_line_docstring_and_an_example():
    text = DOC.read_text()
    for name in _spec_signatures():
        doc = getattr(hookspecs, name).__doc__ or ""
        assert doc and "\n" not in doc.strip(), name
        section = text.split(f"### `{name}(", 1)[1].split("\n### ", 1)[0]
        assert "@hookimpl" in section and f"def {name}(" in section, f"{name}: no example"


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda t: t.replace("### `after_publish(target, result)`", "### `after_publish(target)`"),
     "documents after_publish(target) but the hook is after_publish(target, result)"),
    (lambda t: t.replace("### `menu_entries()`", "### Menu"), "missing from docs/plugins.md: ### `menu_entries()`"),
    (lambda t: t + "\n### `imaginary_hook(x)`\n", "imaginary_hook() which is not a hook"),
])
def test_the_check_catches_wrong_missing_and_unknown_hooks(edit, expected):
    problems = check(edit(DOC.read_text()))
    assert any(expected in p for p in problems), problems


def test_every_notification_event_is_in_the_catalogue():
    from plugins.builtin.notifications import EVENTS

    text = DOC.read_text().split("## Built-in plugin: notifications", 1)[1]
    assert [name for name in EVENTS if f"`{name}`" not in text] == []
