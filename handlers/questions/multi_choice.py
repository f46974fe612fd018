"""Multi-choice questions: any of the listed options, toggled one by one, then Done."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from config.consultation import Question, QuestionType
from handlers.actions import Done, Toggle
from handlers.conversation import EngineOptions
from handlers.events import Button, ChoiceGroup
from handlers.i18n import Translator
from handlers.questions import choices
from handlers.questions.base import (
    Accepted,
    AnswerValue,
    Draw,
    FieldKind,
    FormField,
    FormValue,
    QuestionKind,
    Rejected,
)


@dataclass(frozen=True)
class MultiChoiceValue(choices.ChosenValue):
    """The chosen options, in the order the question lists them: `{"choices": [id, ...]}`."""

    key: ClassVar[str] = "choices"
    choices: tuple[str, ...]

    @property
    def chosen(self) -> tuple[str, ...]:
        return self.choices

    def to_json(self) -> dict[str, Any]:
        return {"choices": list(self.choices)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self | None:
        chosen = data.get("choices")
        return cls(tuple(str(c) for c in chosen)) if isinstance(chosen, list) else None


class MultiChoiceKind(QuestionKind[MultiChoiceValue]):
    """`type: multi_choice`, with at least two `choices`."""

    type = QuestionType.MULTI_CHOICE
    value_type = MultiChoiceValue
    schema = choices.SCHEMA
    field = FieldKind.SEVERAL
    counted = True

    def hint(self, question: Question, t: Translator, options: EngineOptions) -> str:
        return t._("Choose all that apply, then press Done.")

    def buttons(
        self, question: Question, question_id: int, t: Translator, selection: Sequence[str]
    ) -> list[list[Button]]:
        group = self.choices(question, question_id, t, selection)
        return [*([option] for option in group.options), [group.confirm]]

    def choices(
        self, question: Question, question_id: int, t: Translator, selection: Sequence[str]
    ) -> ChoiceGroup:
        options = tuple(
            Button(
                c.label.get(t.language),
                Toggle(question_id, c.id).payload(),
                selected=c.id in selection,
            )
            for c in question.choices
        )
        return ChoiceGroup(
            str(question_id), options, Button(t._("Done"), Done(question_id).payload())
        )

    def toggles(self, question: Question) -> frozenset[str]:
        return frozenset(c.id for c in question.choices)

    def from_selection(
        self, question: Question, selection: Sequence[str], t: Translator
    ) -> Accepted | Rejected:
        chosen = [c for c in question.choices if c.id in selection]
        if not chosen:
            return Rejected(t._("Please choose at least one option, then press Done."))
        return Accepted(
            MultiChoiceValue(tuple(c.id for c in chosen)), "; ".join(c.label.en for c in chosen)
        )

    def from_form(
        self, question: Question, raw: FormValue, t: Translator, options: EngineOptions
    ) -> Accepted | Rejected:
        chosen = [raw] if isinstance(raw, str) else list(raw or [])
        if not set(chosen) <= self.toggles(question):
            return Rejected(t._("Please choose one of the options."))
        return self.from_selection(question, chosen, t)

    def display(self, question: Question, value: MultiChoiceValue, t: Translator) -> str:
        labels = choices.labels(question, t)
        return "; ".join(labels.get(c, c) for c in value.choices)

    def form_field(
        self,
        question: Question,
        value: MultiChoiceValue | None,
        t: Translator,
        options: EngineOptions,
    ) -> FormField:
        return FormField(
            choices=choices.form_choices(question, t), current=value.choices if value else None
        )

    def tally(
        self, question: Question, values: Sequence[tuple[AnswerValue, int]]
    ) -> tuple[tuple[str, int], ...]:
        return choices.count(question, values)

    def sample(self, question: Question, draw: Draw) -> Accepted | None:
        ids = [c.id for c in question.choices]
        result = self.from_selection(
            question, draw.rng.sample(ids, k=draw.rng.randint(1, 3)), draw.t
        )
        return result if isinstance(result, Accepted) else None
