"""Question types, one module each, and the registry everything else asks.

Each module under `handlers/questions/` holds one type whole: the keys it reads in a
consultation file and their checks (registered with `config.questions` below), its hint
and buttons, how text, a button, a selection or a form field becomes an answer, its typed
answer value, how a stored answer reads, its form field, the digest's tally and a sample
answer. Nothing else in handlers/ or bot/ asks what type a question is: it asks
`kind(question.type)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from config.consultation import Question, QuestionType
from config.questions import register_schema
from handlers.i18n import Translator
from handlers.language import detect_language
from handlers.questions.base import Accepted as Accepted
from handlers.questions.base import AnswerValue, QuestionKind
from handlers.questions.base import Draw as Draw
from handlers.questions.base import FieldKind as FieldKind
from handlers.questions.base import FormChoice as FormChoice
from handlers.questions.base import FormValue as FormValue
from handlers.questions.base import Rejected as Rejected
from handlers.questions.choice import ChoiceKind
from handlers.questions.date import DateKind
from handlers.questions.document import DocumentKind
from handlers.questions.multi_choice import MultiChoiceKind
from handlers.questions.number import NumberKind
from handlers.questions.scale import ScaleKind
from handlers.questions.text import TextKind
from handlers.questions.yes_no import YesNoKind
from storage.models import QuestionRow
from storage.repositories import UnitOfWork

KINDS: Mapping[QuestionType, QuestionKind[Any]] = {
    kind.type: kind
    for kind in (
        TextKind(),
        ChoiceKind(),
        MultiChoiceKind(),
        YesNoKind(),
        ScaleKind(),
        DocumentKind(),
        NumberKind(),
        DateKind(),
    )
}
"""Every question type, by the `type` a consultation file gives it."""

_BY_KEY: Mapping[str, QuestionKind[Any]] = {k.value_type.key: k for k in KINDS.values()}

for _kind in KINDS.values():
    register_schema(_kind.type, _kind.schema)


def kind(question_type: QuestionType | str) -> QuestionKind[Any]:
    """The type module of a question type (as the file or a stored row names it)."""
    return KINDS[QuestionType(question_type)]


def known(question_type: object) -> QuestionKind[Any] | None:
    """The type module of a type name from a step's context, if it names one."""
    if isinstance(question_type, str) and question_type in KINDS:
        return KINDS[QuestionType(question_type)]
    return None


def definition(row: QuestionRow) -> Question:
    """The validated definition of a stored question."""
    return Question.model_validate(row.spec)


def decode(data: Mapping[str, Any]) -> AnswerValue | None:
    """A stored answer as its typed value, told apart by its key; None if none fits."""
    for key, owner in _BY_KEY.items():
        if key in data:
            value: AnswerValue | None = owner.value_type.from_json(data)
            if value is not None:
                return value
    return None


def display(question: Question, data: Mapping[str, Any], t: Translator) -> str:
    """A stored answer as the participant reads it, in their language.

    The value's own type reads it, so an answer given before its question's type was
    changed in the file still reads as it was given.
    """
    value = decode(data)
    if value is None:
        return ""
    return _BY_KEY[value.key].display(question, value, t)


def tally(
    question: Question, values: Iterable[tuple[Mapping[str, Any], int]]
) -> tuple[tuple[str, int], ...]:
    """The digest's counts of a question from its distinct stored values and their numbers."""
    decoded = [(value, n) for data, n in values if (value := decode(data)) is not None]
    return kind(question.type).tally(question, decoded)


def summary(question: Question, values: Iterable[tuple[Mapping[str, Any], int]]) -> str:
    """The digest's line on the counts of a question (empty for most types)."""
    decoded = [(value, n) for data, n in values if (value := decode(data)) is not None]
    return kind(question.type).summary(question, decoded)


async def save_answer(
    uow: UnitOfWork,
    *,
    participant_id: int,
    question_id: int,
    result: Accepted,
    channel: str,
    now: datetime,
) -> None:
    """Store an accepted answer as the current one, tagged with its language if it is prose."""
    tag = detect_language(result.text) if result.value.free_text else None
    await uow.answers.save(
        participant_id=participant_id,
        question_id=question_id,
        value=result.value.to_json(),
        text=result.text,
        language=tag.code if tag else None,
        confidence=tag.confidence if tag else None,
        channel=channel,
        now=now,
    )
