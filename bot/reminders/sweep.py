"""Reading what is due from the database and sending each reminder once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.reminders.message import reminder_replies
from bot.reminders.planning import (
    KIND,
    LEASE,
    MAX_ATTEMPTS,
    RECORDED_SKIPS,
    Action,
    ConsultationFacts,
    Due,
    LedgerEntry,
    MissingItem,
    Recipient,
    due_reminders,
)
from bot.sending import AllUnreachable, Channel, channels_of, deliver
from handlers.ports import Clock, Outbox
from storage.models import DeliveryStatus, Participant
from storage.repositories import Store

log = logging.getLogger(__name__)


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
