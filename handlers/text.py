"""User text at the edges: what may be stored, what a name may hold, and how it is shown."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""Characters no database or platform keeps: NUL and the other C0/C1 controls except tab,
newline and carriage return, and surrogates (in a Python string they are always lone: a
valid pair is decoded into one character). PostgreSQL refuses NUL in text, and no driver can
encode a lone surrogate as UTF-8."""

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_EMBEDDINGS = frozenset(LRE + RLE + LRO + RLO)
_ISOLATES = frozenset(LRI + RLI + FSI)
BIDI_CONTROLS = frozenset(_EMBEDDINGS | _ISOLATES | {PDF, PDI, "\u200e", "\u200f", "\u061c"})
"""Every character that steers the bidirectional algorithm: embeddings, overrides, isolates,
their terminators, and the left-to-right, right-to-left and Arabic letter marks."""

_INVISIBLE = frozenset({"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"})
"""Zero-width characters that make two names look the same while they differ."""


@dataclass(frozen=True)
class Cleaned:
    """Text with the unstorable characters removed, and whether there were any."""

    text: str
    changed: bool


def storable(text: str) -> Cleaned:
    """`text` without the characters that no database or platform keeps (see `_UNSTORABLE`).

    Everything a participant can see stays as it was: letters, emoji, tabs and line breaks,
    and the direction marks of Arabic text.
    """
    kept = _UNSTORABLE.sub("", text)
    return Cleaned(kept, kept != text)


def clean_name(text: str) -> str:
    """A name fit to store and show: no control, direction or zero-width characters, and
    whitespace collapsed to single spaces.

    A name is shown inside the bot's own sentences, the digest and exports; an override
    character in it ("\u202eOrg evil gpj.exe") would reorder what follows it, and nobody
    needs one to write a name: the bidirectional algorithm lays out Arabic names by itself.
    """
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in storable(text).text
        if ch.isspace()
        or (
            ch not in BIDI_CONTROLS
            and ch not in _INVISIBLE
            and unicodedata.category(ch) not in ("Cc", "Cf")
        )
    )
    return " ".join(kept.split())


_BIDI_CONTROL = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")


def has_bidi_controls(text: str) -> bool:
    """True when `text` holds a character that steers the bidirectional algorithm."""
    return _BIDI_CONTROL.search(text) is not None


def contained(text: str) -> str:
    """`text` with its direction controls balanced on every line, so none reaches beyond it.

    A terminator with nothing to close is dropped (it could close the isolate the text is
    shown in), and every embedding, override or isolate left open at the end of a line is
    closed there. Shown inside an isolate, the text then cannot reorder what surrounds it.
    """
    if not has_bidi_controls(text):
        return text
    return "\n".join(_balanced(line) for line in text.split("\n"))


def _balanced(line: str) -> str:
    out: list[str] = []
    stack: list[str] = []  # the openers still open, innermost last
    for ch in line:
        if ch in _EMBEDDINGS or ch in _ISOLATES:
            stack.append(ch)
        elif ch == PDF:
            # PDF closes an embedding or override only inside the innermost isolate.
            if not stack or stack[-1] not in _EMBEDDINGS:
                continue
            stack.pop()
        elif ch == PDI:
            if not any(opener in _ISOLATES for opener in stack):
                continue
            # PDI closes the innermost isolate and every embedding opened inside it.
            while stack:
                opener = stack.pop()
                if opener in _ISOLATES:
                    break
                out.append(PDF)
        out.append(ch)
    for opener in reversed(stack):
        out.append(PDI if opener in _ISOLATES else PDF)
    return "".join(out)
