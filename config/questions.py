"""The schema of a question in a consultation file, and the hook through which each question
type says which of its keys it reads and how they are checked.

Config cannot import the handlers, where each question type lives (`handlers/questions/`):
each type registers its `QuestionSchema` here when `handlers.questions` is imported, and
`question_problems` refuses to judge a question before every type has registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from config.localized import Text


class QuestionType(StrEnum):
    """The kinds of question a stakeholder can be asked."""

    TEXT = "text"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"
    SCALE = "scale"
    DOCUMENT = "document"
    NUMBER = "number"
    DATE = "date"


class Choice(BaseModel):
    """One option of a choice or multi-choice question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: Text


def _bound(value: Any) -> Any:
    """A `min` or `max` as YAML gives it (a number, a date) or as JSON stores it (text)."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    number: Decimal | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
    if number is not None and number.is_finite():
        return number
    raise ValueError("give a number such as 0 or a date such as 2027-01-31")


Bound = Annotated[Decimal | date | None, BeforeValidator(_bound)]
"""The lowest or highest answer a number or date question accepts."""


class Question(BaseModel):
    """One structured question under an agenda item.

    The keys after `required` are read only by some types (each type's `QuestionSchema`
    says which); a key given to a type that does not read it is a problem.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    type: QuestionType
    text: Text
    help: Text | None = None
    required: bool = False
    choices: list[Choice] = Field(default_factory=list)
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    scale_min: int = 1
    scale_max: int = 5
    scale_min_label: Text | None = None
    scale_max_label: Text | None = None
    min: Bound = None
    max: Bound = None
    unit: Text | None = None
    decimals: int | None = Field(default=None, ge=0, le=6)
    publishable: bool = Field(
        default=True,
        description="Whether answers may be published when their author consents.",
    )


@dataclass(frozen=True)
class TypeField:
    """A key of a question that only some types read, and what a question of another type
    that gives it is told (`{type}` and `{name}` are filled in)."""

    name: str
    message: str = "a {type} question takes no {name}"
    fix: str = "remove {name}"


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one key of a question, and how to fix it."""

    name: str
    message: str
    fix: str


def _no_problems(question: Question) -> Iterable[FieldProblem]:
    return ()


@dataclass(frozen=True)
class QuestionSchema:
    """What one question type reads beyond the keys every question has, and its own checks."""

    fields: tuple[TypeField, ...] = ()
    check: Callable[[Question], Iterable[FieldProblem]] = _no_problems


_SCHEMAS: dict[QuestionType, QuestionSchema] = {}


def register_schema(question_type: QuestionType, schema: QuestionSchema) -> None:
    """Say what a question of this type may hold (each type registers itself)."""
    _SCHEMAS[question_type] = schema


def question_problems(question: Question) -> list[FieldProblem]:
    """What is wrong with one question: its type's checks, then keys its type does not read.

    Raises:
        RuntimeError: A question type has not registered its schema yet (a program error:
            `handlers.questions` registers them all when it is imported).
    """
    unregistered = [kind.value for kind in QuestionType if kind not in _SCHEMAS]
    if unregistered:
        raise RuntimeError(
            f"no schema is registered for question types {unregistered}: "
            "import handlers.questions before validating a consultation"
        )
    schema = _SCHEMAS[question.type]
    problems = list(schema.check(question))
    reported = {field.name for field in schema.fields}
    for other in _SCHEMAS.values():
        for field in other.fields:
            if field.name in reported:
                continue
            reported.add(field.name)
            default = Question.model_fields[field.name].get_default(call_default_factory=True)
            if getattr(question, field.name) != default:
                problems.append(
                    FieldProblem(
                        field.name,
                        field.message.format(type=question.type.value, name=field.name),
                        field.fix.format(name=field.name),
                    )
                )
    return problems
