"""Typed text matched to a button: the one rule by which a typed label (or number) presses it."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from handlers.events import Button

_KEPT = frozenset({"L", "N"})
"""The character classes a label is compared on: letters and digits. Everything else is
decoration or punctuation (‹ › « » ✓, arrows, emoji, full stops, dashes)."""

_IGNORED = frozenset({"\u0640"})
"""Letters that only stretch a word: the Arabic tatweel."""


def comparable(text: str) -> str:
    """`text` as labels are compared: its words of letters and digits, lower case, without
    accents (`‹ Réponse ›` and `reponse` are both `reponse`), one space between them."""
    words: list[str] = []
    word: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(ch)
        if category in ("Mn", "Me", "Cf") or ch in _IGNORED:
            continue  # accents, harakat, direction marks: part of the word they sit on
        if category[0] in _KEPT:
            word.append(ch)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return " ".join(words).casefold()


def typed_button(buttons: Sequence[Button], typed: str, *, numbered: bool = False) -> Button | None:
    """The button `typed` presses, if any.

    A number presses the button of that number when the buttons were shown numbered (the
    terminal); otherwise, and failing that, the button whose label is `typed` once both are
    `comparable`. When two buttons match, none does: the participant is asked to choose.
    """
    stripped = typed.strip()
    if numbered and stripped.isdecimal() and len(stripped) <= 3:
        number = int(stripped)
        if 1 <= number <= len(buttons):
            return buttons[number - 1]
    wanted = comparable(typed)
    if not wanted:
        return None
    found = {b.payload: b for b in buttons if comparable(b.label) == wanted}
    return next(iter(found.values())) if len(found) == 1 else None
