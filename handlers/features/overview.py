"""A participant's consultations at a glance: agenda-item progress and deadlines (App Home)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.conversation import ONBOARDING, State
from handlers.features.consultations import Window, localized, title, window
from handlers.i18n import Translator
from storage.models import Participant, SubmissionStatus
from storage.repositories import UnitOfWork


@dataclass(frozen=True)
class ItemOverview:
    """Progress on one agenda item."""

    item_id: int
    number: str
    heading: str
    answered: int
    total: int
    status: SubmissionStatus | None
    status_text: str
    progress_text: str
    """"2 of 3 questions answered · not submitted", in the participant's language."""


@dataclass(frozen=True)
class ConsultationOverview:
    """One consultation the participant may answer, with its deadline in their time zone."""

    id: str
    title: str
    window: Window
    deadline: datetime
    deadline_text: str
    items: tuple[ItemOverview, ...]


@dataclass(frozen=True)
class Overview:
    """What a participant sees at a glance; `onboarded` False means they have steps left."""

    language: str
    rtl: bool
    onboarded: bool
    consultations: tuple[ConsultationOverview, ...]


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def status_text(t: Translator, status: SubmissionStatus | None) -> str:
    """A submission status in words."""
    if status == SubmissionStatus.SUBMITTED:
        return t._("submitted")
    if status == SubmissionStatus.REOPENED:
        return t._("changed since submission")
    return t._("not submitted")


async def overview(
    uow: UnitOfWork,
    participant: Participant,
    t: Translator,
    now: datetime,
    *,
    timezone: str | None = None,
) -> Overview:
    """The participant's consultations, agenda-item progress and deadlines.

    Args:
        uow: The open unit of work.
        participant: Whose overview it is.
        t: The participant's translator.
        now: The current time.
        timezone: The participant's time zone as their platform reports it; else the one
            recorded when they joined; else each consultation's own.
    """
    if State(participant.state) in ONBOARDING:
        return Overview(t.language, t.rtl, onboarded=False, consultations=())
    invite = await uow.invites.get(participant.invite_id) if participant.invite_id else None
    scope = [invite.consultation_id] if invite and invite.consultation_id else None
    own = _zone(timezone) or _zone(participant.timezone)
    consultations = []
    for row in await uow.consultations.rows(scope):
        zone = own or ZoneInfo(row.timezone)
        items = []
        for item in await uow.consultations.items(row.id):
            questions = await uow.consultations.questions(item.id)
            answers = await uow.answers.for_item(participant.id, item.id)
            answered = sum(1 for q in questions if q.id in answers)
            submission = await uow.submissions.get(participant.id, item.id)
            status = SubmissionStatus(submission.status) if submission else None
            words = status_text(t, status)
            items.append(
                ItemOverview(
                    item_id=item.id,
                    number=item.number,
                    heading=t._(
                        "Agenda item {number}: {title}",
                        number=item.number,
                        title=localized(item.title, t),
                    ),
                    answered=answered,
                    total=len(questions),
                    status=status,
                    status_text=words,
                    progress_text=t.n_(
                        "{answered} of {count} question answered",
                        "{answered} of {count} questions answered",
                        len(questions),
                        answered=answered,
                    )
                    + f" · {words}",
                )
            )
        consultations.append(
            ConsultationOverview(
                id=row.id,
                title=title(row, t),
                window=window(row, now),
                deadline=row.effective_deadline,
                deadline_text=t._(
                    "{when} ({zone} time)",
                    when=t.when(row.effective_deadline, zone),
                    zone=str(zone.key),
                ),
                items=tuple(items),
            )
        )
    return Overview(t.language, t.rtl, onboarded=True, consultations=tuple(consultations))
