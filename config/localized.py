"""Texts of a consultation file given in one or more of the six UN languages."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "ru", "zh", "ar")
"""The six official languages of the United Nations; English is the fallback."""


def _localized(value: Any) -> Any:
    if isinstance(value, str):
        return {"en": value}
    return value


class Localized(BaseModel):
    """A text given in one or more of the six languages; English is required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str = Field(min_length=1)
    fr: str | None = None
    es: str | None = None
    ru: str | None = None
    zh: str | None = None
    ar: str | None = None

    def get(self, language: str) -> str:
        """The text in `language`, else in English."""
        value = getattr(self, language, None) if language in LANGUAGES else None
        return value if isinstance(value, str) and value else self.en

    def missing(self) -> list[str]:
        """Languages this text is not yet given in."""
        return [lang for lang in LANGUAGES if not getattr(self, lang)]

    def as_dict(self) -> dict[str, str]:
        """Only the languages that are given."""
        return {lang: text for lang in LANGUAGES if (text := getattr(self, lang))}


Text = Annotated[Localized, BeforeValidator(_localized)]
"""A `Localized` that may be written as a plain string (English)."""
