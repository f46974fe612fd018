"""Reminders before deadlines: when each is due (pure), what it says, and sending it once.

What is due at `now` is a pure function of the consultation, the participants and the
ledger (`due_reminders`). Sending claims a ledger row first (unique key: consultation,
participant, due time), delivers, then marks it sent; a row a crash left in `sending` is
turned `uncertain` by the next sweep and never sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_timedelta

from bot.sending import AllUnreachable, Channel, channels_of, deliver
from config.consultation import Consultation, QuietHours, Reminders
from handlers.events import Button, Reply
from handlers.features.consultations import Window, item_heading, localized, window_at
from handlers.features.interview import resume_payload
from handlers.i18n import translator
from handlers.ports import Clock, Outbox
from storage.models import ConsultationRow, DeliveryStatus, Participant
from storage.repositories import Store

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

# ---------------------------------------------------------------------------
# Planning (pure)
# ---------------------------------------------------------------------------


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
    return f"{KIND}:{consultation_id}:{participant_id}:{due_at.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


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


# ---------------------------------------------------------------------------
# What a reminder says (pure)
# ---------------------------------------------------------------------------


def reminder_replies(due: Due, now: datetime) -> list[Reply]:
    """The reminder message: what is missing per agenda item, a button to resume each."""
    recipient, consultation = due.recipient, due.consultation
    t = translator(recipient.locale)
    zone = consultation.zone
    deadline = t._(
        "{when} ({zone} time)",
        when=t.when(consultation.deadline, zone),
        zone=consultation.timezone,
    )
    own = _zone(recipient.timezone, zone)
    if recipient.timezone and own.key != zone.key:
        deadline += "; " + t._("{when} your time", when=t.when(consultation.deadline, own))
    remaining = format_timedelta(
        max(consultation.deadline - now, timedelta(minutes=1)),
        add_direction=True,
        locale=t.language,
    )
    lines = [
        t._(
            "Reminder: submissions for {title} close on {deadline}, {remaining}.",
            title=localized(consultation.short_title, t),
            deadline=deadline,
            remaining=remaining,
        ),
        "",
        t._("Still missing:"),
    ]
    buttons: list[tuple[Button, ...]] = []
    for item in recipient.missing:
        heading = item_heading(t, item)
        count = t.n_(
            "{count} required question unanswered",
            "{count} required questions unanswered",
            item.missing,
        )
        lines.append(f"• {heading} — {count}")
        buttons.append(
            (Button(t._("Agenda item {number}", number=item.number), resume_payload(item.item_id)),)
        )
    lines += [
        "",
        t._(
            "Press an agenda item below to continue where it needs you. "
            "To stop these reminders, send /reminders off."
        ),
    ]
    return [Reply(text="\n".join(lines), buttons=tuple(buttons), rtl=t.rtl)]


# ---------------------------------------------------------------------------
# Reading the database and sending
# ---------------------------------------------------------------------------


async def collect(
    store: Store, now: datetime
) -> list[tuple[ConsultationFacts, list[Recipient], dict[str, LedgerEntry]]]:
    """For every open consultation: its facts, its recipients and its reminder ledger."""
    found = []
    async with store.transaction() as uow:
        for row in await uow.consultations.rows():
            facts = ConsultationFacts.of(row)
            if not facts.is_open(now):
                continue
            items = [item for item in await uow.consultations.items(row.id) if not item.closed]
            required: dict[int, set[int]] = {item.id: set() for item in items}
            for question in await uow.consultations.questions_of(row.id):
                if question.required and question.agenda_item_id in required:
                    required[question.agenda_item_id].add(question.id)
            audience = await uow.reports.audience(row.id)
            ids = {p.id for p in audience}
            answered = await uow.answers.answered(ids)
            identities = await uow.reports.identities(ids)
            recipients = []
            for participant in audience:
                missing = tuple(
                    MissingItem(
                        item_id=item.id,
                        number=item.number,
                        title={str(k): str(v) for k, v in item.title.items()},
                        missing=len(required[item.id] - answered[participant.id]),
                    )
                    for item in items
                    if required[item.id] - answered[participant.id]
                )
                channels = channels_of(identities[participant.id])
                recipients.append(_recipient(participant, missing, channels))
            ledger = {
                row.key: LedgerEntry(row.status, row.attempts, row.detail.get("reason"))
                for row in await uow.deliveries.of_consultation(facts.id, KIND)
            }
            found.append((facts, recipients, ledger))
    return found


def _recipient(
    participant: Participant, missing: tuple[MissingItem, ...], channels: tuple[Channel, ...]
) -> Recipient:
    organisation = participant.organisation.name if participant.organisation else ""
    return Recipient(
        participant_id=participant.id,
        organisation=organisation,
        locale=participant.locale or "en",
        timezone=participant.timezone,
        paused=participant.reminders_paused,
        unreachable=participant.unreachable,
        joined_at=participant.created_at,
        missing=missing,
        channels=channels,
    )


@dataclass
class SweepReport:
    """What one sweep did (or, in a dry run, would do)."""

    sent: int = 0
    failed: int = 0
    late: int = 0
    superseded: int = 0
    paused: int = 0
    unreachable: int = 0
    no_channel: int = 0
    taken_elsewhere: int = 0
    """Slots another sweep or process claimed first."""
    uncertain: int = 0
    """Rows found left `sending` by a crash and marked uncertain."""
    due: list[Due] = field(default_factory=list)

    def summary(self) -> str:
        """The counts in one line."""
        names = (
            "sent",
            "failed",
            "late",
            "superseded",
            "paused",
            "unreachable",
            "no_channel",
            "taken_elsewhere",
            "uncertain",
        )
        return ", ".join(f"{name.replace('_', ' ')}: {getattr(self, name)}" for name in names)


async def sweep(
    store: Store,
    outboxes: Mapping[str, Outbox],
    clock: Clock,
    *,
    dry_run: bool = False,
) -> SweepReport:
    """Send every reminder due now, each once; in a dry run only say what is due.

    Args:
        store: the database.
        outboxes: the running channels' outboxes by platform.
        clock: where `now` comes from.
        dry_run: list what is due and change nothing.
    """
    report = SweepReport()
    now = clock.now()
    if not dry_run:
        async with store.transaction() as uow:
            stale = await uow.deliveries.expire_sending(before=now - LEASE, now=now)
        report.uncertain = len(stale)
        for key in stale:
            log.warning("delivery %s may or may not have gone out: marked uncertain", key)
    for facts, recipients, ledger in await collect(store, now):
        platforms = None if dry_run else set(outboxes)
        for due in due_reminders(facts, recipients, ledger, now, platforms=platforms):
            report.due.append(due)
            if dry_run:
                _count(report, due.action)
            else:
                await carry_out(store, outboxes, clock, due, report)
    return report


def _count(report: SweepReport, action: Action) -> None:
    name = {Action.SEND: "sent", Action.RETRY: "sent"}.get(action, action.value)
    setattr(report, name, getattr(report, name) + 1)


async def _claim(store: Store, clock: Clock, due: Due) -> bool:
    """Claim the slot's ledger key (a skip is recorded as it is claimed); False when another
    sweep or process has it."""
    detail: dict[str, Any] = {
        "offset": int(due.slot.offset.total_seconds()),
        "items": [item.number for item in due.recipient.missing],
    }
    async with store.transaction() as uow:
        if due.action == Action.RETRY:
            return await uow.deliveries.retry(due.key, clock.now(), max_attempts=MAX_ATTEMPTS)
        status = DeliveryStatus.SKIPPED if due.action in RECORDED_SKIPS else DeliveryStatus.SENDING
        if status == DeliveryStatus.SKIPPED:
            detail["reason"] = due.action.value
        row = await uow.deliveries.claim(
            key=due.key,
            kind=KIND,
            due_at=due.slot.due_at,
            now=clock.now(),
            participant_id=due.recipient.participant_id,
            consultation_id=due.consultation.id,
            status=status,
            detail=detail,
        )
        return row is not None


async def carry_out(
    store: Store, outboxes: Mapping[str, Outbox], clock: Clock, due: Due, report: SweepReport
) -> None:
    """Do one due slot: claim its ledger key, then send it or record why it was skipped.

    When another sweep or process claimed the key first, nothing is done and it is counted
    in `report.taken_elsewhere`.
    """
    recipient = due.recipient
    if due.action == Action.NO_CHANNEL:
        report.no_channel += 1
        return
    if not await _claim(store, clock, due):
        report.taken_elsewhere += 1
        return
    if due.action in RECORDED_SKIPS:
        _count(report, due.action)
        return
    replies = reminder_replies(due, clock.now())
    try:
        channel = await deliver(outboxes, recipient.channels, replies)
    except AllUnreachable:
        async with store.transaction() as uow:
            await uow.deliveries.finish(
                due.key, DeliveryStatus.FAILED, clock.now(), reason=Action.UNREACHABLE.value
            )
            participant = await uow.participants.get(recipient.participant_id)
            if participant is not None:
                participant.unreachable = True
        report.unreachable += 1
        log.info("reminder %s: participant unreachable", due.key)
        return
    except Exception as exc:  # Any channel failure: recorded, tried again within the grace.
        async with store.transaction() as uow:
            await uow.deliveries.finish(
                due.key, DeliveryStatus.FAILED, clock.now(), error=type(exc).__name__
            )
        report.failed += 1
        log.warning("reminder %s failed: %s", due.key, type(exc).__name__)
        return
    async with store.transaction() as uow:
        await uow.deliveries.finish(
            due.key, DeliveryStatus.SENT, clock.now(), platform=channel.platform
        )
    report.sent += 1
    log.info("reminder %s sent via %s", due.key, channel.platform)
