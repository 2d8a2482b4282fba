from __future__ import annotations

import pytest

from app.security.catalogue import (
    BUILTIN_ITEMS,
    PLUGIN_ITEMS_KEY,
    Severity,
    Verification,
    extra_items_from_plugins,
)


def test_catalogue_has_every_documented_item():
    ids = {item.id for item in BUILTIN_ITEMS}
    expected = ({f"G{i}" for i in range(1, 12)} | {f"M{i}" for i in range(1, 11)} | {f"X{i}" for i in range(1, 8)}
                | {f"Y{i}" for i in range(1, 7)} | {f"T{i}" for i in range(1, 8)})
    assert ids == expected
    assert len(ids) == len(BUILTIN_ITEMS)


def test_catalogue_texts_exist_in_both_languages_and_differ():
    for item in BUILTIN_ITEMS:
        for part in ("title", "explanation", "evidence"):
            texts = getattr(item, part)
            assert texts["id"].strip() and texts["en"].strip(), (item.id, part)
        assert item.title["id"] != item.title["en"], item.id


def test_item_text_follows_locale_with_indonesian_fallback():
    g2 = next(i for i in BUILTIN_ITEMS if i.id == "G2")
    assert g2.text("title", "en").startswith("Registration/recovery email")
    assert g2.text("title", "id").startswith("Email pendaftaran")
    assert g2.text("title", "fr") == g2.title["id"]


def test_platform_items_apply_only_to_their_platform():
    by_id = {i.id: i for i in BUILTIN_ITEMS}
    assert by_id["M6"].applies_to("instagram") and by_id["M6"].applies_to("facebook")
    assert not by_id["M6"].applies_to("x")
    assert by_id["X7"].applies_to("x") and by_id["X7"].verification == Verification.API
    assert by_id["G3"].applies_to("tiktok") and by_id["G3"].severity == Severity.CRITICAL
    assert by_id["G1"].verification == Verification.ENFORCED


def test_plugin_items_are_read_from_the_app_and_may_not_repeat_builtin_ids(app):
    app.extensions[PLUGIN_ITEMS_KEY] = [{"id": "P1", "title": {"id": "Judul", "en": "Title"},
                                         "severity": "high", "interval_days": 30}]
    items = extra_items_from_plugins(app)
    assert [i.id for i in items] == ["P1"] and items[0].source == "plugin"
    app.extensions[PLUGIN_ITEMS_KEY] = [{"id": "G2", "title": {"id": "x", "en": "x"}, "severity": "low"}]
    with pytest.raises(ValueError, match="G2"):
        extra_items_from_plugins(app)
