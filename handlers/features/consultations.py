"""What a participant may see of consultations: access, windows, headings and progress."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.conversation import Context
from handlers.i18n import Translator
from storage.models import (
    AgendaItemRow,
    ConsultationRow,
    Participant,
    QuestionRow,
    Submission,
    SubmissionStatus,
)
from storage.repositories import UnitOfWork


class Window(StrEnum):
    """Whether a consultation takes answers now."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


def window_at(*, opens_at: datetime, deadline: datetime, closed: bool, now: datetime) -> Window:
    """Upcoming before the opening, closed by hand or from the deadline on, else open.

    The one rule of "is it open now": rows (`window`) and the reminders' facts ask it.
    """
    if closed or now >= deadline:
        return Window.CLOSED
    if now < opens_at:
        return Window.UPCOMING
    return Window.OPEN


def window(row: ConsultationRow, now: datetime, item: AgendaItemRow | None = None) -> Window:
    """The window of a loaded consultation, or of one of its agenda items when given (the
    secretariat may close an item ahead of the consultation's deadline)."""
    return window_at(
        opens_at=row.opens_at,
        deadline=row.effective_deadline,
        closed=row.closed or (item is not None and item.closed),
        now=now,
    )


def title(row: ConsultationRow, t: Translator) -> str:
    """The consultation's title in the participant's language."""
    return localized(row.definition.get("title"), t)


def short_title(row: ConsultationRow, t: Translator) -> str:
    """The consultation's short title (for buttons), else its title."""
    return localized(row.definition.get("short_title"), t) or title(row, t)


def localized(texts: object, t: Translator) -> str:
    """A stored multilingual text in the participant's language, else English."""
    if not isinstance(texts, Mapping):
        return ""
    return str(texts.get(t.language) or texts.get("en") or "")


class NumberedItem(Protocol):
    """An agenda item as a heading needs it: a stored row, or a reminder's copy of one."""

    @property
    def number(self) -> str:
        """The item's number on the agenda, e.g. "2" or "3(b)"."""
        ...

    @property
    def title(self) -> Mapping[str, Any]:
        """The item's title by language."""
        ...


def item_heading(t: Translator, item: NumberedItem) -> str:
    """'Agenda item 3: title' in the reader's language."""
    return t._("Agenda item {number}: {title}", number=item.number, title=localized(item.title, t))


def status_text(t: Translator, status: str | None) -> str:
    """A submission status in words (no submission yet reads as not submitted)."""
    if status == SubmissionStatus.SUBMITTED:
        return t._("submitted")
    if status == SubmissionStatus.REOPENED:
        return t._("changed since submission")
    return t._("not submitted")


def deadline_text(ctx: Context, row: ConsultationRow) -> str:
    """The deadline in the consultation's time zone, and the participant's when different."""
    return deadline_sentence(ctx.t, row.effective_deadline, row.timezone, ctx.me.timezone)


def window_text(ctx: Context, row: ConsultationRow) -> str:
    """One line on whether the consultation takes answers: its deadline while open, its
    opening before, and that it is closed after (the agenda items' heading, /status)."""
    t = ctx.t
    state = window(row, ctx.now)
    if state == Window.OPEN:
        return t._("Deadline: {deadline}", deadline=deadline_text(ctx, row))
    if state == Window.UPCOMING:
        return t._("Opens on {date}.", date=t.day(row.opens_at, ZoneInfo(row.timezone)))
    return t._(
        "Submissions closed on {deadline}. Your answers are shown read-only.",
        deadline=deadline_text(ctx, row),
    )


def deadline_sentence(t: Translator, deadline: datetime, zone: str, own: str | None) -> str:
    """A deadline in the consultation's time zone `zone`, and in the participant's own time
    zone `own` too when it is another one (and a real one)."""
    text = t._("{when} ({zone} time)", when=t.when(deadline, ZoneInfo(zone)), zone=zone)
    try:
        theirs = ZoneInfo(own) if own and own != zone else None
    except (ZoneInfoNotFoundError, ValueError):
        theirs = None
    if theirs is not None and theirs.key != zone:
        text += "; " + t._("{when} your time", when=t.when(deadline, theirs))
    return text


async def invited_to(uow: UnitOfWork, participant: Participant) -> list[str] | None:
    """The consultations a participant may see: their invite's one, or None for every one
    (an invite to all consultations)."""
    invite = await uow.invites.get(participant.invite_id) if participant.invite_id else None
    return [invite.consultation_id] if invite and invite.consultation_id else None


_SHOWN_FIRST = {Window.OPEN: 0, Window.UPCOMING: 1, Window.CLOSED: 2}


async def accessible(
    uow: UnitOfWork, participant: Participant, *, now: datetime | None = None
) -> list[ConsultationRow]:
    """The consultations this participant was invited to, by opening date; with `now`, as
    they are shown: the open ones first, then the upcoming, then the closed."""
    rows = list(await uow.consultations.rows(await invited_to(uow, participant)))
    if now is not None:
        rows.sort(key=lambda row: _SHOWN_FIRST[window(row, now)])
    return rows


async def may_see(uow: UnitOfWork, participant: Participant, consultation_id: str) -> bool:
    """Whether the participant was invited to this consultation."""
    scope = await invited_to(uow, participant)
    return scope is None or consultation_id in scope


@dataclass(frozen=True)
class ItemProgress:
    """How far a participant is with one agenda item."""

    item: AgendaItemRow
    questions: list[QuestionRow]
    answered: int
    required_missing: list[QuestionRow]
    submission: Submission | None

    @property
    def status(self) -> str | None:
        """The submission's status; None before anything was saved."""
        return self.submission.status if self.submission else None


def _progress(
    item: AgendaItemRow,
    questions: Sequence[QuestionRow],
    answered: Mapping[int, object] | set[int],
    submission: Submission | None,
) -> ItemProgress:
    return ItemProgress(
        item=item,
        questions=list(questions),
        answered=sum(1 for q in questions if q.id in answered),
        required_missing=[q for q in questions if q.required and q.id not in answered],
        submission=submission,
    )


async def item_progress(ctx: Context, item: AgendaItemRow) -> ItemProgress:
    """Progress on one agenda item."""
    return _progress(
        item,
        await ctx.uow.consultations.questions(item.id),
        await ctx.uow.answers.for_item(ctx.me.id, item.id),
        await ctx.uow.submissions.get(ctx.me.id, item.id),
    )


async def items_progress(
    uow: UnitOfWork, participant: Participant, items: Sequence[AgendaItemRow]
) -> list[ItemProgress]:
    """Progress on several agenda items, with a fixed number of queries however many."""
    answered = await uow.answers.answered_question_ids(participant.id)
    submissions = await uow.submissions.for_participant(participant.id)
    by_item: dict[int, list[QuestionRow]] = {item.id: [] for item in items}
    for consultation_id in dict.fromkeys(item.consultation_id for item in items):
        for question in await uow.consultations.questions_of(consultation_id):
            by_item.setdefault(question.agenda_item_id, []).append(question)
    return [_progress(item, by_item[item.id], answered, submissions.get(item.id)) for item in items]


def progress_text(t: Translator, progress: ItemProgress) -> str:
    """'2 of 3 questions answered · not submitted', in the participant's language."""
    return t.n_(
        "{answered} of {count} question answered",
        "{answered} of {count} questions answered",
        len(progress.questions),
        answered=progress.answered,
    ) + (" · " + status_text(t, progress.status))
