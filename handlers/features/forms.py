"""Answering all the questions of one agenda item at once, in a form (a Slack modal)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from config.consultation import QuestionType
from handlers import questions
from handlers.conversation import ONBOARDING, EngineOptions, State
from handlers.features.consultations import Window, item_heading, may_see, window
from handlers.i18n import Translator
from handlers.questions import FieldKind
from handlers.questions import FormChoice as FormChoice
from handlers.questions import FormValue as FormValue
from storage.models import AgendaItemRow, Answer, ConsultationRow, Participant, QuestionRow
from storage.repositories import UnitOfWork


@dataclass(frozen=True)
class FormQuestion:
    """One question as a form field, in the participant's language.

    A channel renders it by its `element` (what kind of input it is), never by its type.
    """

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
    minimum: str | None = None
    """The lowest answer a number or date field accepts, as its value, when there is one."""
    maximum: str | None = None
    decimals: int = 0
    """How many decimal places a number field accepts."""

    @property
    def element(self) -> FieldKind:
        """What kind of input the question is in a form."""
        return questions.kind(self.type).field


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
    fields = [
        _field(question_row, answers.get(question_row.id), t, options)
        for question_row in await uow.consultations.questions(item.id)
    ]
    return ItemForm(
        item_id=item.id,
        number=item.number,
        heading=item_heading(t, item),
        language=t.language,
        rtl=t.rtl,
        editable=window(row, now, item) == Window.OPEN,
        questions=tuple(fields),
    )


def _field(
    question_row: QuestionRow, answer: Answer | None, t: Translator, options: EngineOptions
) -> FormQuestion:
    """One question as a form field, as its type describes it."""
    spec = questions.definition(question_row)
    kind = questions.kind(spec.type)
    parts = kind.form_field(
        spec, kind.own(questions.decode(answer.value)) if answer else None, t, options
    )
    return FormQuestion(
        id=question_row.id,
        type=spec.type,
        text=spec.text.get(t.language),
        help=spec.help.get(t.language) if spec.help else "",
        hint=kind.hint(spec, t, options),
        required=spec.required,
        choices=parts.choices,
        current=parts.current,
        max_length=parts.max_length,
        answered=answer is not None,
        minimum=parts.minimum,
        maximum=parts.maximum,
        decimals=parts.decimals,
    )


def _empty(raw: FormValue) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return not raw


def _changed(current: Answer | None, result: questions.Accepted) -> bool:
    # An unchanged answer makes no new revision, and a submission stays submitted.
    return current is None or current.value != result.value.to_json()


async def _open_item(
    uow: UnitOfWork, participant: Participant, t: Translator, now: datetime, item_id: int
) -> AgendaItemRow | str:
    """The agenda item a form may be saved for now, or why it may not, in words."""
    if State(participant.state) in ONBOARDING:
        return t._("Please finish the steps above first.")
    found = await _item(uow, participant, item_id)
    if found is None:
        return t._("This agenda item is not available to you.")
    row, item = found
    if window(row, now, item) != Window.OPEN:
        return t._("Submissions for this consultation are closed; nothing was changed.")
    return item


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
    item = await _open_item(uow, participant, t, now, item_id)
    if isinstance(item, str):
        return FormResult(language, problem=item)
    answers = await uow.answers.for_item(participant.id, item.id)
    saved: list[int] = []
    errors: dict[int, str] = {}
    for question_row in await uow.consultations.questions(item.id):
        raw = values.get(question_row.id)
        kind = questions.kind(question_row.type)
        if kind.takes_document or _empty(raw):
            continue
        result = kind.from_form(questions.definition(question_row), raw, t, options)
        if isinstance(result, questions.Rejected):
            errors[question_row.id] = result.reason
        elif _changed(answers.get(question_row.id), result):
            await questions.save_answer(
                uow,
                participant_id=participant.id,
                question_id=question_row.id,
                result=result,
                channel=channel,
                now=now,
            )
            saved.append(question_row.id)
    if saved:
        await uow.submissions.touch(participant.id, item.id, now)
    return FormResult(language, saved=tuple(saved), errors=errors)
