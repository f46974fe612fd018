"""Free-text questions: prose of a bounded length, tagged with its language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from config.consultation import Question, QuestionType
from config.questions import FieldProblem, QuestionSchema, TypeField
from handlers.conversation import EngineOptions
from handlers.i18n import Translator
from handlers.questions.base import (
    Accepted,
    AnswerValue,
    Draw,
    FieldKind,
    FormField,
    QuestionKind,
    Rejected,
)


@dataclass(frozen=True)
class TextValue(AnswerValue):
    """A written answer: `{"text": ...}`."""

    key: ClassVar[str] = "text"
    free_text: ClassVar[bool] = True
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(str(data["text"])) if "text" in data else None


def _lengths(question: Question) -> list[FieldProblem]:
    low, high = question.min_length, question.max_length
    if low is not None and high is not None and low > high:
        return [FieldProblem("min_length", "min_length exceeds max_length", "lower min_length")]
    return []


def text_limit(question: Question, max_text_chars: int) -> int:
    """The longest text answer accepted for a question."""
    return min(question.max_length or max_text_chars, max_text_chars)


class TextKind(QuestionKind[TextValue]):
    """`type: text`, with optional `min_length` and `max_length`."""

    type = QuestionType.TEXT
    value_type = TextValue
    schema = QuestionSchema(
        fields=tuple(
            TypeField(name, "only text questions have a length")
            for name in ("min_length", "max_length")
        ),
        check=_lengths,
    )
    field = FieldKind.TEXT

    def hint(self, question: Question, t: Translator, options: EngineOptions) -> str:
        return t._(
            "Type your answer. Up to {limit} characters.",
            limit=t.number(text_limit(question, options.max_text_chars)),
        )

    def from_text(
        self, question: Question, text: str, t: Translator, options: EngineOptions
    ) -> Accepted | Rejected:
        cleaned = text.strip()
        limit = text_limit(question, options.max_text_chars)
        if len(cleaned) > limit:
            return Rejected(
                t._(
                    "Your answer has {length} characters; the limit here is {limit}.",
                    length=t.number(len(cleaned)),
                    limit=t.number(limit),
                ),
                too_long=limit,
            )
        if question.min_length and len(cleaned) < question.min_length:
            return Rejected(
                t._(
                    "Please write at least {minimum} characters (you wrote {length}).",
                    minimum=question.min_length,
                    length=len(cleaned),
                )
            )
        return Accepted(TextValue(cleaned), cleaned)

    def display(self, question: Question, value: TextValue, t: Translator) -> str:
        return value.text

    def form_field(
        self, question: Question, value: TextValue | None, t: Translator, options: EngineOptions
    ) -> FormField:
        return FormField(
            current=value.text if value else None,
            max_length=text_limit(question, options.max_text_chars),
        )

    def sample(self, question: Question, draw: Draw) -> Accepted | None:
        if draw.text is None:
            return None
        result = self.from_text(question, draw.text, draw.t, EngineOptions())
        return result if isinstance(result, Accepted) else None
