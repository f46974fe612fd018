"""Number questions: a whole or decimal number, from `min` to `max`, counted in a `unit`."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Self

from babel.numbers import format_decimal

from config.consultation import Question, QuestionType
from config.questions import FieldProblem, QuestionSchema, TypeField
from handlers.conversation import EngineOptions
from handlers.i18n import Translator
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

_LEFT_OUT = re.compile(r"[\s'’٬]")
"""What people put between groups of digits: spaces of every width, apostrophes, the Arabic
thousands separator. Never part of a number."""
_WHOLE = re.compile(r"\d+")
_ONE_MARK = re.compile(r"(\d*)[.,](\d*)")
_GROUPED = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*(?:(?!\1)([.,])\d+)?")
"""1,234,567.89 or 1.234.567,89: groups of three, then the decimals after the other mark."""


def canonical(number: Decimal) -> str:
    """A number as stored and exported: digits, a point, no exponent, no trailing zeros."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _places(number: Decimal) -> int:
    return len(canonical(number).partition(".")[2])


def _digits(text: str, decimals: int) -> str | None:
    """What a person typed as digits and a point ("1200,5" → "1200.5"), or None."""
    if _WHOLE.fullmatch(text):
        return text
    if one := _ONE_MARK.fullmatch(text):
        whole, fraction = one.groups()
        if not (whole or fraction):
            return None
        if len(fraction) == 3 and 0 < len(whole) <= 3 and whole[0] != "0" and decimals < 3:
            return whole + fraction  # "4,000" or "4.000": thousands, not four
        return f"{whole or 0}.{fraction or 0}"
    if grouped := _GROUPED.fullmatch(text):
        group, point = grouped.groups()
        return text.replace(group, "").replace(point or ".", ".")
    return None


def parse(text: str, decimals: int) -> Decimal | None:
    """A number as a person types it: grouped with spaces, commas or points, a decimal comma
    or point, in any script's digits (full-width ones too); None when it is not one.

    A single comma or point before exactly three digits groups thousands ("4,000", "4.000")
    unless the question takes three decimals or more.
    """
    cleaned = _LEFT_OUT.sub("", unicodedata.normalize("NFKC", text))
    cleaned = cleaned.replace("٫", ".").replace("−", "-")
    sign = ""
    if cleaned[:1] in ("+", "-"):
        sign, cleaned = cleaned[0].replace("+", ""), cleaned[1:]
    digits = _digits(cleaned, decimals)
    if digits is None:
        return None
    try:
        return Decimal(sign + digits)
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class NumberValue(AnswerValue):
    """`{"number": "1200.5"}`: the number as exact text, never a float."""

    key: ClassVar[str] = "number"
    number: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"number": canonical(self.number)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self | None:
        try:
            number = Decimal(str(data["number"])) if "number" in data else None
        except InvalidOperation:
            return None
        return cls(number) if number is not None and number.is_finite() else None


def _check(question: Question) -> list[FieldProblem]:
    return bounds.problems(
        question,
        Decimal,
        wrong=("a number question's {name} must be a number", "write a number such as 0"),
        reversed_=FieldProblem("max", "max is less than min", "make max at least min"),
    )


def _number(number: Decimal, language: str) -> str:
    return str(format_decimal(number, locale=language, decimal_quantization=False))


def _with_unit(question: Question, number: Decimal, language: str) -> str:
    unit = question.unit.get(language) if question.unit else ""
    return f"{_number(number, language)} {unit}" if unit else _number(number, language)


def _range(question: Question, t: Translator) -> str:
    """The range a number must be in, in a sentence; empty when it may be any."""
    low, high = bounds.bounds(question, Decimal)
    if low is not None and high is not None:
        return t._(
            "The number must be from {low} to {high}.",
            low=_number(low, t.language),
            high=_number(high, t.language),
        )
    if low is not None:
        return t._("The number must be at least {low}.", low=_number(low, t.language))
    if high is not None:
        return t._("The number must be at most {high}.", high=_number(high, t.language))
    return ""


class NumberKind(QuestionKind[NumberValue]):
    """`type: number`, with optional `min`, `max`, `unit` and `decimals` (0: whole numbers)."""

    type = QuestionType.NUMBER
    value_type = NumberValue
    schema = QuestionSchema(
        fields=(*bounds.FIELDS, TypeField("unit"), TypeField("decimals")),
        check=_check,
    )
    field = FieldKind.NUMBER
    counted = True

    def hint(self, question: Question, t: Translator, options: EngineOptions) -> str:
        decimals = question.decimals or 0
        how = (
            t.n_(
                "Type a number with at most {count} decimal place.",
                "Type a number with at most {count} decimal places.",
                decimals,
            )
            if decimals
            else t._("Type a whole number.")
        )
        unit = t._("Unit: {unit}.", unit=question.unit.get(t.language)) if question.unit else ""
        return " ".join(part for part in (how, _range(question, t), unit) if part)

    def from_text(
        self, question: Question, text: str, t: Translator, options: EngineOptions
    ) -> Accepted | Rejected:
        decimals = question.decimals or 0
        number = parse(text, decimals)
        if number is None:
            example = _number(Decimal("12.5") if decimals else Decimal(12), t.language)
            return Rejected(
                t._(
                    "That is not a number. Please type digits, for example {example}.",
                    example=example,
                )
            )
        if _places(number) > decimals:
            return Rejected(
                t.n_(
                    "Please use at most {count} decimal place.",
                    "Please use at most {count} decimal places.",
                    decimals,
                )
                if decimals
                else t._("Please type a whole number, without decimals.")
            )
        if not bounds.within(number, *bounds.bounds(question, Decimal)):
            return Rejected(_range(question, t))
        return Accepted(NumberValue(number), canonical(number))

    def display(self, question: Question, value: NumberValue, t: Translator) -> str:
        return _with_unit(question, value.number, t.language)

    def form_field(
        self, question: Question, value: NumberValue | None, t: Translator, options: EngineOptions
    ) -> FormField:
        low, high = bounds.bounds(question, Decimal)
        return FormField(
            current=canonical(value.number) if value else None,
            minimum=canonical(low) if low is not None else None,
            maximum=canonical(high) if high is not None else None,
            decimals=question.decimals or 0,
        )

    def tally(
        self, question: Question, values: Sequence[tuple[AnswerValue, int]]
    ) -> tuple[tuple[str, int], ...]:
        counter = self.counts(values, lambda value: value.number)
        return tuple(
            (_with_unit(question, number, "en"), counter[number]) for number in sorted(counter)
        )

    def sample(self, question: Question, draw: Draw) -> Accepted | None:
        low, high = bounds.bounds(question, Decimal)
        low = low if low is not None else Decimal(0)
        high = high if high is not None else low + 100
        scale = 10 ** (question.decimals or 0)
        first, last = math.ceil(low * scale), math.floor(high * scale)
        if first > last:
            return None
        number = Decimal(draw.rng.randint(first, last)) / scale
        return Accepted(NumberValue(number), canonical(number))
