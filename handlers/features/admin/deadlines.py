"""Deadlines and closing: extending a consultation's deadline, closing and reopening it."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from handlers.features.admin.common import Actor, AdminError, audit, consultation
from handlers.i18n import Translator
from storage.repositories import UnitOfWork


def parse_deadline(t: Translator, text: str, zone: ZoneInfo) -> datetime:
    """A new deadline: a date (its 23:59) or a date and time, in the consultation's zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise AdminError(
            t._("{value} is not a date such as 2027-06-30.", value=text.strip()[:40])
        ) from None
    if len(text.strip()) <= 10:
        moment = datetime.combine(moment.date(), time(23, 59))
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


async def extend_deadline(
    uow: UnitOfWork, t: Translator, actor: Actor, consultation_id: str | None, date: str
) -> str:
    """Move a consultation's deadline later; reminders follow, as they derive from it.

    Args:
        uow: The open unit of work.
        t: The administrator's translator.
        actor: Who extends it.
        consultation_id: The consultation; None for the only open one.
        date: The new deadline as typed: a date (its 23:59) or a date and time.
    """
    row = await consultation(uow, t, consultation_id, actor.now)
    zone = ZoneInfo(row.timezone)
    deadline = parse_deadline(t, date, zone)
    previous = row.effective_deadline
    if deadline <= previous:
        raise AdminError(
            t._(
                "The new deadline must be after the current one, {deadline}.",
                deadline=t.when(previous, zone),
            )
        )
    row.extended_deadline = deadline
    audit(
        uow,
        actor,
        "admin.deadline_extended",
        consultation=row.id,
        previous=previous.isoformat(),
        deadline=deadline.isoformat(),
    )
    return t._(
        "The deadline of {id} is now {deadline}; reminders follow the new deadline.",
        id=row.id,
        deadline=t.when(deadline, zone),
    )


async def set_closed(
    uow: UnitOfWork,
    t: Translator,
    actor: Actor,
    consultation_id: str | None,
    item_number: str | None,
    *,
    closed: bool,
) -> str:
    """Close or reopen submissions for a consultation, or for one of its agenda items."""
    row = await consultation(uow, t, consultation_id, actor.now)
    if item_number:
        items = {item.number: item for item in await uow.consultations.items(row.id)}
        item = items.get(item_number)
        if item is None:
            raise AdminError(
                t._(
                    "{id} has no agenda item {number}; its items are {numbers}.",
                    id=row.id,
                    number=item_number,
                    numbers=", ".join(items),
                )
            )
        item.closed = closed
        target = t._("agenda item {number} of {id}", number=item_number, id=row.id)
    else:
        row.closed = closed
        target = row.id
    audit(
        uow,
        actor,
        "admin.closed" if closed else "admin.reopened",
        consultation=row.id,
        item=item_number,
    )
    if closed:
        return t._("Submissions for {target} are closed.", target=target)
    return t._("Submissions for {target} are open again.", target=target)
