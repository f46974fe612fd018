"""What a question type provides: the `QuestionKind` every type module implements, the typed
answer value it stores, and the neutral vocabulary (results, form fields) around them."""

from __future__ import annotations

import builtins
import random
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Generic, Self, TypeVar

from config.consultation import Question, QuestionType
from config.questions import QuestionSchema
from handlers.conversation import EngineOptions
from handlers.events import Button, ChoiceGroup
from handlers.i18n import Translator

FormValue = str | Sequence[str] | None
"""What a form field holds: a text, a choice id, the chosen ids of a multi-choice, or nothing."""


class AnswerValue:
    """An answer of one question type, as typed data; `to_json` is exactly what
    `answers.value` holds, so databases written before these classes read the same."""

    key: ClassVar[str]
    """The JSON key that tells this type's values from the others' (a tagged union)."""
    free_text: ClassVar[bool] = False
    """True for prose a participant wrote: it is tagged with its language."""

    def to_json(self) -> dict[str, Any]:
        """The value as stored in `answers.value`."""
        raise NotImplementedError

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self | None:
        """The value stored as `data`, or None when `data` is not one of this type's."""
        raise NotImplementedError


V = TypeVar("V", bound=AnswerValue)
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Accepted:
    """A valid answer: the typed value and its plain-text rendering (exports, the digest)."""

    value: AnswerValue
    text: str


@dataclass(frozen=True)
class Rejected:
    """Input that is not a valid answer, and why, in the participant's language."""

    reason: str
    too_long: int | None = None
    """For a text over its question's limit: that limit. The text is then kept for the
    participant to choose what to do with it (`handlers.features.overflow`)."""


class FieldKind(StrEnum):
    """What kind of input a question is in a form; each channel renders it natively."""

    TEXT = "text"
    """A text box of at most `max_length` characters."""
    ONE = "one"
    """One of the options."""
    SEVERAL = "several"
    """Any of the options."""
    FILE = "file"
    """A document: sent in the conversation, not in the form."""
    NUMBER = "number"
    """A number from `minimum` to `maximum` with at most `decimals` decimal places."""
    DATE = "date"
    """A calendar date (ISO 8601), from `minimum` to `maximum` when they are given."""


@dataclass(frozen=True)
class FormChoice:
    """One option of a form field: the value sent back and the label shown."""

    id: str
    label: str


@dataclass(frozen=True)
class FormField:
    """The parts of a form field a question type decides, in the participant's language."""

    choices: tuple[FormChoice, ...] = ()
    current: str | tuple[str, ...] | None = None
    """The current answer as the field's value; None when unanswered."""
    max_length: int = 0
    minimum: str | None = None
    """The lowest answer accepted, as the field's value, when there is one."""
    maximum: str | None = None
    decimals: int = 0


@dataclass(frozen=True)
class Draw:
    """What a sample answer is drawn from (the digest's demonstration data)."""

    rng: random.Random
    t: Translator
    index: int
    """The position of the sample organisation."""
    text: str | None
    """The sample text for a free-text question, when there is one."""


class QuestionKind(Generic[V]):
    """One question type: everything the engine, the forms and the digest do differently
    for it. The defaults describe a type that takes none of the inputs; each type module
    overrides what its questions take."""

    type: ClassVar[QuestionType]
    value_type: builtins.type[V]
    schema: ClassVar[QuestionSchema] = QuestionSchema()
    field: ClassVar[FieldKind]
    takes_document: ClassVar[bool] = False
    counted: ClassVar[bool] = False
    """The digest counts its answers (read grouped by value, `tally`)."""

    @property
    def free_text(self) -> bool:
        """Typed text is the answer as it stands (never matched to a button's label), prose
        tagged with its language."""
        return self.value_type.free_text

    def hint(self, question: Question, t: Translator, options: EngineOptions) -> str:
        """How to answer, in a line."""
        raise NotImplementedError

    def buttons(
        self, question: Question, question_id: int, t: Translator, selection: Sequence[str]
    ) -> list[list[Button]]:
        """The answer buttons (navigation is added by the interview)."""
        return []

    def choices(
        self, question: Question, question_id: int, t: Translator, selection: Sequence[str]
    ) -> ChoiceGroup | None:
        """The answer buttons as a choice group, for a type answered by toggling options
        (they are also among `buttons`); None for the others."""
        return None

    def from_text(
        self, question: Question, text: str, t: Translator, options: EngineOptions
    ) -> Accepted | Rejected | None:
        """The answer typed text stands for; None when this type is not answered by text."""
        return None

    def from_button(self, question: Question, value: str) -> Accepted | None:
        """The answer a button value stands for; None when it is forged or stale."""
        return None

    def toggles(self, question: Question) -> frozenset[str]:
        """The values a participant may toggle before pressing Done (multi-choice)."""
        return frozenset()

    def from_selection(
        self, question: Question, selection: Sequence[str], t: Translator
    ) -> Accepted | Rejected | None:
        """The answer of the toggled values; None when this type has no selection."""
        return None

    def from_form(
        self, question: Question, raw: FormValue, t: Translator, options: EngineOptions
    ) -> Accepted | Rejected:
        """The answer a form field holds (a text box, or an option's value)."""
        result = None
        if isinstance(raw, str):
            result = self.from_text(question, raw, t, options) or self.from_button(
                question, raw.strip()
            )
        return result or Rejected(t._("Please choose one of the options."))

    def display(self, question: Question, value: V, t: Translator) -> str:
        """An answer as the participant reads it, in their language."""
        raise NotImplementedError

    def form_field(
        self, question: Question, value: V | None, t: Translator, options: EngineOptions
    ) -> FormField:
        """The options, limit and current value of this question's form field."""
        return FormField()

    def tally(
        self, question: Question, values: Sequence[tuple[AnswerValue, int]]
    ) -> tuple[tuple[str, int], ...]:
        """The digest's counts (English labels) from each distinct value and its number of
        answers; empty for a type whose answers are only listed."""
        return ()

    def summary(self, question: Question, values: Sequence[tuple[AnswerValue, int]]) -> str:
        """A line the digest adds to the counts (a scale's median and anchors), in English;
        empty when the counts say it all."""
        return ""

    def label(self, question: Question, text: str) -> str:
        """An answer's stored text as a person reads it in English (the digest's workbook,
        the published export): a code such as `yes` becomes its label."""
        return text

    def sample(self, question: Question, draw: Draw) -> Accepted | None:
        """A plausible answer for the demonstration data; None to leave it unanswered."""
        return None

    def counts(
        self, values: Sequence[tuple[AnswerValue, int]], key: Callable[[V], K]
    ) -> Counter[K]:
        """How many answers hold each `key` of this type's values (others are left out)."""
        counter: Counter[K] = Counter()
        for value, n in values:
            if (mine := self.own(value)) is not None:
                counter[key(mine)] += n
        return counter

    def own(self, value: AnswerValue | None) -> V | None:
        """`value` when it is one of this type's (an answer given before a question's type
        was changed in its file is not)."""
        if isinstance(value, self.value_type):
            return value
        return None
