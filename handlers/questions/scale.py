"""Scale questions: a whole number from `scale_min` to `scale_max`, by button."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from config.consultation import Question, QuestionType
from config.questions import FieldProblem, QuestionSchema, TypeField
from handlers.actions import Answer
from handlers.conversation import EngineOptions
from handlers.events import Button
from handlers.i18n import Translator
from handlers.questions.base import (
    Accepted,
    AnswerValue,
    Draw,
    FieldKind,
    FormChoice,
    FormField,
    QuestionKind,
)


@dataclass(frozen=True)
class ScaleValue(AnswerValue):
    """The point chosen on the scale: `{"scale": n}`."""

    key: ClassVar[str] = "scale"
    scale: int

    def to_json(self) -> dict[str, Any]:
        return {"scale": self.scale}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self | None:
        point = data.get("scale")
        return cls(point) if isinstance(point, int) and not isinstance(point, bool) else None


def _steps(question: Question) -> list[FieldProblem]:
    if question.scale_min < question.scale_max <= question.scale_min + 10:
        return []
    return [
        FieldProblem(
            "scale_max",
            "the scale must go up from scale_min by 1 to 10 steps",
            "use for example scale_min: 1 and scale_max: 5",
        )
    ]


_POINT = re.compile(r"-?[0-9]{1,4}")
"""A point as a button sends it; anything else is forged."""


def _points(question: Question) -> range:
    return range(question.scale_min, question.scale_max + 1)


def anchors(question: Question, language: str) -> tuple[str, str]:
    """What the lowest and highest points mean, in `language` ('' where none is given)."""
    low, high = question.scale_min_label, question.scale_max_label
    return (low.get(language) if low else "", high.get(language) if high else "")


def point_label(
    question: Question, point: int, language: str = "en", *, option: bool = False
) -> str:
    """A point with its anchor when it has one: '1 (Not at all)'; as a form's option,
    '1 — Not at all'."""
    low, high = anchors(question, language)
    anchor = low if point == question.scale_min else high if point == question.scale_max else ""
    if not anchor:
        return str(point)
    return f"{point} — {anchor}" if option else f"{point} ({anchor})"


class ScaleKind(QuestionKind[ScaleValue]):
    """`type: scale`, with `scale_min`, `scale_max` and their optional labels."""

    type = QuestionType.SCALE
    value_type = ScaleValue
    schema = QuestionSchema(
        fields=tuple(
            TypeField(name)
            for name in ("scale_min", "scale_max", "scale_min_label", "scale_max_label")
        ),
        check=_steps,
    )
    field = FieldKind.ONE
    counted = True

    def hint(self, question: Question, t: Translator, options: EngineOptions) -> str:
        low, high = anchors(question, t.language)
        if low or high:
            # The anchors give the numbers their meaning: said once, just above the buttons.
            return t._(
                "Choose a number from {low} ({low_label}) to {high} ({high_label}).",
                low=question.scale_min,
                high=question.scale_max,
                low_label=low or str(question.scale_min),
                high_label=high or str(question.scale_max),
            )
        return t._(
            "Choose a number from {low} to {high}.",
            low=question.scale_min,
            high=question.scale_max,
        )

    def buttons(
        self, question: Question, question_id: int, t: Translator, selection: Sequence[str]
    ) -> list[list[Button]]:
        return [[Button(str(n), Answer(question_id, str(n)).payload()) for n in _points(question)]]

    def from_button(self, question: Question, value: str) -> Accepted | None:
        if _POINT.fullmatch(value) and int(value) in _points(question):
            return Accepted(ScaleValue(int(value)), value)
        return None

    def display(self, question: Question, value: ScaleValue, t: Translator) -> str:
        return t._("{value} of {high}", value=value.scale, high=question.scale_max)

    def form_field(
        self, question: Question, value: ScaleValue | None, t: Translator, options: EngineOptions
    ) -> FormField:
        return FormField(
            choices=tuple(
                FormChoice(str(n), point_label(question, n, t.language, option=True))
                for n in _points(question)
            ),
            current=str(value.scale) if value else None,
        )

    def tally(
        self, question: Question, values: Sequence[tuple[AnswerValue, int]]
    ) -> tuple[tuple[str, int], ...]:
        counter = self.counts(values, lambda value: value.scale)
        return tuple((point_label(question, p), counter[p]) for p in _points(question))

    def summary(self, question: Question, values: Sequence[tuple[AnswerValue, int]]) -> str:
        counter = self.counts(values, lambda value: value.scale)
        total = sum(counter.values())
        if not total:
            return ""
        ordered = [point for point in _points(question) for _ in range(counter[point])]
        middle = (ordered[(total - 1) // 2] + ordered[total // 2]) / 2
        median = f"{middle:g}"
        low = point_label(question, question.scale_min)
        high = point_label(question, question.scale_max)
        answers = "1 answer" if total == 1 else f"{total:,} answers"
        return f"Median {median} on the scale from {low} to {high}; {answers}."

    def label(self, question: Question, text: str) -> str:
        if _POINT.fullmatch(text) and int(text) in _points(question):
            return point_label(question, int(text))
        return text

    def sample(self, question: Question, draw: Draw) -> Accepted | None:
        return self.from_button(
            question, str(draw.rng.randint(question.scale_min, question.scale_max))
        )
