"""langdetect's language profiles packed into one file: the same detections for about 2 MB.

langdetect keeps, for each of its 87,598 n-grams, a list with one probability per language
(55), although an n-gram occurs in about two languages on average: 60 MB resident once the
profiles are loaded, the largest single cost of a bot process, and 0.3 s of work the first
time a participant types an answer. Here the non-zero probabilities of every n-gram are
packed into four arrays (the n-grams as sorted numbers, where each one's row starts, the
language of each probability, the probabilities; 2.7 MB), written once into a file of the
cache directory and read by every process after: it holds the n-grams and row starts
(1 MB, 3 ms to read), and a detection looks up each n-gram of its text once, by bisection,
reads only those rows, and keeps them for its draws.

The detector multiplies the languages an n-gram does not occur in by the weight alone, which
is the multiplication langdetect does (`weight + 0.0` is `weight`): the results are
identical to the bit. The profiles are read from langdetect's own files in langdetect's
order (`os.listdir`); the packed file names those files with their sizes and times, and is
packed again when they change (another langdetect) or the order differs.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import weakref
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from langdetect import DetectorFactory
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY

log = logging.getLogger(__name__)

SparseRow = tuple[Any, ...]
"""The non-zero probabilities of one n-gram, as index (int), probability (float) pairs laid
flat."""
Row = SparseRow | list[float]
DENSE_ABOVE = 8
"""An n-gram found in more languages than this is handed to the detector as langdetect's
full list (3,467 of them): the common letters and pairs, which most draws of a detection
pick, multiplied fastest by langdetect's own loop."""
FILENAME = "langdetect-profiles.bin"
FORMAT = 2
"""The packed file's layout; a file of another is built again."""
_BITS = 21
"""Each character of an n-gram takes 21 bits of its number (a code point + 1 fits): three
characters, 63 bits, an unsigned 64-bit integer."""


def ngram_number(word: str) -> int:
    """`word` (1 to 3 characters) as a number; the order of the numbers is the packed order."""
    number = 0
    for char in word:
        number = number << _BITS | (ord(char) + 1)
    return number


def _ngram(number: int) -> str:
    chars: list[str] = []
    while number:
        chars.append(chr((number & ((1 << _BITS) - 1)) - 1))
        number >>= _BITS
    return "".join(reversed(chars))


def source_files(directory: str) -> list[str]:
    """langdetect's profile files, in the order langdetect loads them (`os.listdir`)."""
    return [
        name
        for name in os.listdir(directory)
        if not name.startswith(".") and Path(directory, name).is_file()
    ]


def fingerprint(directory: str) -> list[list[Any]]:
    """What the packed file was built from: each profile's name, size and time, in order."""
    found: list[list[Any]] = []
    for name in source_files(directory):
        stat = Path(directory, name).stat()
        found.append([name, stat.st_size, stat.st_mtime_ns])
    return found


def _entries(
    directory: str, names: list[str]
) -> tuple[list[str], array[int], array[int], array[float]]:
    """The profiles' languages, then each entry's n-gram number, language and probability,
    profile by profile (one profile's JSON in memory at a time)."""
    languages: list[str] = []
    numbers, owners, values = array("Q"), array("B"), array("d")
    for name in names:
        profile: dict[str, Any] = json.loads(Path(directory, name).read_text(encoding="utf-8"))
        index = len(languages)
        languages.append(profile["name"])
        counts: Sequence[int] = profile["n_words"]
        for word, count in profile["freq"].items():
            if 1 <= len(word) <= 3:  # langdetect's own rule
                numbers.append(ngram_number(word))
                owners.append(index)
                values.append(1.0 * count / counts[len(word) - 1])
        del profile
    return languages, numbers, owners, values


def pack(directory: str) -> bytes:
    """langdetect's profiles of `directory`, packed: a JSON header (languages, counts, what
    they were built from) then the four arrays, each aligned for its type.

    Made without a list per n-gram: the entries go into arrays profile by profile, then
    into n-gram order by one sort, each n-gram's languages staying in langdetect's order.
    """
    source = fingerprint(directory)
    languages, numbers, owners, values = _entries(directory, [name for name, *_ in source])
    # One int per entry, its n-gram's number then its place: sorted, they put the entries in
    # n-gram order and each n-gram's in the order of the profiles (half the memory of a
    # sort by key).
    shift = len(numbers).bit_length()
    order = sorted(number << shift | entry for entry, number in enumerate(numbers))
    mask = (1 << shift) - 1
    words = array("Q")
    starts = array("I")
    probabilities = array("d")
    languages_of = array("B")
    for at, key in enumerate(order):
        entry = key & mask
        if not words or words[-1] != numbers[entry]:
            words.append(numbers[entry])
            starts.append(at)
        probabilities.append(values[entry])
        languages_of.append(owners[entry])
    starts.append(len(order))
    del order, numbers, owners, values
    header = json.dumps(
        {
            "format": FORMAT,
            "byteorder": sys.byteorder,
            "languages": languages,
            "words": len(words),
            "entries": len(probabilities),
            "source": source,
        }
    ).encode()
    header += b" " * (-(len(header) + 8) % 8)  # the arrays after it start 8-aligned
    return b"".join(
        (
            len(header).to_bytes(8, sys.byteorder),
            header,
            words.tobytes(),
            probabilities.tobytes(),
            starts.tobytes(),
            languages_of.tobytes(),
        )
    )


class PackedProfiles(Mapping[str, Row]):
    """The packed profiles, n-gram → row: the n-grams and where their rows start held in
    memory (1 MB), each row read from the file (or bytes) when a text has its n-gram.

    Read with `os.pread` rather than mapped: the kernel maps a file's cached pages in large
    folios (2 MB at a time here), so a map of a few touched pages counted the whole file in
    the process's resident memory.

    Raises:
        ValueError: not a packed file of this format, or of another machine, or cut short.
    """

    def __init__(self, read: Callable[[int, int], bytes | memoryview], size: int) -> None:
        header_size = int.from_bytes(read(0, 8), sys.byteorder)
        header = json.loads(bytes(read(8, header_size)))
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError("not a packed profile file of this format")
        if header.get("byteorder") != sys.byteorder:
            raise ValueError("a packed profile file of another machine")
        self.languages: list[str] = header["languages"]
        self.source: list[list[Any]] = header["source"]
        words: int = header["words"]
        entries: int = header["entries"]
        at = 8 + header_size
        if size != at + words * 8 + entries * 8 + (words + 1) * 4 + entries:
            raise ValueError("a packed profile file of the wrong size (cut short?)")
        self._words = array("Q")
        self._words.frombytes(read(at, words * 8))
        at += words * 8
        self._probabilities_at = at
        at += entries * 8
        self._starts = array("I")
        self._starts.frombytes(read(at, (words + 1) * 4))
        self._owners_at = at + (words + 1) * 4
        self._read = read

    @classmethod
    def of_bytes(cls, packed: bytes) -> PackedProfiles:
        """The profiles `pack` made, held in memory."""
        view = memoryview(packed)
        return cls(lambda at, count: view[at : at + count], len(packed))

    @classmethod
    def of_file(cls, path: Path) -> PackedProfiles:
        """The profiles of a packed file, kept open (closed with the object) and read."""
        fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size

            def read(at: int, count: int) -> bytes:
                found = os.pread(fd, count, at)
                if len(found) != count:
                    raise ValueError("a packed profile file cut short")
                return found

            profiles = cls(read, size)
        except BaseException:
            os.close(fd)
            raise
        weakref.finalize(profiles, os.close, fd)
        return profiles

    def row(self, word: str) -> Row | None:
        """The probabilities of `word` as `CompactDetector` multiplies them; None if no
        profile has it."""
        if not 1 <= len(word) <= 3:
            return None
        number = ngram_number(word)
        found = bisect_left(self._words, number)
        if found == len(self._words) or self._words[found] != number:
            return None
        start, end = self._starts[found], self._starts[found + 1]
        owners = self._read(self._owners_at + start, end - start)
        probabilities = array("d")
        probabilities.frombytes(self._read(self._probabilities_at + start * 8, (end - start) * 8))
        if end - start > DENSE_ABOVE:
            dense = [0.0] * len(self.languages)
            for index, probability in zip(owners, probabilities, strict=True):
                dense[index] = probability
            return dense
        flat: list[int | float] = []
        for index, probability in zip(owners, probabilities, strict=True):
            flat += (index, probability)
        return tuple(flat)

    def __getitem__(self, word: str) -> Row:
        row = self.row(word)
        if row is None:
            raise KeyError(word)
        return row

    def __iter__(self) -> Iterator[str]:
        return (_ngram(number) for number in self._words)

    def __len__(self) -> int:
        return len(self._words)


class TextRows(dict[str, Row]):
    """The rows of one text's n-grams, each looked up in the packed profiles once.

    langdetect's detector asks `word in word_lang_prob_map` for every n-gram of the text,
    then draws among those found; this answers from the packed profiles and keeps the row,
    so the draws read a small dict as langdetect's read its large one.
    """

    def __init__(self, profiles: PackedProfiles) -> None:
        super().__init__()
        self._profiles = profiles
        self._absent: set[str] = set()

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str) or word in self._absent:
            return False
        if dict.__contains__(self, word):
            return True
        row = self._profiles.row(word)
        if row is None:
            self._absent.add(word)
            return False
        self[word] = row
        return True


class CompactDetector(Detector):  # type: ignore[misc]  # langdetect has no type hints
    """langdetect's detector reading sparse rows from the packed profiles."""

    def __init__(self, factory: CompactFactory) -> None:
        super().__init__(factory)
        self.word_lang_prob_map = TextRows(factory.word_lang_prob_map)

    def _update_lang_prob(self, prob: list[float], word: str | None, alpha: float) -> bool:
        # Every word drawn was found by `TextRows.__contains__`: a plain dict read here.
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
    """A detector factory over packed profiles; creates `CompactDetector`s."""

    def __init__(self, profiles: PackedProfiles) -> None:
        super().__init__()
        self.word_lang_prob_map = profiles
        self.langlist = list(profiles.languages)

    def _create_detector(self) -> CompactDetector:
        return CompactDetector(self)


def _fresh(cache_dir: Path, directory: str) -> PackedProfiles | None:
    try:
        profiles = PackedProfiles.of_file(cache_dir / FILENAME)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none yet, cut short, damaged, or of another layout
    return profiles if profiles.source == fingerprint(directory) else None


def write(cache_dir: Path, packed: bytes) -> None:
    """Write the packed profiles into `cache_dir`.

    Written whole under a name of its own, then renamed: a process reading the old file
    keeps it open, and one starting meanwhile reads either file, never half of one.

    Raises:
        OSError: `cache_dir` cannot be made or written.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cache_dir / f".{FILENAME}.{os.getpid()}.{threading.get_ident()}"
    try:
        partial.write_bytes(packed)
        os.replace(partial, cache_dir / FILENAME)
    finally:
        partial.unlink(missing_ok=True)


def _write_in_a_child(cache_dir: Path, directory: str) -> None:
    # Packing costs 0.25 s of CPU and 10-17 MB of memory at its peak (one profile's JSON,
    # then one sort of an int per entry): a process of its own pays them, so that this one's
    # peak stays where it was and its event loop keeps the interpreter meanwhile.
    command = [sys.executable, "-m", "handlers.profiles", str(cache_dir), directory]
    try:
        subprocess.run(command, capture_output=True, timeout=120, check=True)  # noqa: S603
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("language profiles packed in this process (%s)", type(exc).__name__)


def load(cache_dir: Path | None, directory: str = PROFILES_DIRECTORY) -> PackedProfiles:
    """The packed profiles: read from `cache_dir`'s file when it was packed from langdetect's
    files as they are now; else packed into it by a child process and read; else (no
    `cache_dir`, or the child failed) packed here, and written there if it can be (a file it
    cannot write is logged, and the profiles are held in memory, 2.7 MB)."""
    if cache_dir is None:
        return PackedProfiles.of_bytes(pack(directory))
    found = _fresh(cache_dir, directory)
    if found is None:
        _write_in_a_child(cache_dir, directory)
        found = _fresh(cache_dir, directory)
    if found is not None:
        return found
    packed = pack(directory)
    try:
        write(cache_dir, packed)
    except OSError as exc:
        log.warning("language profiles kept in memory: cannot write %s (%s)", cache_dir, exc)
    return _fresh(cache_dir, directory) or PackedProfiles.of_bytes(packed)


_lock = threading.Lock()
_factory: CompactFactory | None = None
_cache_dir: Path | None = None


def use_cache(directory: Path | None) -> None:
    """Where the packed profiles are kept for the next process (CACHE_DIR); unset, each
    process packs them in memory on its first detection."""
    global _cache_dir
    _cache_dir = directory


def loaded() -> bool:
    """Whether this process has its profiles yet."""
    return _factory is not None


def compact_factory() -> CompactFactory:
    """The one factory of the process, its profiles loaded on first use (by whichever thread
    asks first; another waits for it)."""
    global _factory
    with _lock:
        if _factory is None:
            _factory = CompactFactory(load(_cache_dir))
        return _factory


if __name__ == "__main__":  # `load`'s child: python -m handlers.profiles CACHE_DIR PROFILES
    write(Path(sys.argv[1]), pack(sys.argv[2]))
