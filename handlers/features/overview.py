"""A participant's consultations at a glance: agenda-item progress and deadlines (App Home)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.conversation import ONBOARDING, State
from handlers.features.consultations import (
    ItemProgress,
    Window,
    accessible,
    item_heading,
    items_progress,
    progress_text,
    status_text,
    title,
    window,
)
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
    rows = await accessible(uow, participant, now=now)
    items = {row.id: list(await uow.consultations.items(row.id)) for row in rows}
    progress = await items_progress(uow, participant, [i for each in items.values() for i in each])
    by_item = {p.item.id: p for p in progress}
    own = _zone(timezone) or _zone(participant.timezone)
    consultations = []
    for row in rows:
        zone = own or ZoneInfo(row.timezone)
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
                items=tuple(_item(t, by_item[item.id]) for item in items[row.id]),
            )
        )
    return Overview(t.language, t.rtl, onboarded=True, consultations=tuple(consultations))


def _item(t: Translator, progress: ItemProgress) -> ItemOverview:
    status = SubmissionStatus(progress.status) if progress.status else None
    return ItemOverview(
        item_id=progress.item.id,
        number=progress.item.number,
        heading=item_heading(t, progress.item),
        answered=progress.answered,
        total=len(progress.questions),
        status=status,
        status_text=status_text(t, status),
        progress_text=progress_text(t, progress),
    )
