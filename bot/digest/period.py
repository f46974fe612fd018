"""The period a digest covers: it starts where the previous digest's ended (at the opening
for the first), and every digest made — sent, written to a file or to standard output —
records its period in the delivery ledger for the next one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.digest.build import KIND, build
from bot.digest.deliver import document
from bot.digest.model import Digest
from bot.digest.translate import Translator
from config.consultation import Participation
from handlers.events import OutgoingDocument
from storage.models import Delivery, DeliveryStatus
from storage.repositories import Store

WRITTEN = "written"
"""The ledger occasion of a digest written by the command line rather than sent."""
PREVIOUS = "the previous digest"
OPENING = "the opening"


@dataclass(frozen=True)
class PeriodStart:
    """Where a digest's period starts, and what that moment was."""

    at: datetime
    what: str
    """'the previous digest', 'the opening', or '' for a moment the secretariat gave."""


def _end(row: Delivery) -> datetime:
    """Where a recorded digest's period ended: its `until`, else (rows written before the
    period was recorded) when it was claimed."""
    until = row.detail.get("until") if isinstance(row.detail, dict) else None
    if isinstance(until, str):
        return datetime.fromisoformat(until)
    return row.created_at


async def previous_digest(store: Store, consultation_id: str) -> datetime | None:
    """Where the period of the last digest of this consultation ended, if one was made."""
    async with store.transaction() as uow:
        rows = await uow.deliveries.of_consultation(consultation_id, KIND)
    return max((_end(row) for row in rows if row.status == DeliveryStatus.SENT), default=None)


async def period_start(store: Store, consultation_id: str) -> PeriodStart:
    """The default start of the next digest's period: the end of the previous one's, else
    the consultation's opening."""
    previous = await previous_digest(store, consultation_id)
    if previous is not None:
        return PeriodStart(previous, PREVIOUS)
    async with store.transaction() as uow:
        row = await uow.consultations.get(consultation_id)
    if row is None:
        raise LookupError(f"no consultation with id {consultation_id!r} is loaded")
    return PeriodStart(row.opens_at, OPENING)


async def next_digest(
    store: Store,
    consultation_id: str,
    *,
    now: datetime,
    since: datetime | None = None,
    final: bool = False,
    participation: Participation | None = None,
    translator: Translator | None = None,
    docx_template: Path | None = None,
) -> Digest:
    """The digest at `now` of the period since `since`, or by default since the previous
    digest (the opening for the first); `participation`, `translator` and `docx_template`
    as `build` takes them."""
    start = PeriodStart(since, "") if since is not None else None
    if start is None:
        start = await period_start(store, consultation_id)
    return await build(
        store,
        consultation_id,
        now=now,
        since=start.at,
        final=final,
        since_from=start.what,
        participation=participation,
        translator=translator,
        docx_template=docx_template,
    )


def period_detail(digest: Digest) -> dict[str, str]:
    """The period of a digest as the ledger records it."""
    since = digest.since.astimezone(UTC).isoformat() if digest.since else ""
    return {"since": since, "until": digest.generated_at.astimezone(UTC).isoformat()}


async def record_written(
    store: Store, digest: Digest, *, targets: Sequence[str], now: datetime
) -> bool:
    """Record in the ledger that a digest was written (to files or standard output), so
    the next digest's period starts where this one's ends. False if it was recorded already."""
    moment = digest.generated_at.astimezone(UTC)
    async with store.transaction() as uow:
        claimed = await uow.deliveries.claim(
            key=f"{KIND}:{digest.consultation_id}:{WRITTEN}:{moment:%Y-%m-%dT%H:%M:%S.%fZ}",
            kind=KIND,
            due_at=moment,
            now=now,
            consultation_id=digest.consultation_id,
            status=DeliveryStatus.SENT,
            detail={
                "occasion": WRITTEN,
                **period_detail(digest),
                "destinations": [{"kind": "file", "target": target} for target in targets],
                "answers": digest.total_answers,
                "new_answers": digest.new_answers,
            },
        )
    return claimed is not None


async def write(
    store: Store,
    consultation_id: str,
    fmt: str,
    *,
    now: datetime,
    target: str,
    since: datetime | None = None,
    translator: Translator | None = None,
    docx_template: Path | None = None,
) -> tuple[Digest, OutgoingDocument]:
    """The digest as a document to hand out (a chat's, the console's, a file), its period
    recorded, so the next digest starts where it ends; ValueError for an unknown format."""
    digest = await next_digest(
        store,
        consultation_id,
        now=now,
        since=since,
        translator=translator,
        docx_template=docx_template,
    )
    made = document(digest, fmt)
    await record_written(store, digest, targets=[target], now=now)
    return digest, made


def since(value: str, zone: ZoneInfo) -> datetime:
    """A --since value (or the console's period): a date (its midnight) or a date-time, in
    the consultation's zone; ValueError says what a date looks like."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--since {value!r} is not a date such as 2027-03-01") from None
    if len(value) <= 10:
        moment = datetime.combine(date.fromisoformat(value), time(0))
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
