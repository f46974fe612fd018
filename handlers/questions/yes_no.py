"""Yes/no questions: two buttons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from config.consultation import Question, QuestionType
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
class YesNoValue(AnswerValue):
    """`{"yes": true}` or `{"yes": false}`."""

    key: ClassVar[str] = "yes"
    yes: bool

    def to_json(self) -> dict[str, Any]:
        return {"yes": self.yes}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(bool(data["yes"])) if "yes" in data else None


class YesNoKind(QuestionKind[YesNoValue]):
    """`type: yes_no`."""

    type = QuestionType.YES_NO
    value_type = YesNoValue
    field = FieldKind.ONE
    counted = True

    def hint(self, question: Question, t: Translator, options: EngineOptions) -> str:
        return t._("Choose one answer.")

    def buttons(
        self, question: Question, question_id: int, t: Translator, selection: Sequence[str]
    ) -> list[list[Button]]:
        return [
            [
                Button(t._("Yes"), Answer(question_id, "yes").payload()),
                Button(t._("No"), Answer(question_id, "no").payload()),
            ]
        ]

    def from_button(self, question: Question, value: str) -> Accepted | None:
        if value in {"yes", "no"}:
            return Accepted(YesNoValue(value == "yes"), value)
        return None

    def display(self, question: Question, value: YesNoValue, t: Translator) -> str:
        return t._("Yes") if value.yes else t._("No")

    def form_field(
        self, question: Question, value: YesNoValue | None, t: Translator, options: EngineOptions
    ) -> FormField:
        return FormField(
            choices=(FormChoice("yes", t._("Yes")), FormChoice("no", t._("No"))),
            current=None if value is None else "yes" if value.yes else "no",
        )

    def tally(
        self, question: Question, values: Sequence[tuple[AnswerValue, int]]
    ) -> tuple[tuple[str, int], ...]:
        counter = self.counts(values, lambda value: value.yes)
        return (("Yes", counter[True]), ("No", counter[False]))

    def label(self, question: Question, text: str) -> str:
        return {"yes": "Yes", "no": "No"}.get(text, text)

    def sample(self, question: Question, draw: Draw) -> Accepted | None:
        if not question.required and draw.index % 3 == 0:
            return None
        return self.from_button(question, draw.rng.choice(["yes", "yes", "no"]))
