"""Tagging free-text answers with the language they are written in."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from langdetect import DetectorFactory, LangDetectException

from handlers.profiles import compact_factory

DetectorFactory.seed = 0  # langdetect is random unless seeded; tags must be reproducible.

UNDETERMINED = "und"
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.80

_SCRIPTS = {"ARABIC": "ar", "CJK": "zh", "CYRILLIC": "ru"}
_LATIN_LANGUAGES = {"en", "fr", "es"}


@dataclass(frozen=True)
class LanguageTag:
    """A BCP 47 language code (or `und`) and how sure we are of it."""

    code: str
    confidence: float


def _script_counts(text: str) -> tuple[dict[str, int], int]:
    counts: dict[str, int] = {}
    letters = 0
    for char in text:
        if not char.isalpha():
            continue
        letters += 1
        name = unicodedata.name(char, "")
        for script in ("ARABIC", "CJK", "CYRILLIC", "LATIN"):
            if name.startswith(script) or (script == "CJK" and "IDEOGRAPH" in name):
                counts[script] = counts.get(script, 0) + 1
                break
    return counts, letters


def detect_language(text: str) -> LanguageTag:
    """The language of `text`: by script for Arabic, Chinese and Russian, else langdetect."""
    counts, letters = _script_counts(text)
    if letters == 0:
        return LanguageTag(UNDETERMINED, 0.0)
    script, count = max(counts.items(), key=lambda kv: kv[1], default=("", 0))
    share = count / letters
    if script in _SCRIPTS and share >= 0.6 and count >= 2:
        return LanguageTag(_SCRIPTS[script], round(share, 2))
    if letters < MIN_LETTERS:
        return LanguageTag(UNDETERMINED, 0.0)
    try:
        detector = compact_factory().create()
        detector.append(text)
        candidates = detector.get_probabilities()
    except LangDetectException:
        return LanguageTag(UNDETERMINED, 0.0)
    best = candidates[0]
    code = "zh" if best.lang.startswith("zh") else best.lang
    if best.prob < MIN_CONFIDENCE:
        return LanguageTag(UNDETERMINED, round(best.prob, 2))
    return LanguageTag(code, round(best.prob, 2))
