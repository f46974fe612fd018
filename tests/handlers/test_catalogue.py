"""Every sentence the bot says is in the message catalogue, and every catalogue is complete."""

from __future__ import annotations

import gettext
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from config.consultation import LANGUAGES
from handlers.i18n import LOCALE_DIR, negotiate, translator

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "n_": (1, 2)}


def code_messages() -> set[object]:
    """The messages of the code and the console's templates, found as `make i18n` finds
    them (babel.cfg)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: set[object] = set()
    for package in ("handlers", "bot"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / package, method_map=method_map, options_map=options_map, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


def catalogue(path: Path) -> dict[object, object]:
    with path.open("rb") as handle:
        return {
            (m.id if isinstance(m.id, str) else tuple(m.id)): m.string
            for m in read_po(handle)
            if m.id
        }


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_template_is_up_to_date_with_the_code() -> None:
    template = set(catalogue(LOCALE_DIR / "messages.pot"))
    missing, stale = code_messages() - template, template - code_messages()
    assert (missing, stale) == (set(), set()), "run `make i18n`"


def forms_for_one_count(po: Path) -> set[int]:
    """The plural forms used for a single count only, e.g. Arabic's "one" and "two"."""
    with po.open("rb") as handle:
        parsed = read_po(handle)
    plural = gettext.c2py(parsed.plural_expr)
    counts = [plural(n) for n in range(1000)]
    return {form for form in range(parsed.num_plurals) if counts.count(form) == 1}


def plural_forms(po: Path) -> int:
    with po.open("rb") as handle:
        return read_po(handle).num_plurals


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    # Every language of the bot, not only the catalogues found: a missing one fails here.
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    entries = catalogue(po)
    assert set(entries) == code_messages()
    in_words = forms_for_one_count(po)
    for msgid, msgstr in entries.items():
        ids = [msgid] if isinstance(msgid, str) else list(msgid)
        strings = [msgstr] if isinstance(msgstr, str) else list(msgstr)  # type: ignore[call-overload]
        assert all(strings), f"{po}: untranslated {msgid!r}"
        if len(ids) > 1:
            assert len(strings) == plural_forms(po), f"{po}: {msgid!r} plural forms"
        allowed = set().union(*(placeholders(i) for i in ids))
        for index, text in enumerate(strings):
            # A form for one count only may say it in words (Arabic: "one question", "two").
            spelled = len(ids) > 1 and index in in_words
            required = allowed - {"count"} if spelled else allowed
            found = placeholders(text)
            assert found <= allowed, f"{po}: {msgid!r} adds {found - allowed}"
            assert found >= required, f"{po}: {msgid!r} drops {required - found}"
    assert po.with_suffix(".mo").exists(), "compiled catalogue missing: run `make i18n`"


def test_plural_forms_follow_the_count() -> None:
    t = translator("en")
    assert t.n_("{count} question", "{count} questions", 1) == "1 question"
    assert t.n_("{count} question", "{count} questions", 3) == "3 questions"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr-CA", "fr"), ("zh_Hans", "zh"), ("pt-BR", "en"), (None, "en"), ("AR", "ar")],
)
def test_platform_locales_are_negotiated(locale: str | None, expected: str) -> None:
    assert negotiate(locale) == expected


def test_rtl_text_is_isolated() -> None:
    assert translator("ar").isolate("Kennis 2027") == "\u2068Kennis 2027\u2069"
    assert translator("en").isolate("Kennis 2027") == "Kennis 2027"
