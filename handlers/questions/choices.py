"""What single- and multi-choice questions share: their `choices` key, its checks, their
labels and how the digest counts them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from config.consultation import Question
from config.questions import FieldProblem, QuestionSchema, TypeField
from handlers.i18n import Translator
from handlers.questions.base import AnswerValue, FormChoice


class ChosenValue(AnswerValue):
    """An answer that is a set of the question's choices (one or several)."""

    @property
    def chosen(self) -> tuple[str, ...]:
        """The ids of the chosen options."""
        raise NotImplementedError


def _choices(question: Question) -> list[FieldProblem]:
    problems = []
    if len(question.choices) < 2:
        problems.append(
            FieldProblem(
                "choices",
                f"a {question.type.value} question needs at least two choices",
                "list the choices, each with an id and a label",
            )
        )
    ids = [c.id for c in question.choices]
    if len(set(ids)) != len(ids):
        problems.append(
            FieldProblem("choices", "two choices share an id", "give each choice its own id")
        )
    return problems


SCHEMA = QuestionSchema(fields=(TypeField("choices", fix="remove them"),), check=_choices)
"""The schema of both choice types: at least two choices, each with its own id."""


def labels(question: Question, t: Translator) -> dict[str, str]:
    """Each choice's label in the participant's language, by id."""
    return {c.id: c.label.get(t.language) for c in question.choices}


def form_choices(question: Question, t: Translator) -> tuple[FormChoice, ...]:
    """The question's choices as form options."""
    return tuple(FormChoice(c.id, c.label.get(t.language)) for c in question.choices)


def count(
    question: Question, values: Sequence[tuple[AnswerValue, int]]
) -> tuple[tuple[str, int], ...]:
    """How many answers chose each option, in the order the file lists them.

    Single and multiple answers are both counted, so a question changed from one type to
    the other in its file keeps the answers given before.
    """
    counter: Counter[str] = Counter()
    for value, n in values:
        if isinstance(value, ChosenValue):
            for choice_id in value.chosen:
                counter[choice_id] += n
    return tuple((choice.label.en, counter[choice.id]) for choice in question.choices)
