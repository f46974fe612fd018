"""langdetect's language profiles held sparsely: the same detections in a quarter of the memory.

langdetect keeps, for each of its 87,598 n-grams, a list with one probability per language
(55), although an n-gram occurs in about two languages on average: 60 MB resident once the
profiles are loaded, the largest single cost of a bot process. Here each n-gram keeps only
its non-zero probabilities, `(index, probability, index, probability, ...)`, and the
detector multiplies the other languages by the weight alone, which is the multiplication
langdetect does (`weight + 0.0` is `weight`): the results are identical to the bit.
The profiles are read on the first detection, as langdetect does, from its own files in
the same order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from langdetect import DetectorFactory
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY

SparseRow = tuple[Any, ...]
"""The non-zero probabilities of one n-gram, as index (int), probability (float) pairs laid
flat."""
Row = SparseRow | list[float]
DENSE_ABOVE = 8
"""An n-gram found in more languages than this keeps langdetect's full list (3,467 of them,
1.7 MB): the common letters and pairs, which most draws of a detection pick."""


class CompactDetector(Detector):  # type: ignore[misc]  # langdetect has no type hints
    """langdetect's detector reading sparse rows."""

    def _update_lang_prob(self, prob: list[float], word: str | None, alpha: float) -> bool:
        row: Row | None = None if word is None else self.word_lang_prob_map.get(word)
        if row is None:
            return False
        weight = alpha / self.BASE_FREQ
        if isinstance(row, list):  # langdetect's own loop
            for i in range(len(prob)):
                prob[i] *= weight + row[i]
            return True
        indices, probabilities = row[0::2], row[1::2]
        before = [prob[i] for i in indices]
        prob[:] = [p * weight for p in prob]  # langdetect's `weight + 0.0` is `weight`
        for i, p, probability in zip(indices, before, probabilities, strict=True):
            prob[i] = p * (weight + probability)
        return True


class CompactFactory(DetectorFactory):  # type: ignore[misc]  # langdetect has no type hints
    """A detector factory whose profiles are sparse rows; creates `CompactDetector`s."""

    def load_directory(self, directory: str) -> None:
        """Load every profile of `directory`, in langdetect's order (`os.listdir`)."""
        index = 0
        rows: dict[str, Any] = {}
        for filename in os.listdir(directory):
            path = Path(directory, filename)
            if filename.startswith(".") or not path.is_file():
                continue
            profile: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            self._add(rows, profile, index)
            index += 1
        for word, row in rows.items():  # in place: each list is freed as its row is made
            rows[word] = tuple(row) if len(row) <= 2 * DENSE_ABOVE else self._dense(row)
        self.word_lang_prob_map = rows

    def _dense(self, row: list[int | float]) -> list[float]:
        dense = [0.0] * len(self.langlist)
        for at in range(0, len(row), 2):
            dense[int(row[at])] = float(row[at + 1])
        return dense

    def _add(self, rows: dict[str, list[int | float]], profile: dict[str, Any], index: int) -> None:
        self.langlist.append(profile["name"])
        counts: Sequence[int] = profile["n_words"]
        for word, count in profile["freq"].items():
            row = rows.setdefault(word, [])
            if 1 <= len(word) <= 3:
                row += (index, 1.0 * count / counts[len(word) - 1])

    def _create_detector(self) -> CompactDetector:
        return CompactDetector(self)


@cache
def compact_factory() -> CompactFactory:
    """The one factory of the process, its profiles loaded on first use."""
    factory = CompactFactory()
    factory.load_directory(PROFILES_DIRECTORY)
    return factory
