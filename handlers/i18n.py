"""The message catalogue: every sentence the bot says goes through a Translator."""

from __future__ import annotations

import gettext
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_datetime

from config.consultation import LANGUAGES

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


def negotiate(locale: str | None, default: str = "en") -> str:
    """The supported language closest to a platform locale such as `fr-CA` or `zh_Hans`."""
    if not locale:
        return default
    base = locale.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else default


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
        """The message translated, with `{placeholders}` filled."""
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def n_(self, singular: str, plural: str, count: int, **values: Any) -> str:
        """The plural form of the message right for `count` in this language."""
        text = self._translations.ngettext(singular, plural, count)
        return text.format(count=count, **values)

    def isolate(self, text: str) -> str:
        """Wrap user or mixed-direction text so it cannot garble the sentence around it."""
        return f"{FSI}{text}{PDI}" if self.rtl else text

    def when(self, moment: datetime, zone: tzinfo) -> str:
        """A date and time in this language's usual form, in `zone`."""
        return format_datetime(moment.astimezone(zone), "d MMMM y, HH:mm", locale=self.language)

    def day(self, moment: datetime, zone: tzinfo) -> str:
        """A date in this language's usual form, in `zone`."""
        return format_datetime(moment.astimezone(zone), "d MMMM y", locale=self.language)

    def country(self, code: str) -> str:
        """A country's name in this language, from its ISO 3166 code."""
        return str(Locale.parse(self.language).territories.get(code.upper(), code.upper()))


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
