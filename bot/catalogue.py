"""Maintenance of the message catalogues: `python -m bot.catalogue` fills in English.

English is the source language: its catalogue repeats every message so that a
missing English entry is as visible as a missing French one.

`python -m bot.catalogue template NEW.pot` replaces the template with a freshly
extracted one only when the messages differ, so `make i18n` run twice changes
nothing (a fresh extraction always carries a new creation date, which would
otherwise ripple into every catalogue and compiled file).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from handlers.i18n import LOCALE_DIR

TEMPLATE = LOCALE_DIR / "messages.pot"


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


def _messages(catalog: Catalog) -> list[tuple[object, ...]]:
    return [
        (message.id, message.context, tuple(sorted(message.flags)))
        for message in catalog
        if message.id
    ]


def replace_template(fresh: Path, template: Path = TEMPLATE) -> bool:
    """Move `fresh` over `template` when their messages differ; else drop `fresh`.

    Returns:
        True when the template changed.
    """
    with fresh.open("rb") as handle:
        new = read_po(handle)
    old = None
    if template.exists():
        with template.open("rb") as handle:
            old = read_po(handle)
    if old is not None and _messages(old) == _messages(new):
        fresh.unlink()
        return False
    fresh.replace(template)
    return True


def main(argv: list[str] | None = None) -> int:
    """Fill the English catalogue in place, or (`template NEW.pot`) update the template."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["template"] and len(args) == 2:
        changed = replace_template(Path(args[1]))
        print(f"{TEMPLATE}: {'updated' if changed else 'unchanged'}")
        return 0
    if args:
        print("usage: python -m bot.catalogue [template NEW.pot]", file=sys.stderr)
        return 2
    path = LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po"
    print(f"{fill_source_language(path)} English messages filled in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
