"""What a participant may see of consultations: access, windows and progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from handlers.conversation import Context
from handlers.i18n import Translator
from storage.models import AgendaItemRow, ConsultationRow, QuestionRow, Submission


class Window(StrEnum):
    """Whether a consultation takes answers now."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


def window(row: ConsultationRow, now: datetime, item: AgendaItemRow | None = None) -> Window:
    """Upcoming before it opens, closed after its deadline or when closed by hand (the
    consultation, or the agenda item when one is given)."""
    if row.closed or (item is not None and item.closed) or now >= row.effective_deadline:
        return Window.CLOSED
    if now < row.opens_at:
        return Window.UPCOMING
    return Window.OPEN


def title(row: ConsultationRow, t: Translator) -> str:
    """The consultation's title in the participant's language."""
    return localized(row.definition.get("title"), t)


def short_title(row: ConsultationRow, t: Translator) -> str:
    """The consultation's short title (for buttons), else its title."""
    return localized(row.definition.get("short_title"), t) or title(row, t)


def localized(texts: object, t: Translator) -> str:
    """A stored multilingual text in the participant's language, else English."""
    if not isinstance(texts, dict):
        return ""
    return str(texts.get(t.language) or texts.get("en") or "")


def deadline_text(ctx: Context, row: ConsultationRow) -> str:
    """The deadline in the consultation's time zone, and the participant's when different."""
    t = ctx.t
    zone = ZoneInfo(row.timezone)
    text = t._("{when} ({zone} time)", when=t.when(row.effective_deadline, zone), zone=row.timezone)
    own = ctx.me.timezone
    if own and own != row.timezone:
        text += "; " + t._("{when} your time", when=t.when(row.effective_deadline, ZoneInfo(own)))
    return text


async def accessible(ctx: Context) -> list[ConsultationRow]:
    """The consultations this participant was invited to (all, for an open invite)."""
    invite = await ctx.uow.invites.get(ctx.me.invite_id) if ctx.me.invite_id else None
    scope = [invite.consultation_id] if invite and invite.consultation_id else None
    return list(await ctx.uow.consultations.rows(scope))


@dataclass(frozen=True)
class ItemProgress:
    """How far a participant is with one agenda item."""

    item: AgendaItemRow
    questions: list[QuestionRow]
    answered: int
    required_missing: list[QuestionRow]
    submission: Submission | None


async def item_progress(ctx: Context, item: AgendaItemRow) -> ItemProgress:
    """Progress on one agenda item."""
    questions = list(await ctx.uow.consultations.questions(item.id))
    answers = await ctx.uow.answers.for_item(ctx.me.id, item.id)
    return ItemProgress(
        item=item,
        questions=questions,
        answered=sum(1 for q in questions if q.id in answers),
        required_missing=[q for q in questions if q.required and q.id not in answers],
        submission=await ctx.uow.submissions.get(ctx.me.id, item.id),
    )


async def items_progress(ctx: Context, items: Sequence[AgendaItemRow]) -> list[ItemProgress]:
    """Progress on several agenda items, with a fixed number of queries however many."""
    answered = await ctx.uow.answers.answered_question_ids(ctx.me.id)
    submissions = await ctx.uow.submissions.for_participant(ctx.me.id)
    by_item: dict[int, list[QuestionRow]] = {item.id: [] for item in items}
    for consultation_id in dict.fromkeys(item.consultation_id for item in items):
        for question in await ctx.uow.consultations.questions_of(consultation_id):
            by_item.setdefault(question.agenda_item_id, []).append(question)
    progress = []
    for item in items:
        questions = by_item[item.id]
        progress.append(
            ItemProgress(
                item=item,
                questions=questions,
                answered=sum(1 for q in questions if q.id in answered),
                required_missing=[q for q in questions if q.required and q.id not in answered],
                submission=submissions.get(item.id),
            )
        )
    return progress
