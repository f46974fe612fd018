"""The sparse language profiles detect exactly what langdetect does, in far less memory."""

from __future__ import annotations

import subprocess
import sys

import pytest
from langdetect import DetectorFactory, LangDetectException, detect_langs

from handlers.profiles import compact_factory

TEXTS = [
    "We would welcome a stronger reference to the precautionary approach in paragraph 4.",
    "Nous souhaitons que le paragraphe 4 mentionne l'approche de précaution.",
    "Quisiéramos una referencia más clara al enfoque de precaución en el párrafo 4.",
    "Wir begrüßen einen stärkeren Verweis auf das Vorsorgeprinzip in Absatz 4.",
    "Gostaríamos de uma referência mais forte à abordagem de precaução.",
    "Vorremmo un riferimento più forte all'approccio precauzionale.",
    "Мы приветствовали бы более четкую ссылку на принцип предосторожности.",
    "نرحب بإشارة أقوى إلى النهج الوقائي في الفقرة 4",
    "我们希望第4段更明确地提及预防方针。",
    "ok ok ok merci thanks gracias",
    "1234 5678 ...",
]


def stock(text: str) -> list[tuple[str, float]] | str:
    try:
        return [(c.lang, c.prob) for c in detect_langs(text)]
    except LangDetectException as exc:
        return str(exc)


def compact(text: str) -> list[tuple[str, float]] | str:
    detector = compact_factory().create()
    detector.append(text)
    try:
        return [(c.lang, c.prob) for c in detector.get_probabilities()]
    except LangDetectException as exc:
        return str(exc)


@pytest.mark.parametrize("text", TEXTS)
def test_the_compact_profiles_give_langdetects_probabilities_to_the_bit(text: str) -> None:
    assert DetectorFactory.seed == 0
    assert compact(text) == stock(text)


def test_the_compact_profiles_hold_every_language_and_ngram_of_langdetect() -> None:
    from langdetect import detector_factory

    detector_factory.init_factory()
    reference = detector_factory._factory
    factory = compact_factory()
    assert factory.langlist == reference.langlist
    assert factory.word_lang_prob_map.keys() == reference.word_lang_prob_map.keys()


PEAK = """
from pathlib import Path
def peak():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
import handlers.language, langdetect
before = peak()
{LOAD}
print(peak() - before)
"""


def growth(load: str) -> float:
    found = subprocess.run(
        [sys.executable, "-c", PEAK.replace("{LOAD}", load)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(found.stdout)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status")
def test_loading_the_profiles_costs_less_than_half_of_langdetects_peak() -> None:
    ours = growth("handlers.language.detect_language('A sentence long enough to detect.')")
    theirs = growth("langdetect.detect_langs('A sentence long enough to detect.')")
    assert ours < 35 < 50 < theirs, (ours, theirs)
