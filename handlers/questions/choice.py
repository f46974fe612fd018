"""Single-choice questions: one of the listed options, by button."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from config.consultation import Question, QuestionType
from handlers.actions import Answer
from handlers.conversation import EngineOptions
from handlers.events import Button
from handlers.i18n import Translator
from handlers.questions import choices
from handlers.questions.base import (
    Accepted,
    AnswerValue,
    Draw,
    FieldKind,
    FormField,
    QuestionKind,
)


@dataclass(frozen=True)
class ChoiceValue(choices.ChosenValue):
    """The chosen option: `{"choice": id}`."""

    key: ClassVar[str] = "choice"
    choice: str

    @property
    def chosen(self) -> tuple[str, ...]:
        return (self.choice,)

    def to_json(self) -> dict[str, Any]:
        return {"choice": self.choice}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(str(data["choice"])) if "choice" in data else None


class ChoiceKind(QuestionKind[ChoiceValue]):
    """`type: choice`, with at least two `choices`."""

    type = QuestionType.CHOICE
    value_type = ChoiceValue
    schema = choices.SCHEMA
    field = FieldKind.ONE
    counted = True

    def hint(self, question: Question, t: Translator, options: EngineOptions) -> str:
        return t._("Choose one answer.")

    def buttons(
        self, question: Question, question_id: int, t: Translator, selection: Sequence[str]
    ) -> list[list[Button]]:
        return [
            [Button(c.label.get(t.language), Answer(question_id, c.id).payload())]
            for c in question.choices
        ]

    def from_button(self, question: Question, value: str) -> Accepted | None:
        for choice in question.choices:
            if choice.id == value:
                return Accepted(ChoiceValue(choice.id), choice.label.en)
        return None

    def display(self, question: Question, value: ChoiceValue, t: Translator) -> str:
        return choices.labels(question, t).get(value.choice, value.choice)

    def form_field(
        self, question: Question, value: ChoiceValue | None, t: Translator, options: EngineOptions
    ) -> FormField:
        return FormField(
            choices=choices.form_choices(question, t), current=value.choice if value else None
        )

    def tally(
        self, question: Question, values: Sequence[tuple[AnswerValue, int]]
    ) -> tuple[tuple[str, int], ...]:
        return choices.count(question, values)

    def sample(self, question: Question, draw: Draw) -> Accepted | None:
        return self.from_button(question, draw.rng.choice(question.choices).id)
