"""The message catalogue: every sentence the bot says goes through a Translator."""

from __future__ import annotations

import gettext
import re
import unicodedata
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_datetime, get_timezone_location
from babel.numbers import format_decimal

from config.consultation import LANGUAGES
from handlers.text import contained

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
RTL_LANGUAGES = frozenset({"ar"})
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ru": "Русский",
    "zh": "中文",
    "ar": "العربية",
}
"""Each language named in itself, as a language picker shows it."""

FSI, PDI = "\u2068", "\u2069"
_ISOLATE_OPENERS = "\u2066\u2067\u2068"  # LRI, RLI, FSI

_COMMAND = re.compile(r"(?<=[^\w/\n])/[A-Za-z_]+(?:@\w+)?(?: [A-Za-z0-9_]+)*")
"""A slash command and its Latin arguments inside a sentence (/help, /reminders off).

One that starts a line is left alone: the line is then left-to-right anyway, and the
participant may copy it as it is ("/link CODE").
"""

_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?")
"""One Latin word, code or reference (Kennis, WGIC-18-2027-2-F9KTLG, Europe/Vienna).

The bidirectional algorithm keeps such a token in one piece inside Arabic text; a phrase
with spaces or brackets ("Nyman Gibson Miralis (NGM)") is what garbles without an isolate.
Leaving tokens bare keeps references and codes clean to copy.
"""

_DATE_PATTERNS = {
    "en": "d MMMM y",
    "fr": "d MMMM y",
    "es": "d 'de' MMMM 'de' y",
    "ru": "d MMMM y 'года'",
    "zh": "y'年'M'月'd'日'",
    "ar": "d MMMM y",
}
"""Each language's date as the United Nations writes it in running text (31 May 2027)."""

_TIME_PATTERNS = {"zh": " HH:mm", "ar": "، HH:mm"}
"""How the time follows the date; ", HH:mm" unless given."""

UN_ARABIC_MONTHS = (
    "كانون الثاني/يناير",
    "شباط/فبراير",
    "آذار/مارس",
    "نيسان/أبريل",
    "أيار/مايو",
    "حزيران/يونيه",
    "تموز/يوليه",
    "آب/أغسطس",
    "أيلول/سبتمبر",
    "تشرين الأول/أكتوبر",
    "تشرين الثاني/نوفمبر",
    "كانون الأول/ديسمبر",
)
"""Month names as United Nations Arabic documents give them: Levantine and Egyptian together.

CLDR (and so Babel) offers one or the other; the double form is read everywhere.
"""


def negotiate(locale: str | None, default: str = "en") -> str:
    """The supported language closest to a platform locale such as `fr-CA` or `zh_Hans`."""
    if not locale:
        return default
    base = locale.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else default


def has_rtl(text: str) -> bool:
    """True when `text` holds a right-to-left letter (Arabic, Hebrew...)."""
    return "R" in _strong(text)


def _strong(text: str) -> set[str]:
    """The directions ("L", "R") of the strong letters of `text` outside its isolates."""
    found: set[str] = set()
    depth = 0
    for ch in text:
        if ch in _ISOLATE_OPENERS:
            depth += 1
        elif ch == PDI:
            depth = max(0, depth - 1)
        elif depth == 0:
            kind = unicodedata.bidirectional(ch)
            if kind == "L":
                found.add("L")
            elif kind in ("R", "AL"):
                found.add("R")
    return found


def _is_isolated(text: str) -> bool:
    """True when the whole of `text` is one isolate: FSI ... its matching PDI."""
    if not (text.startswith(FSI) and text.endswith(PDI)):
        return False
    depth = 0
    for index, ch in enumerate(text):
        if ch in _ISOLATE_OPENERS:
            depth += 1
        elif ch == PDI:
            depth -= 1
            if depth == 0:
                return index == len(text) - 1
    return False


class Translator:
    """Translations for one language, with formatting that fits it."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._translations = _load(language)

    @property
    def rtl(self) -> bool:
        """True for right-to-left languages."""
        return self.language in RTL_LANGUAGES

    def _(self, message: str, **values: Any) -> str:
        """The message translated, with `{placeholders}` filled.

        Text values are isolated where direction could mix (see `embed`), so a
        translator never has to think about it and no call site can forget it.
        """
        text = self._commands(self._translations.gettext(message))
        return text.format(**self._embedded(values)) if values else text

    def n_(self, singular: str, plural: str, count: int, **values: Any) -> str:
        """The plural form of the message right for `count` in this language."""
        text = self._commands(self._translations.ngettext(singular, plural, count))
        return text.format(count=count, **self._embedded(values))

    def _commands(self, text: str) -> str:
        # In a right-to-left sentence "/help" would be shown as "help/": isolate commands.
        return _COMMAND.sub(lambda found: self.isolate(found.group()), text) if self.rtl else text

    def _embedded(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: self.embed(v) if isinstance(v, str) else v for k, v in values.items()}

    def embed(self, value: str) -> str:
        """A value ready to sit inside a sentence of this language.

        A value holding letters of the other direction is isolated: a Latin phrase in
        Arabic, Arabic in any other language. Others are left alone: an Arabic date or
        title in an Arabic sentence lays out by itself, a bare number stays typeable in
        a button ("Agenda item 2"), a single Latin token (a reference, a code, a time
        zone) stays in one piece and clean to copy, and a line that is a whole value
        keeps the paragraph's direction.
        """
        if contained(value) != value:
            return self.isolate(value)  # direction controls that would reach beyond it
        strong = _strong(value)
        if self.rtl:
            return value if "L" not in strong or _TOKEN.fullmatch(value) else self.isolate(value)
        return self.isolate(value) if "R" in strong else value

    def isolate(self, text: str) -> str:
        """Wrap user or mixed-direction text so it cannot garble the sentence around it.

        Unicode first-strong isolates (FSI ... PDI) lay the text out in its own
        direction and keep it from reordering its neighbours; Telegram and Slack
        clients both honour them. Text that is already one isolate is left alone.
        Direction controls inside the text are balanced first (`handlers.text.contained`):
        an override a participant typed ("\u202eOrg evil gpj.exe") is closed at the end of
        its line and isolated, so it cannot reorder the sentence around it.
        """
        if not text:
            return text
        balanced = contained(text)
        if balanced != text:
            return f"{FSI}{balanced}{PDI}"
        if _is_isolated(text) or not (self.rtl or has_rtl(text)):
            return text
        return f"{FSI}{text}{PDI}"

    def number(self, value: int | float) -> str:
        """A number with this language's digits and grouping (4,000 · 4 000 · 4.000)."""
        return format_decimal(value, locale=self.language)

    def when(self, moment: datetime, zone: tzinfo) -> str:
        """A date and time in this language's usual form, in `zone` (31 mai 2027, 23:59)."""
        local = moment.astimezone(zone)
        pattern = self._date_pattern(local) + _TIME_PATTERNS.get(self.language, ", HH:mm")
        return format_datetime(local, pattern, locale=self.language)

    def received(self, moment: datetime, zone: tzinfo) -> str:
        """A moment as a receipt gives it: the date, the time, and whose clock it is read on
        with its offset from UTC (2 December 2026 at 00:02 (Vienna time, UTC+1))."""
        local = moment.astimezone(zone)
        return self._(
            "{date} at {time} ({city} time, {offset})",
            date=self.day(local, zone),
            time=format_datetime(local, "HH:mm", locale=self.language),
            city=get_timezone_location(zone, locale=self.language, return_city=True),
            offset=utc_offset(local),
        )

    def day(self, moment: datetime, zone: tzinfo) -> str:
        """A date in this language's usual form, in `zone` (2027年5月31日)."""
        local = moment.astimezone(zone)
        return format_datetime(local, self._date_pattern(local), locale=self.language)

    def _date_pattern(self, local: datetime) -> str:
        pattern = _DATE_PATTERNS.get(self.language, "d MMMM y")
        if self.language == "ar":
            pattern = pattern.replace("MMMM", f"'{UN_ARABIC_MONTHS[local.month - 1]}'")
        return pattern

    def country(self, code: str) -> str:
        """A country's name in this language, from its ISO 3166 code."""
        return str(Locale.parse(self.language).territories.get(code.upper(), code.upper()))


def utc_offset(local: datetime) -> str:
    """How far a local time is from UTC, as the United Nations writes it: UTC+1, UTC-3,
    UTC+5:30, UTC."""
    offset = local.utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '-'}{hours}" + (f":{rest:02d}" if rest else "")


@cache
def _load(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


@cache
def translator(language: str) -> Translator:
    """The shared translator for a supported language."""
    return Translator(language if language in LANGUAGES else "en")


_NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "ZZ", "XA", "XB"})
"""Two-letter territory codes CLDR knows that are not countries (regions, pseudo-locales)."""


@cache
def country_codes() -> dict[str, str]:
    """Every ISO 3166 alpha-2 code Babel knows, mapped from lower-cased names in all languages."""
    names: dict[str, str] = {}
    for language in LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
                names[str(name).lower()] = code
                names[code.lower()] = code
    return names
