"""The six catalogues: complete, compiled, with each language's plural forms and commands."""

from __future__ import annotations

import gettext
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from config.consultation import LANGUAGES
from handlers.i18n import LOCALE_DIR, translator

ROOT = Path(__file__).resolve().parents[2]
COMMAND = re.compile(r"(?<![\w/])/[a-z_]+")

PLURAL_FORMS = {"en": 2, "fr": 3, "es": 3, "ru": 3, "zh": 1, "ar": 6}
"""How many plural forms each language has (CLDR, as Babel writes the Plural-Forms header).

French and Spanish have a third form for exact millions ("1 000 000 de questions").
"""

PLURAL_INDEX = {
    "en": {0: 1, 1: 0, 2: 1, 5: 1, 21: 1},
    "fr": {0: 0, 1: 0, 2: 2, 5: 2, 1_000_000: 1},
    "es": {0: 2, 1: 0, 2: 2, 5: 2, 1_000_000: 1},
    "ru": {0: 2, 1: 0, 2: 1, 4: 1, 5: 2, 11: 2, 12: 2, 21: 0, 22: 1, 25: 2, 111: 2},
    "zh": {0: 0, 1: 0, 2: 0, 100: 0},
    "ar": {0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 11: 4, 99: 4, 100: 5, 102: 5, 103: 3},
}
"""Which plural form a count takes in each language."""

OWN_LANGUAGE = {
    "en": "I will write in English from now on.",
    "fr": "Je vous écrirai désormais en français.",
    "es": "A partir de ahora le escribiré en español.",
    "ru": "Теперь я буду писать вам на русском языке.",
    "zh": "从现在起，我将用中文与您交流。",
    "ar": "سأكتب إليكم باللغة العربية من الآن فصاعداً.",
}


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def test_there_is_a_catalogue_for_each_of_the_six_languages() -> None:
    found = {path.parent.parent.name for path in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")}
    compiled = {path.parent.parent.name for path in LOCALE_DIR.glob("*/LC_MESSAGES/messages.mo")}
    assert (found, compiled) == (set(LANGUAGES), set(LANGUAGES))


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_header_and_entries(language: str) -> None:
    catalog = read(language)
    assert catalog.num_plurals == PLURAL_FORMS[language]
    plurals = [m for m in catalog if m.id and not isinstance(m.id, str)]
    assert plurals, "the catalogue has no plural message to check"
    for message in plurals:
        assert len(message.string) == PLURAL_FORMS[language], message.id
        assert all(message.string), f"{language}: a plural form of {message.id!r} is empty"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_plural_rule_picks_the_right_form(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    choose = compiled.plural
    assert {n: choose(n) for n in PLURAL_INDEX[language]} == PLURAL_INDEX[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(language: str) -> None:
    """A `.po` edited without `make i18n` leaves a stale `.mo`: the bot would not say it."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for message in read(language):
        if not message.id:
            continue
        if isinstance(message.id, str):
            if compiled.gettext(message.id) != message.string:
                stale.append(message.id)
        else:
            for n, index in PLURAL_INDEX[language].items():
                if compiled.ngettext(*message.id[:2], n) != message.string[index]:
                    stale.append(message.id[0])
    assert stale == [], "run `make i18n`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_entry_is_fuzzy(language: str) -> None:
    fuzzy = [m.id for m in read(language) if m.id and m.fuzzy]
    assert fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_command_names_are_kept(language: str) -> None:
    changed = []
    for message in read(language):
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set().union(*(COMMAND.findall(i) for i in ids))
        for text in strings:
            if set(COMMAND.findall(text)) != wanted:
                changed.append((message.id, text))
    assert changed == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalogue_names_its_own_language(language: str) -> None:
    t = translator(language)
    assert t._("I will write in English from now on.") == OWN_LANGUAGE[language]


def test_french_uses_no_break_spaces_before_high_punctuation() -> None:
    loose = [
        m.id
        for m in read("fr")
        for text in ([m.string] if isinstance(m.string, str) else m.string)
        if m.id and re.search(r" [:;?!»]|« ", text)
    ]
    assert loose == []


def test_compiled_catalogues_are_package_data() -> None:
    """An installed package (not only a checkout) must carry every catalogue."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["handlers"]
    files = [
        path.relative_to(ROOT / "handlers").as_posix()
        for path in LOCALE_DIR.rglob("*")
        if path.suffix in {".po", ".mo", ".pot"}
    ]
    assert len(files) == 2 * len(LANGUAGES) + 1
    assert [f for f in files if not any(fnmatch(f, p) for p in patterns)] == []
