"""What number and date questions share: `min` and `max`, each of the type's own kind."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar

from config.consultation import Question
from config.questions import FieldProblem, TypeField

B = TypeVar("B", Decimal, date)

FIELDS = (TypeField("min"), TypeField("max"))
"""The keys: both optional."""


def bounds(question: Question, kind: type[B]) -> tuple[B | None, B | None]:
    """The question's `min` and `max` when they are of `kind` (else None)."""
    low, high = question.min, question.max
    return (low if isinstance(low, kind) else None, high if isinstance(high, kind) else None)


def problems(
    question: Question, kind: type[B], *, wrong: tuple[str, str], reversed_: FieldProblem
) -> list[FieldProblem]:
    """A bound of another kind (`wrong`: the message, with `{name}`, and its fix), and a
    `max` below the `min` (`reversed_`)."""
    message, fix = wrong
    found = [
        FieldProblem(name, message.format(name=name), fix)
        for name, bound in (("min", question.min), ("max", question.max))
        if bound is not None and not isinstance(bound, kind)
    ]
    low, high = bounds(question, kind)
    if low is not None and high is not None and high < low:
        found.append(reversed_)
    return found


def within(value: B, low: B | None, high: B | None) -> bool:
    """Whether `value` is in the range, where a missing bound leaves it open."""
    return (low is None or value >= low) and (high is None or value <= high)
