"""Date questions: a calendar date typed as year-month-day or day/month/year, optionally
from `min` to `max`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, Self

from config.consultation import Question, QuestionType
from config.questions import FieldProblem, QuestionSchema
from handlers.conversation import EngineOptions
from handlers.i18n import Translator, translator
from handlers.questions import bounds
from handlers.questions.base import (
    Accepted,
    AnswerValue,
    Draw,
    FieldKind,
    FormField,
    QuestionKind,
    Rejected,
)

_YEAR_FIRST = re.compile(r"(\d{4})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})\s*([/.])\s*(\d{1,2})\s*\2\s*(\d{4})")
"""15/03/2027, and 15.03.2027 as it is written in Russian."""
EXAMPLE = date(2027, 3, 15)
"""The date the hint shows in both forms; its day is above 12, so neither reads as the other."""
_SAMPLE_SPAN = (date(2000, 1, 1), date(2026, 12, 31))


def parse(text: str) -> date | None:
    """A date as a person types it (ISO or day first, in any script's digits), or None."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if found := _YEAR_FIRST.fullmatch(cleaned):
        year, month, day = found.groups()
    elif found := _DAY_FIRST.fullmatch(cleaned):
        day, _, month, year = found.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # 31/02/2027
        return None


@dataclass(frozen=True)
class DateValue(AnswerValue):
    """`{"date": "2027-03-15"}`."""

    key: ClassVar[str] = "date"
    day: date

    def to_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self | None:
        try:
            return cls(date.fromisoformat(str(data["date"]))) if "date" in data else None
        except ValueError:
            return None


def _check(question: Question) -> list[FieldProblem]:
    return bounds.problems(
        question,
        date,
        wrong=("a date question's {name} must be a date", "write a date such as 2027-01-31"),
        reversed_=FieldProblem("max", "max is before min", "make max on or after min"),
    )


def _day(day: date, t: Translator) -> str:
    return t.day(datetime.combine(day, time(12), UTC), UTC)


def _range(question: Question, t: Translator) -> str:
    """The range a date must be in, in a sentence; empty when it may be any."""
    low, high = bounds.bounds(question, date)
    if low is not None and high is not None:
        return t._("The date must be from {low} to {high}.", low=_day(low, t), high=_day(high, t))
    if low is not None:
        return t._("The date must be on or after {low}.", low=_day(low, t))
    if high is not None:
        return t._("The date must be on or before {high}.", high=_day(high, t))
    return ""


def _how(t: Translator) -> str:
    return t._(
        "Type a date as year-month-day or day/month/year, for example {iso} or {dmy}.",
        iso=EXAMPLE.isoformat(),
        dmy=EXAMPLE.strftime("%d/%m/%Y"),
    )


class DateKind(QuestionKind[DateValue]):
    """`type: date`, with optional `min` and `max` dates."""

    type = QuestionType.DATE
    value_type = DateValue
    schema = QuestionSchema(fields=bounds.FIELDS, check=_check)
    field = FieldKind.DATE
    counted = True

    def hint(self, question: Question, t: Translator, options: EngineOptions) -> str:
        return " ".join(part for part in (_how(t), _range(question, t)) if part)

    def from_text(
        self, question: Question, text: str, t: Translator, options: EngineOptions
    ) -> Accepted | Rejected:
        day = parse(text)
        if day is None:
            return Rejected(t._("I could not read that as a date.") + " " + _how(t))
        if not bounds.within(day, *bounds.bounds(question, date)):
            return Rejected(_range(question, t))
        return Accepted(DateValue(day), day.isoformat())

    def display(self, question: Question, value: DateValue, t: Translator) -> str:
        return _day(value.day, t)

    def form_field(
        self, question: Question, value: DateValue | None, t: Translator, options: EngineOptions
    ) -> FormField:
        low, high = bounds.bounds(question, date)
        return FormField(
            current=value.day.isoformat() if value else None,
            minimum=low.isoformat() if low else None,
            maximum=high.isoformat() if high else None,
        )

    def tally(
        self, question: Question, values: Sequence[tuple[AnswerValue, int]]
    ) -> tuple[tuple[str, int], ...]:
        counter = self.counts(values, lambda value: value.day)
        english = translator("en")
        return tuple((_day(day, english), counter[day]) for day in sorted(counter))

    def sample(self, question: Question, draw: Draw) -> Accepted | None:
        low, high = bounds.bounds(question, date)
        low = low or min(_SAMPLE_SPAN[0], high or _SAMPLE_SPAN[0])
        high = high or max(_SAMPLE_SPAN[1], low)
        day = low + timedelta(days=draw.rng.randint(0, (high - low).days))
        return Accepted(DateValue(day), day.isoformat())
