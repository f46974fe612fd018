"""Maintenance of the message catalogues: `python -m bot.catalogue` fills in English.

English is the source language: its catalogue repeats every message so that a
missing English entry is as visible as a missing French one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from handlers.i18n import LOCALE_DIR


def fill_source_language(path: Path) -> int:
    """Copy each msgid into its empty English msgstr; return how many were filled."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            if not isinstance(message.string, tuple | list) or not all(message.string):
                message.string = (message.id[0], message.id[1])
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, no_location=True)
    return filled


def main() -> int:
    """Fill the English catalogue in place."""
    path = LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po"
    print(f"{fill_source_language(path)} English messages filled in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
