"""When digests are due (weekly, and a final one before the dialogue), and sending each once.

`due_digests` is a pure function of the consultation, its ledger keys and `now`. A digest
is claimed in the ledger under its key (consultation, weekly or final, due time) before it
is built, so a second sweep or process never sends it twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.digest.build import KIND
from bot.digest.deliver import Outcome, Sleep, deliver
from bot.digest.period import next_digest, period_detail
from bot.digest.translate import Translator
from bot.reminders import definition_of
from config.consultation import Destination, DigestSettings, Participation, Weekday
from config.settings import Settings
from handlers.ports import Clock, Outbox
from storage.models import ConsultationRow, DeliveryStatus
from storage.repositories import Store
from storage.repositories.ledger import ledger_key

log = logging.getLogger(__name__)

_WEEKDAYS = list(Weekday)
FINAL_HOUR = 9
"""The local hour of the final digest when there is no weekly one to take it from."""


class Occasion(StrEnum):
    """Which digest."""

    WEEKLY = "weekly"
    FINAL = "final"
    MANUAL = "manual"


@dataclass(frozen=True)
class DigestFacts:
    """What scheduling needs to know of one consultation."""

    id: str
    timezone: str
    opens_at: datetime
    dialogue_date: date
    settings: DigestSettings
    grace: timedelta

    @classmethod
    def of(cls, row: ConsultationRow) -> DigestFacts:
        """The facts of a loaded consultation."""
        definition = definition_of(row)
        return cls(
            id=row.id,
            timezone=row.timezone,
            opens_at=row.opens_at,
            dialogue_date=row.dialogue_date,
            settings=definition.digest,
            grace=definition.reminders.grace,
        )

    @property
    def zone(self) -> ZoneInfo:
        """The consultation's time zone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class DueDigest:
    """A digest due at `now`: to send, or missed beyond the grace and to record."""

    key: str
    consultation_id: str
    occasion: Occasion
    due_at: datetime
    late: bool


def digest_key(consultation_id: str, occasion: Occasion, due_at: datetime) -> str:
    """The ledger key of a digest."""
    return ledger_key(KIND, consultation_id, occasion.value, due_at=due_at)


def final_due(facts: DigestFacts) -> datetime:
    """When the final digest is due: the configured days before the dialogue, local time."""
    hour = facts.settings.weekly.hour if facts.settings.weekly else FINAL_HOUR
    day = facts.dialogue_date - timedelta(days=facts.settings.final_days_before)
    return datetime.combine(day, time(hour), facts.zone).astimezone(UTC)


def latest_weekly(facts: DigestFacts, now: datetime) -> datetime | None:
    """The most recent weekly due time at or before `now`, while weekly digests run."""
    weekly = facts.settings.weekly
    if weekly is None:
        return None
    local = now.astimezone(facts.zone)
    back = (local.weekday() - _WEEKDAYS.index(weekly.weekday)) % 7
    day = local.date() - timedelta(days=back)
    due = datetime.combine(day, time(weekly.hour), facts.zone)
    if due > local:
        due = datetime.combine(day - timedelta(days=7), time(weekly.hour), facts.zone)
    due_utc = due.astimezone(UTC)
    if not facts.opens_at <= due_utc < final_due(facts):
        return None
    return due_utc


def due_digests(facts: DigestFacts, ledger: Collection[str], now: datetime) -> list[DueDigest]:
    """The digests of a consultation due at `now` and not yet in the ledger."""
    candidates = [(Occasion.WEEKLY, latest_weekly(facts, now)), (Occasion.FINAL, final_due(facts))]
    result = []
    for occasion, due_at in candidates:
        if due_at is None or due_at > now:
            continue
        key = digest_key(facts.id, occasion, due_at)
        if key in ledger:
            continue
        result.append(DueDigest(key, facts.id, occasion, due_at, now - due_at > facts.grace))
    return result


@dataclass
class DigestRun:
    """What happened to one due digest."""

    key: str
    status: DeliveryStatus | None
    """None when another sweep or process had claimed it."""
    outcomes: list[Outcome] = field(default_factory=list)


def _status(destinations: Sequence[Destination], outcomes: Sequence[Outcome]) -> DeliveryStatus:
    """A digest's ledger status: skipped without destinations, sent when every one took it."""
    if not destinations:
        return DeliveryStatus.SKIPPED
    if all(outcome.ok for outcome in outcomes):
        return DeliveryStatus.SENT
    return DeliveryStatus.FAILED


async def send(
    store: Store,
    outboxes: Mapping[str, Outbox],
    clock: Clock,
    settings: Settings,
    consultation_id: str,
    *,
    occasion: Occasion,
    due_at: datetime,
    since: datetime | None = None,
    sleep: Sleep = asyncio.sleep,
    translator: Translator | None = None,
    participation: Participation | None = None,
) -> DigestRun:
    """Claim, build and deliver one digest, recording the outcome in the ledger; `translator`
    and `participation` as `next_digest` takes them, the Word template from `settings`."""
    key = digest_key(consultation_id, occasion, due_at)
    async with store.transaction() as uow:
        row = await uow.consultations.get(consultation_id)
        if row is None:
            raise LookupError(f"no consultation with id {consultation_id!r} is loaded")
        destinations = definition_of(row).digest.destinations
    async with store.transaction() as uow:
        claimed = await uow.deliveries.claim(
            key=key,
            kind=KIND,
            due_at=due_at,
            now=clock.now(),
            consultation_id=consultation_id,
            detail={"occasion": occasion.value},
        )
    if claimed is None:
        return DigestRun(key, None)
    digest = await next_digest(
        store,
        consultation_id,
        now=clock.now(),
        since=since,
        final=occasion == Occasion.FINAL,
        participation=participation,
        translator=translator,
        docx_template=settings.digest_docx_template,
    )
    outcomes = await deliver(
        digest, destinations, outboxes=outboxes, settings=settings, sleep=sleep
    )
    status = _status(destinations, outcomes)
    async with store.transaction() as uow:
        await uow.deliveries.finish(
            key,
            status,
            clock.now(),
            destinations=[outcome.as_dict() for outcome in outcomes],
            **period_detail(digest),
            answers=digest.total_answers,
            new_answers=digest.new_answers,
            **({"reason": "no destinations"} if not destinations else {}),
        )
    log.info("digest %s: %s", key, status.value)
    return DigestRun(key, status, outcomes)


async def sweep(
    store: Store,
    outboxes: Mapping[str, Outbox],
    clock: Clock,
    settings: Settings,
    *,
    sleep: Sleep = asyncio.sleep,
    translator: Translator | None = None,
) -> list[DigestRun]:
    """Send every digest due now (each once), machine-translated with a `translator`;
    record those missed beyond the grace."""
    now = clock.now()
    due: list[DueDigest] = []
    async with store.transaction() as uow:
        for row in await uow.consultations.rows():
            facts = DigestFacts.of(row)
            keys = {d.key for d in await uow.deliveries.of_consultation(row.id, KIND)}
            due += due_digests(facts, keys, now)
    runs = []
    for item in due:
        if item.late:
            async with store.transaction() as uow:
                claimed = await uow.deliveries.claim(
                    key=item.key,
                    kind=KIND,
                    due_at=item.due_at,
                    now=clock.now(),
                    consultation_id=item.consultation_id,
                    status=DeliveryStatus.SKIPPED,
                    detail={"occasion": item.occasion.value, "reason": "late"},
                )
            runs.append(DigestRun(item.key, DeliveryStatus.SKIPPED if claimed else None))
            if claimed:
                log.warning("digest %s was missed beyond the grace period: skipped", item.key)
            continue
        runs.append(
            await send(
                store,
                outboxes,
                clock,
                settings,
                item.consultation_id,
                occasion=item.occasion,
                due_at=item.due_at,
                sleep=sleep,
                translator=translator,
            )
        )
    return runs
