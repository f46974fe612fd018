"""A consultation's digest settings: when the weekly and final digests go out, where they
are delivered, and the marking on every page."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from config.localized import Localized, Text


class Weekday(StrEnum):
    """Days of the week for the weekly digest."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


class WeeklyDigest(BaseModel):
    """When the weekly digest goes out, in the consultation's time zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekday: Weekday = Weekday.MONDAY
    hour: int = Field(default=9, ge=0, le=23)


class DestinationKind(StrEnum):
    """Where a digest can be delivered."""

    SLACK = "slack"
    TELEGRAM = "telegram"
    EMAIL = "email"
    DIRECTORY = "directory"


class Destination(BaseModel):
    """One digest destination: a Slack channel, a Telegram group, an address, a folder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: DestinationKind
    target: str = Field(min_length=1)
    formats: list[str] = Field(default_factory=lambda: ["docx", "xlsx"])


DEFAULT_MARKING = "Internal — not for publication"
"""What every page of a digest says it is when the consultation does not say otherwise."""
MARKING_MAX_CHARS = 120
"""The longest marking: one line of a page header."""


class DigestSettings(BaseModel):
    """The secretariat's digests for one consultation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekly: WeeklyDigest | None = Field(default_factory=WeeklyDigest)
    final_days_before: int = Field(default=2, ge=0, le=60)
    destinations: list[Destination] = Field(default_factory=list)
    marking: Text | None = None
    """The header of every page of the digest (the DOCX header, the top of the HTML and of
    the Markdown, the printed HTML's page header); `DEFAULT_MARKING` when not given."""

    @field_validator("marking")
    @classmethod
    def _one_header_line(cls, value: Localized | None) -> Localized | None:
        if value is None:
            return None
        for language, text in value.as_dict().items():
            if not text.strip() or "\n" in text or "\r" in text:
                raise ValueError(f"the marking in {language!r} must be one line of text")
            if len(text) > MARKING_MAX_CHARS:
                raise ValueError(
                    f"the marking in {language!r} has {len(text)} characters; "
                    f"a page header holds at most {MARKING_MAX_CHARS}"
                )
        return value
