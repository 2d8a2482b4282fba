"""Fill Indonesian translations into the catalogue from a JSON file {english msgid: Indonesian}.

Usage: .venv/bin/python tools/po_fill.py translations.json   (after `make translations`)
Prints the msgids still untranslated.
"""
from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po

PO_PATH = "app/translations/id/LC_MESSAGES/messages.po"


def main(mapping_path: str) -> None:
    with open(PO_PATH, "rb") as fh:
        catalog = read_po(fh, locale="id")
    with open(mapping_path, encoding="utf-8") as fh:
        mapping = json.load(fh)
    for message in catalog:
        if message.id and message.id in mapping:
            message.string = mapping[message.id]
            message.flags.discard("fuzzy")
    with open(PO_PATH, "wb") as fh:
        write_po(fh, catalog, width=100)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(json.dumps({"untranslated": missing}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
