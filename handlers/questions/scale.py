"""Scale questions: a whole number from `scale_min` to `scale_max`, by button."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from config.consultation import Question, QuestionType
from config.questions import FieldProblem, QuestionSchema, TypeField
from handlers.conversation import EngineOptions, payload
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
        return t._(
            "Choose a number from {low} to {high}.",
            low=question.scale_min,
            high=question.scale_max,
        )

    def buttons(
        self, question: Question, question_id: int, t: Translator, selection: Sequence[str]
    ) -> list[list[Button]]:
        return [[Button(str(n), payload("ans", question_id, n)) for n in _points(question)]]

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
            choices=tuple(FormChoice(str(n), str(n)) for n in _points(question)),
            current=str(value.scale) if value else None,
        )

    def tally(
        self, question: Question, values: Sequence[tuple[AnswerValue, int]]
    ) -> tuple[tuple[str, int], ...]:
        counter = self.counts(values, lambda value: value.scale)
        return tuple((str(point), counter[point]) for point in _points(question))

    def sample(self, question: Question, draw: Draw) -> Accepted | None:
        return self.from_button(
            question, str(draw.rng.randint(question.scale_min, question.scale_max))
        )
