"""When each reminder is due: a pure function of the consultation, its participants and the
ledger, at `now`."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.sending import Channel
from config.consultation import Consultation, QuietHours, Reminders
from handlers.features.consultations import Window, window_at
from storage.models import ConsultationRow, DeliveryStatus
from storage.repositories.ledger import ledger_key

log = logging.getLogger(__name__)

KIND = "reminder"
"""The ledger kind of a reminder."""

PREFERRED_HOUR = time(10, 0)
"""Reminders a day or more before the deadline arrive at this local hour of their day."""

BEFORE_QUIET = timedelta(hours=1)
"""A reminder that would fall in quiet hours goes this long before they begin."""

LEASE = timedelta(minutes=10)
"""A row still `sending` after this long was left by a crash: it becomes `uncertain`."""

MAX_ATTEMPTS = 3
"""A delivery that failed (not for unreachability) is tried at most this often in all."""


def definition_of(row: ConsultationRow) -> Consultation:
    """The validated definition of a loaded consultation."""
    return Consultation.model_validate(row.definition)


@dataclass(frozen=True)
class Slot:
    """One planned reminder: which offset it serves and when it is due (UTC)."""

    offset: timedelta
    due_at: datetime
    last: bool


def in_quiet_hours(moment: time, quiet: QuietHours) -> bool:
    """Whether a local time of day falls in the quiet hours (which may span midnight)."""
    start, end = quiet.start, quiet.end
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def _before_quiet(local: datetime, quiet: QuietHours) -> datetime:
    """The hour before the quiet hours that contain `local` began (never later than planned)."""
    start = local.replace(hour=quiet.start.hour, minute=quiet.start.minute, second=0, microsecond=0)
    if start > local:
        start -= timedelta(days=1)
    return start - BEFORE_QUIET


def slot_time(
    deadline: datetime, offset: timedelta, zone: ZoneInfo, quiet: QuietHours, *, last: bool
) -> datetime:
    """When the reminder `offset` before `deadline` is due for someone living in `zone`.

    Offsets of a day or more arrive at the preferred local hour of their day; none arrives
    in quiet hours, except the last one, which is sent exactly on time.
    """
    nominal = (deadline - offset).astimezone(zone)
    if last:
        return nominal.astimezone(UTC)
    local = nominal
    if offset >= timedelta(days=1):
        local = nominal.replace(
            hour=PREFERRED_HOUR.hour, minute=PREFERRED_HOUR.minute, second=0, microsecond=0
        )
    if in_quiet_hours(local.time(), quiet):
        local = _before_quiet(local, quiet)
    return local.astimezone(UTC)


def plan(deadline: datetime, settings: Reminders, zone: ZoneInfo) -> list[Slot]:
    """Every reminder slot of a deadline for someone living in `zone`, earliest first."""
    if not settings.offsets:
        return []
    smallest = min(settings.offsets)
    slots: dict[datetime, Slot] = {}
    for offset in sorted(set(settings.offsets), reverse=True):
        last = offset == smallest
        due_at = slot_time(deadline, offset, zone, settings.quiet_hours, last=last)
        slots[due_at] = Slot(offset=offset, due_at=due_at, last=last)
    return [slots[key] for key in sorted(slots)]


@dataclass(frozen=True)
class MissingItem:
    """An agenda item with required questions still unanswered."""

    item_id: int
    number: str
    title: Mapping[str, str]
    missing: int


@dataclass(frozen=True)
class Recipient:
    """What planning needs to know of one participant and one consultation."""

    participant_id: int
    organisation: str
    locale: str
    timezone: str | None
    paused: bool
    unreachable: bool
    joined_at: datetime
    missing: tuple[MissingItem, ...]
    channels: tuple[Channel, ...]
    """The participant's chats, the one used most recently first."""


@dataclass(frozen=True)
class ConsultationFacts:
    """What planning needs to know of one consultation."""

    id: str
    title: Mapping[str, str]
    short_title: Mapping[str, str]
    opens_at: datetime
    deadline: datetime
    """The deadline in force, extensions included."""
    closed: bool
    timezone: str
    reminders: Reminders

    @property
    def zone(self) -> ZoneInfo:
        """The consultation's time zone."""
        return ZoneInfo(self.timezone)

    def is_open(self, now: datetime) -> bool:
        """Whether submissions are open at `now`."""
        window = window_at(
            opens_at=self.opens_at, deadline=self.deadline, closed=self.closed, now=now
        )
        return window == Window.OPEN

    @classmethod
    def of(cls, row: ConsultationRow) -> ConsultationFacts:
        """The facts of a loaded consultation."""
        definition = definition_of(row)
        short = definition.short_title or definition.title
        return cls(
            id=row.id,
            title=definition.title.as_dict(),
            short_title=short.as_dict(),
            opens_at=row.opens_at,
            deadline=row.effective_deadline,
            closed=row.closed,
            timezone=row.timezone,
            reminders=definition.reminders,
        )


@dataclass(frozen=True)
class LedgerEntry:
    """How a ledger row stands, as far as planning cares."""

    status: str
    attempts: int
    reason: str | None = None


class Action(StrEnum):
    """What a sweep does with one due slot."""

    SEND = "send"
    RETRY = "retry"
    LATE = "late"
    """Missed by more than the grace period (the process was down): recorded, not sent."""
    SUPERSEDED = "superseded"
    """An older missed slot when a later one is due too: only the latest is sent."""
    PAUSED = "paused"
    UNREACHABLE = "unreachable"
    NO_CHANNEL = "no_channel"
    """No running channel reaches the participant: not recorded, tried again next sweep."""


RECORDED_SKIPS = frozenset({Action.LATE, Action.SUPERSEDED, Action.PAUSED, Action.UNREACHABLE})


@dataclass(frozen=True)
class Due:
    """One reminder slot that needs doing at `now`, and what to do with it."""

    key: str
    action: Action
    consultation: ConsultationFacts
    recipient: Recipient
    slot: Slot


def reminder_key(consultation_id: str, participant_id: int, due_at: datetime) -> str:
    """The ledger key of a reminder: consultation, participant and due time."""
    return ledger_key(KIND, consultation_id, participant_id, due_at=due_at)


def _zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def _pending_slots(
    consultation: ConsultationFacts,
    recipient: Recipient,
    ledger: Mapping[str, LedgerEntry],
    now: datetime,
) -> list[tuple[Slot, str, bool]]:
    """The recipient's slots due by `now` that are not yet in the ledger (retry False), or
    failed and still worth another try (retry True), earliest first, with their keys."""
    zone = _zone(recipient.timezone, consultation.zone)
    pending: list[tuple[Slot, str, bool]] = []
    for slot in plan(consultation.deadline, consultation.reminders, zone):
        if not (consultation.opens_at <= slot.due_at <= now) or slot.due_at < recipient.joined_at:
            continue
        key = reminder_key(consultation.id, recipient.participant_id, slot.due_at)
        entry = ledger.get(key)
        if entry is None:
            pending.append((slot, key, False))
        elif (
            entry.status == DeliveryStatus.FAILED
            and entry.attempts < MAX_ATTEMPTS
            and entry.reason != Action.UNREACHABLE
            and now - slot.due_at <= consultation.reminders.grace
        ):
            pending.append((slot, key, True))
    return pending


def due_reminders(
    consultation: ConsultationFacts,
    recipients: Sequence[Recipient],
    ledger: Mapping[str, LedgerEntry],
    now: datetime,
    *,
    platforms: Collection[str] | None,
) -> list[Due]:
    """Every reminder slot that needs doing at `now`, with what to do about it.

    Args:
        consultation: the consultation and its reminder settings.
        recipients: the participants invited to it, with what they still have to answer.
        ledger: the ledger rows of this consultation's reminders, by key.
        now: the time of the sweep.
        platforms: the platforms with a running channel; None to assume every one.
    """
    if not consultation.is_open(now):
        return []
    grace = consultation.reminders.grace
    result: list[Due] = []
    for recipient in recipients:
        if not recipient.missing:
            continue
        pending = _pending_slots(consultation, recipient, ledger, now)
        for index, (slot, key, retry) in enumerate(pending):
            if now - slot.due_at > grace:
                action = Action.LATE
            elif index < len(pending) - 1:
                action = Action.SUPERSEDED
            elif recipient.paused:
                action = Action.PAUSED
            elif recipient.unreachable:
                action = Action.UNREACHABLE
            elif platforms is not None and not any(
                c.platform in platforms for c in recipient.channels
            ):
                action = Action.NO_CHANNEL
            else:
                action = Action.RETRY if retry else Action.SEND
            if retry and action not in (Action.RETRY, Action.NO_CHANNEL):
                continue  # A failed row keeps its record; it is only ever tried again.
            result.append(Due(key, action, consultation, recipient, slot))
    return result


def next_reminder(
    consultation: ConsultationFacts, recipient: Recipient, now: datetime
) -> Slot | None:
    """The next reminder slot after `now` a recipient will get while answers are missing
    (None when nothing is missing, they paused reminders, or no slot is left)."""
    if not recipient.missing or recipient.paused or not consultation.is_open(now):
        return None
    zone = _zone(recipient.timezone, consultation.zone)
    for slot in plan(consultation.deadline, consultation.reminders, zone):
        if slot.due_at > now and slot.due_at >= recipient.joined_at:
            return slot
    return None
