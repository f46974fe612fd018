"""Recurring themes of an agenda item's written answers, found the same way every time.

A theme is a word or a two-word phrase that the answers of several organisations share.
Words are read in the answer's own language: lower-cased, the common words of that language
(articles, prepositions, auxiliaries) left out; Chinese, written without spaces, is read as
pairs of characters. Each theme is counted by the organisations that used it, never by how
often one of them repeated it. There is no stemming and no translation, so "data" and
"datos" are two themes; what this finds is what to read first, not a summary.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

METHOD = (
    "Recurring themes are the words and two-word phrases that the written answers of at "
    "least two organizations to an agenda item share, read in each answer's own language "
    "with that language's common words left out (Chinese read as pairs of characters), and "
    "ranked by how many organizations used them; there is no stemming and no translation."
)
"""How the themes were found, as the digest says it."""

MOST = 12
"""Themes shown per agenda item."""

_STOPWORDS = {
    "en": """a about above after again all also am an and any are as at be been before being
    between both but by can could did do does doing down during each few for from further had
    has have having he her here hers him his how i if in into is it its itself just more most
    my no nor not now of off on once only or other our ours out over own same she should so
    some such than that the their theirs them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would
    you your yours us may must shall every any many much well like including e.g eg etc""",
    "fr": """a afin ai aient ainsi alors au aucun aussi autre aux avec avoir avons c ce ceci cela
    celle celles celui ces cet cette chaque comme d dans de des doit doivent donc dont du elle
    elles en encore est et été être eux il ils j je l la le les leur leurs lors lui m ma mais me
    même mes moi mon n ne ni nos notre nous on ont ou où par pas peu peut plus pour qu que qui
    s sa sans se ses si son sont sur ta te tes toi ton tous tout toute toutes très tu un une
    vos votre vous y ces entre afin notamment""",
    "es": """a al algo algunos ante antes como con contra cual cuando de del desde donde dos
    el ella ellas ellos en entre era es esa ese eso esta estas este esto estos fue ha han hasta
    hay la las le les lo los más mas me mi muy no nos nuestra nuestro o os otra otro para pero
    poco por porque que quien se sea ser si sin sobre su sus también te tiene tienen todo
    todos tu un una uno unos y ya sí""",
    "ru": """а без более бы был была были было быть в вам вас весь во вот все всех вы где да
    для до его ее если есть еще же за и из или им их к как когда кто ли либо мы на над не нет
    ни но о об от по под при с со так также такие то того только том тот у уже чем что чтобы
    эта эти это этот я её""",
    "ar": """في من على إلى عن مع أن إن كان كانت هذا هذه ذلك التي الذي الذين و أو ثم قد لا ما
    لم لن هو هي هم نحن كل بين عند حتى أي إذا كما بعد قبل أيضا أيضًا غير ب ل ف""",
}
_STOP = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}
_STOP_ZH = frozenset("的了和与及在是为对将等并以于或其中之这那有也就都而把被让向从")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
"""A word: letters, with an apostrophe or a hyphen only between letters (l'État, x-ray)."""
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_ARABIC_ARTICLE = re.compile(r"^(?:و|ف|ب|ل)?ال(?=\w{3,})")


@dataclass(frozen=True)
class Theme:
    """A word or phrase several organisations used, and who they were."""

    term: str
    language: str
    organisations: tuple[str, ...]
    """In alphabetical order."""
    categories: tuple[tuple[str, int], ...]
    """Category labels and how many of those organisations are of each, most first."""


@dataclass(frozen=True)
class Voice:
    """One organisation's written answer, as the themes read it."""

    organisation: str
    category: str
    language: str
    text: str


class _Words(dict[str, str]):
    """Each distinct word of one language's answers → the word compared ('' for a common or
    short word, so that no phrase is made across it), worked out once per distinct word:
    10,000 submissions write some 4 million words, of a few thousand distinct ones."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.stop = _STOP.get(language, _STOP["en"])
        self.arabic = language == "ar"

    def __missing__(self, raw: str) -> str:
        word = _ARABIC_ARTICLE.sub("", raw) if self.arabic else raw
        kept = self[raw] = word if len(word) > 2 and word not in self.stop else ""
        return kept


def _terms(text: str, language: str, words: _Words | None = None) -> set[str]:
    """The words and two-word phrases of one answer worth comparing (`words`: the words of
    that language seen so far)."""
    if language == "zh":
        terms: set[str] = set()
        for run in _HAN.findall(text):
            terms.update(
                run[i : i + 2]
                for i in range(len(run) - 1)
                if run[i] not in _STOP_ZH and run[i + 1] not in _STOP_ZH
            )
        return terms
    vocabulary = words if words is not None else _Words(language)
    kept = list(map(vocabulary.__getitem__, _WORD.findall(text.casefold())))
    found = set(kept)
    found.discard("")
    found.update(f"{a} {b}" for a, b in pairwise(kept) if a and b)
    return found


def themes(voices: Iterable[Voice], *, least: int = 2, most: int = MOST) -> tuple[Theme, ...]:
    """The recurring themes of these answers: shared by at least `least` organisations,
    the `most` shared most widely (a phrase before its own words when as widely shared)."""
    users: dict[tuple[str, str], set[str]] = defaultdict(set)
    category_of: dict[str, str] = {}
    # The terms of each organisation in each language first: an organisation counts once for
    # a term however many of its answers use it, and a term is looked up once per
    # organisation instead of once per answer (10,000 submissions: 80,000 answers).
    spoken: dict[tuple[str, str], set[str]] = defaultdict(set)
    vocabularies: dict[str, _Words] = {}
    for voice in voices:
        if not voice.organisation:
            continue
        category_of[voice.organisation] = voice.category
        if voice.language not in vocabularies:
            vocabularies[voice.language] = _Words(voice.language)
        words = vocabularies[voice.language]
        spoken[(voice.organisation, voice.language)].update(
            _terms(voice.text, voice.language, words)
        )
    for (organisation, language), terms in spoken.items():
        for term in terms:
            users[(language, term)].add(organisation)
    ranked = sorted(
        ((key, names) for key, names in users.items() if len(names) >= least),
        key=lambda kv: (-len(kv[1]), -kv[0][1].count(" "), kv[0][0], kv[0][1]),
    )
    chosen: list[Theme] = []
    for (language, term), names in ranked:
        if any(
            term in theme.term.split() and set(theme.organisations) == names for theme in chosen
        ):
            continue  # a word only ever used inside a phrase already chosen
        counts: dict[str, int] = defaultdict(int)
        for name in names:
            counts[category_of[name]] += 1
        chosen.append(
            Theme(
                term=term,
                language=language,
                organisations=tuple(sorted(names, key=str.casefold)),
                categories=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
            )
        )
        if len(chosen) == most:
            break
    return tuple(chosen)
