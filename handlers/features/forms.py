"""Answering all the questions of one agenda item at once, in a form (a Slack modal)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from config.consultation import Question, QuestionType
from handlers import questions
from handlers.conversation import ONBOARDING, EngineOptions, State
from handlers.features.consultations import Window, item_heading, may_see, window
from handlers.i18n import Translator
from handlers.language import detect_language
from storage.models import AgendaItemRow, ConsultationRow, Participant
from storage.repositories import UnitOfWork

FormValue = str | Sequence[str] | None
"""What a form field holds: a text, a choice id, the chosen ids of a multi-choice, or nothing."""


@dataclass(frozen=True)
class FormChoice:
    """One option of a choice question."""

    id: str
    label: str


@dataclass(frozen=True)
class FormQuestion:
    """One question as a form field, in the participant's language."""

    id: int
    type: QuestionType
    text: str
    help: str
    hint: str
    required: bool
    choices: tuple[FormChoice, ...]
    current: str | tuple[str, ...] | None
    """The current answer as the field's value; None when unanswered."""
    max_length: int
    answered: bool


@dataclass(frozen=True)
class ItemForm:
    """Every question of one agenda item, ready to be shown as a form."""

    item_id: int
    number: str
    heading: str
    language: str
    rtl: bool
    editable: bool
    """False when the consultation does not take answers now: the form is read-only."""
    questions: tuple[FormQuestion, ...]


@dataclass(frozen=True)
class FormResult:
    """What became of a submitted form."""

    language: str
    saved: tuple[int, ...] = ()
    """The questions whose answer was stored (new or changed)."""
    errors: dict[int, str] = field(default_factory=dict)
    """Why a field was not saved, by question id, in the participant's language."""
    problem: str | None = None
    """Why nothing could be saved at all (closed, not invited, not registered)."""


async def _item(
    uow: UnitOfWork, participant: Participant, item_id: int
) -> tuple[ConsultationRow, AgendaItemRow] | None:
    """The agenda item and its consultation, when the participant may see them."""
    item = await uow.consultations.item(item_id)
    row = await uow.consultations.get(item.consultation_id) if item else None
    if item is None or row is None:
        return None
    if not await may_see(uow, participant, row.id):
        return None
    return row, item


def _current(value: Mapping[str, Any]) -> str | tuple[str, ...] | None:
    if "text" in value:
        return str(value["text"])
    if "choice" in value:
        return str(value["choice"])
    if "choices" in value:
        return tuple(str(c) for c in value["choices"])
    if "yes" in value:
        return "yes" if value["yes"] else "no"
    if "scale" in value:
        return str(value["scale"])
    return None


def _choices(spec: Question, t: Translator) -> tuple[FormChoice, ...]:
    if spec.type == QuestionType.SCALE:
        return tuple(FormChoice(str(n), str(n)) for n in range(spec.scale_min, spec.scale_max + 1))
    return tuple(FormChoice(c.id, c.label.get(t.language)) for c in spec.choices)


async def load_form(
    uow: UnitOfWork,
    participant: Participant,
    t: Translator,
    now: datetime,
    item_id: int,
    *,
    options: EngineOptions,
) -> ItemForm | None:
    """The form of one agenda item, or None when the participant may not answer it.

    Args:
        uow: The open unit of work.
        participant: Who asks for the form (onboarding complete).
        t: The participant's translator.
        now: The current time.
        item_id: The agenda item.
        options: The engine's limits (text length, document size).
    """
    if State(participant.state) in ONBOARDING:
        return None
    found = await _item(uow, participant, item_id)
    if found is None:
        return None
    row, item = found
    answers = await uow.answers.for_item(participant.id, item.id)
    fields = []
    for question_row in await uow.consultations.questions(item.id):
        spec = questions.definition(question_row)
        answer = answers.get(question_row.id)
        fields.append(
            FormQuestion(
                id=question_row.id,
                type=spec.type,
                text=spec.text.get(t.language),
                help=spec.help.get(t.language) if spec.help else "",
                hint=questions.hint(
                    spec,
                    t,
                    max_text_chars=options.max_text_chars,
                    max_document_mb=max(1, options.max_document_bytes // (1024 * 1024)),
                ),
                required=spec.required,
                choices=_choices(spec, t),
                current=_current(answer.value) if answer else None,
                max_length=questions.text_limit(spec, options.max_text_chars),
                answered=answer is not None,
            )
        )
    return ItemForm(
        item_id=item.id,
        number=item.number,
        heading=item_heading(t, item),
        language=t.language,
        rtl=t.rtl,
        editable=window(row, now, item) == Window.OPEN,
        questions=tuple(fields),
    )


def _empty(raw: FormValue) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return not raw


def _validate(
    spec: Question, raw: FormValue, t: Translator, *, max_text_chars: int
) -> questions.Accepted | questions.Rejected:
    if spec.type == QuestionType.MULTI_CHOICE:
        chosen = [raw] if isinstance(raw, str) else list(raw or [])
        if not set(chosen) <= {c.id for c in spec.choices}:
            return questions.Rejected(t._("Please choose one of the options."))
        return questions.from_selection(spec, chosen, t)
    if not isinstance(raw, str):
        return questions.Rejected(t._("Please choose one of the options."))
    if spec.type == QuestionType.TEXT:
        return questions.from_text(spec, raw, t, max_text_chars=max_text_chars)
    result = questions.from_button(spec, raw.strip(), t)
    return (
        result
        if result is not None
        else questions.Rejected(t._("Please choose one of the options."))
    )


async def save_form(
    uow: UnitOfWork,
    participant: Participant,
    t: Translator,
    now: datetime,
    item_id: int,
    values: Mapping[int, FormValue],
    *,
    options: EngineOptions,
    channel: str,
) -> FormResult:
    """Validate a submitted form and store its valid answers as a draft.

    Each field is checked by its question type, as in the interview; a field left empty
    changes nothing, a valid one is stored (with its language when it is text) and the
    item's submission becomes a draft, or is reopened when it had been submitted. Invalid
    fields are reported and not stored; the valid ones are stored all the same.

    Args:
        uow: The open unit of work.
        participant: Who submitted the form.
        t: The participant's translator.
        now: The current time.
        item_id: The agenda item of the form.
        values: The raw field values by question id.
        options: The engine's limits.
        channel: The platform the form came from (recorded with each revision).
    """
    language = t.language
    if State(participant.state) in ONBOARDING:
        return FormResult(language, problem=t._("Please finish the steps above first."))
    found = await _item(uow, participant, item_id)
    if found is None:
        return FormResult(language, problem=t._("This agenda item is not available to you."))
    row, item = found
    if window(row, now, item) != Window.OPEN:
        return FormResult(
            language,
            problem=t._("Submissions for this consultation are closed; nothing was changed."),
        )
    answers = await uow.answers.for_item(participant.id, item.id)
    saved: list[int] = []
    errors: dict[int, str] = {}
    for question_row in await uow.consultations.questions(item.id):
        raw = values.get(question_row.id)
        if question_row.type == QuestionType.DOCUMENT.value or _empty(raw):
            continue
        spec = questions.definition(question_row)
        result = _validate(spec, raw, t, max_text_chars=options.max_text_chars)
        if isinstance(result, questions.Rejected):
            errors[question_row.id] = result.reason
            continue
        current = answers.get(question_row.id)
        if current is not None and current.value == result.value:
            continue  # unchanged: no new revision, and a submission stays submitted
        tag = detect_language(result.text) if "text" in result.value else None
        await uow.answers.save(
            participant_id=participant.id,
            question_id=question_row.id,
            value=result.value,
            text=result.text,
            language=tag.code if tag else None,
            confidence=tag.confidence if tag else None,
            channel=channel,
            now=now,
        )
        saved.append(question_row.id)
    if saved:
        await uow.submissions.touch(participant.id, item.id, now)
    return FormResult(language, saved=tuple(saved), errors=errors)
