"""What every secretariat action shares: who acts, a refusal, the audit row, the consultation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers.conversation import Context
from handlers.features.consultations import Window, window
from handlers.i18n import Translator
from handlers.ports import DeliveryCounts
from storage.models import ConsultationRow
from storage.repositories import UnitOfWork


class AdminError(Exception):
    """An admin action that cannot be done; the message says why, in the actor's language."""


class Unavailable(Exception):
    """The bot-level services an action needs are not wired into this engine."""


@dataclass(frozen=True)
class Actor:
    """Who does an admin action, from where and when: what the audit log records."""

    name: str
    channel: str
    now: datetime

    @classmethod
    def of(cls, ctx: Context) -> Actor:
        """The administrator writing in this conversation."""
        return cls(f"admin:{ctx.event.platform}:{ctx.event.user_id}", ctx.event.platform, ctx.now)


def audit(uow: UnitOfWork, actor: Actor, action: str, **detail: object) -> None:
    """One audit-log row for an action, with who did it, from where and when."""
    uow.audit.record(
        actor=actor.name, action=action, channel=actor.channel, now=actor.now, **detail
    )


class UnknownConsultation(LookupError):
    """A consultation id that is not loaded."""

    def __init__(self, consultation_id: str, known: Sequence[str]) -> None:
        super().__init__(consultation_id)
        self.consultation_id = consultation_id
        self.known = tuple(known)


class UnnamedConsultation(LookupError):
    """No consultation was named and not exactly one is open."""

    def __init__(self, known: Sequence[str]) -> None:
        super().__init__(", ".join(known))
        self.known = tuple(known)


def choose(
    rows: Sequence[ConsultationRow], consultation_id: str | None, now: datetime
) -> ConsultationRow:
    """The named consultation, or the only open one when none is named.

    Raises:
        UnknownConsultation: the named one is not loaded.
        UnnamedConsultation: none is named, and not exactly one is open.
    """
    known = [row.id for row in rows]
    if consultation_id:
        found = next((row for row in rows if row.id == consultation_id), None)
        if found is None:
            raise UnknownConsultation(consultation_id, known)
        return found
    open_now = [row for row in rows if window(row, now) == Window.OPEN]
    if len(open_now) != 1:
        raise UnnamedConsultation(known)
    return open_now[0]


async def consultation(
    uow: UnitOfWork, t: Translator, consultation_id: str | None, now: datetime
) -> ConsultationRow:
    """The named consultation, or the only open one when none is named; else AdminError."""
    try:
        return choose(await uow.consultations.rows(), consultation_id, now)
    except UnknownConsultation as exc:
        raise AdminError(
            t._("There is no consultation {id}.", id=exc.consultation_id)
            + " "
            + t._("Known: {ids}.", ids=", ".join(exc.known))
        ) from None
    except UnnamedConsultation as exc:
        raise AdminError(
            t._("Please name the consultation: {ids}.", ids=", ".join(exc.known))
        ) from None


def counts_text(t: Translator, counts: DeliveryCounts, total: int) -> str:
    """Delivery counts in words."""
    return t._(
        "Delivered to {delivered} of {total}; unreachable: {unreachable}; failed: {failed}; "
        "no running channel: {no_channel}.",
        delivered=counts.delivered,
        total=total,
        unreachable=counts.unreachable,
        failed=counts.failed,
        no_channel=counts.no_channel,
    )
