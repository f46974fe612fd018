"""Where a participant is in the interview: one typed context per step, kept as JSON.

The participant's `context` column holds the step's context as a JSON object. Each step of
the interview reads it as its own frozen dataclass (`AgendaPlace`, `QuestionPlace`,
`ReviewPlace`) and moves on by handing the next step's: no step reads a dict by key, and a
row a step cannot read (written by an older version, or damaged) reads as None, which the
step answers by going back to the consultations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any


def _id(value: Any) -> int | None:
    """A stored id: a positive int (older rows may hold digits as text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isdigit() and len(value) <= 12:
        return int(value)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class AgendaPlace:
    """The agenda items of one consultation."""

    consultation: str

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> AgendaPlace | None:
        """The place a stored context holds, or None when it holds none."""
        consultation = _text(data.get("consultation"))
        return None if consultation is None else cls(consultation)

    def stored(self) -> dict[str, Any]:
        """As the participant's `context` column keeps it."""
        return asdict(self)


@dataclass(frozen=True)
class ReviewPlace:
    """The review of one agenda item."""

    consultation: str
    item: int

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> ReviewPlace | None:
        """The place a stored context holds, or None when it holds none."""
        consultation, item = _text(data.get("consultation")), _id(data.get("item"))
        return None if consultation is None or item is None else cls(consultation, item)

    def stored(self) -> dict[str, Any]:
        """As the participant's `context` column keeps it."""
        return asdict(self)


@dataclass(frozen=True)
class QuestionPlace:
    """One question of an agenda item, with what the participant has done there so far."""

    consultation: str
    item: int
    question: int
    type: str = ""
    """The question's type when the participant came to it: whether typed text is an answer
    is decided before the question is read (`QuestionStep.accepts_text`)."""
    selection: tuple[str, ...] = ()
    """The choices toggled so far on a multiple-choice question, in the order pressed."""
    review: bool = False
    """Come from the review to change one answer: the review follows, not the next question."""

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> QuestionPlace | None:
        """The place a stored context holds, or None when it holds none."""
        consultation = _text(data.get("consultation"))
        item, question = _id(data.get("item")), _id(data.get("question"))
        if consultation is None or item is None or question is None:
            return None
        raw = data.get("selection")
        selection = tuple(s for s in raw if isinstance(s, str)) if isinstance(raw, list) else ()
        return cls(
            consultation,
            item,
            question,
            type=_text(data.get("type")) or "",
            selection=selection,
            review=data.get("review") is True,
        )

    def stored(self) -> dict[str, Any]:
        """As the participant's `context` column keeps it (no empty selection, no `review`
        unless set, as the rows written before these places)."""
        data: dict[str, Any] = {
            "consultation": self.consultation,
            "item": self.item,
            "question": self.question,
            "type": self.type,
        }
        if self.selection:
            data["selection"] = list(self.selection)
        if self.review:
            data["review"] = True
        return data

    def toggled(self, choice: str) -> QuestionPlace:
        """The place with `choice` chosen, or no longer chosen if it was."""
        if choice in self.selection:
            kept = tuple(c for c in self.selection if c != choice)
        else:
            kept = (*self.selection, choice)
        return QuestionPlace(
            self.consultation, self.item, self.question, self.type, kept, self.review
        )
