"""Question types in one place: their buttons, how input is validated, how answers read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config.consultation import Question, QuestionType
from handlers.conversation import payload
from handlers.events import Button
from handlers.i18n import Translator
from storage.models import QuestionRow


@dataclass(frozen=True)
class Accepted:
    """A valid answer: the stored value and its plain-text rendering (for exports)."""

    value: dict[str, Any]
    text: str


@dataclass(frozen=True)
class Rejected:
    """Input that is not a valid answer, and why, in the participant's language."""

    reason: str


def definition(row: QuestionRow) -> Question:
    """The validated definition of a stored question."""
    return Question.model_validate(row.spec)


def text_limit(question: Question, max_text_chars: int) -> int:
    """The longest text answer accepted for a question."""
    return min(question.max_length or max_text_chars, max_text_chars)


def hint(question: Question, t: Translator, *, max_text_chars: int, max_document_mb: int) -> str:
    """How to answer, in a line."""
    match question.type:
        case QuestionType.TEXT:
            return t._(
                "Type your answer (at most {limit} characters).",
                limit=text_limit(question, max_text_chars),
            )
        case QuestionType.MULTI_CHOICE:
            return t._("Choose all that apply, then press Done.")
        case QuestionType.DOCUMENT:
            return t._("Send a PDF, DOCX or ODT file of at most {size} MB.", size=max_document_mb)
        case QuestionType.SCALE:
            return t._(
                "Choose a number from {low} to {high}.",
                low=question.scale_min,
                high=question.scale_max,
            )
        case _:
            return t._("Choose one answer.")


def buttons(
    question: Question, question_id: int, t: Translator, selection: list[str]
) -> list[list[Button]]:
    """The answer buttons of a question (navigation is added by the interview)."""
    lang = t.language
    match question.type:
        case QuestionType.CHOICE:
            return [
                [Button(c.label.get(lang), payload("ans", question_id, c.id))]
                for c in question.choices
            ]
        case QuestionType.MULTI_CHOICE:
            rows = [
                [
                    Button(
                        ("✓ " if c.id in selection else "") + c.label.get(lang),
                        payload("tog", question_id, c.id),
                    )
                ]
                for c in question.choices
            ]
            rows.append([Button(t._("Done"), payload("done", question_id))])
            return rows
        case QuestionType.YES_NO:
            return [
                [
                    Button(t._("Yes"), payload("ans", question_id, "yes")),
                    Button(t._("No"), payload("ans", question_id, "no")),
                ]
            ]
        case QuestionType.SCALE:
            return [
                [
                    Button(str(n), payload("ans", question_id, n))
                    for n in range(question.scale_min, question.scale_max + 1)
                ]
            ]
        case _:
            return []


def from_button(question: Question, value: str, t: Translator) -> Accepted | Rejected | None:
    """The answer a button value stands for; None when the value is forged or stale."""
    match question.type:
        case QuestionType.CHOICE:
            for choice in question.choices:
                if choice.id == value:
                    return Accepted({"choice": choice.id}, choice.label.en)
            return None
        case QuestionType.YES_NO:
            if value in {"yes", "no"}:
                return Accepted({"yes": value == "yes"}, value)
            return None
        case QuestionType.SCALE:
            if (
                value.lstrip("-").isdigit()
                and question.scale_min <= int(value) <= question.scale_max
            ):
                return Accepted({"scale": int(value)}, value)
            return None
        case _:
            return None


def from_selection(question: Question, selection: list[str], t: Translator) -> Accepted | Rejected:
    """A multi-choice answer from the toggled choices, in the order they are listed."""
    chosen = [c for c in question.choices if c.id in selection]
    if not chosen:
        return Rejected(t._("Please choose at least one option, then press Done."))
    return Accepted({"choices": [c.id for c in chosen]}, "; ".join(c.label.en for c in chosen))


def from_text(
    question: Question, text: str, t: Translator, *, max_text_chars: int
) -> Accepted | Rejected:
    """A free-text answer, checked against the question's length limits."""
    cleaned = text.strip()
    limit = text_limit(question, max_text_chars)
    if len(cleaned) > limit:
        return Rejected(
            t._(
                "Your answer has {length} characters; the limit here is {limit}. "
                "Nothing was saved: please shorten it and send it again.",
                length=len(cleaned),
                limit=limit,
            )
        )
    if question.min_length and len(cleaned) < question.min_length:
        return Rejected(
            t._(
                "Please write at least {minimum} characters (you wrote {length}).",
                minimum=question.min_length,
                length=len(cleaned),
            )
        )
    return Accepted({"text": cleaned}, cleaned)


def display(question: Question, value: dict[str, Any], t: Translator) -> str:
    """An answer as the participant reads it, in their language."""
    lang = t.language
    labels = {c.id: c.label.get(lang) for c in question.choices}
    if "text" in value:
        return str(value["text"])
    if "choice" in value:
        return labels.get(value["choice"], str(value["choice"]))
    if "choices" in value:
        return "; ".join(labels.get(c, str(c)) for c in value["choices"])
    if "yes" in value:
        return t._("Yes") if value["yes"] else t._("No")
    if "scale" in value:
        return t._("{value} of {high}", value=value["scale"], high=question.scale_max)
    if "document" in value:
        return t._("Document: {name}", name=value.get("filename", ""))
    return ""
