"""What the secretariat takes out: exports, figures, reminders due, digests, sample data."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import export, reminders, stats
from bot.app import App
from bot.cli.common import refuse, since, with_app
from bot.cli.progress import progress
from bot.digest import deliver as digest_deliver
from bot.digest import period as digest_period
from bot.digest import sample
from bot.digest import schedule as digest_schedule
from bot.digest.build import Digest
from config.settings import Settings
from handlers.events import OutgoingDocument
from handlers.features.admin.common import UnknownConsultation, UnnamedConsultation, choose
from storage.models import ConsultationRow


async def export_answers(args: argparse.Namespace, settings: Settings) -> int:
    """Export answers (only what may be published, with --published)."""

    async def work(app: App) -> int:
        data = await export.rows(
            app.store, consultation=args.consultation, published=args.published
        )
        content = export.render(data, args.format, published=args.published)
        if args.out:
            args.out.write_bytes(content)
            print(f"{len(data)} answers written to {args.out}", file=sys.stderr)
        elif args.format == "xlsx":
            return refuse("--format xlsx needs --out FILE")
        else:
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
        return 0

    return await with_app(settings, work, args=args)


async def figures(args: argparse.Namespace, settings: Settings) -> int:
    """Print participation figures."""

    async def work(app: App) -> int:
        try:
            found = await stats.collect(app.store, args.consultation)
        except ValueError as exc:
            return refuse(str(exc))
        for entry in found:
            print("\n".join(entry.lines()))
        return 0

    return await with_app(settings, work, args=args)


async def remind(args: argparse.Namespace, settings: Settings) -> int:
    """Send (or list) the reminders due now."""

    async def work(app: App) -> int:
        report = await reminders.sweep(app.store, app.outboxes, app.clock, dry_run=args.dry_run)
        for due in report.due:
            channel = due.recipient.channels[0].platform if due.recipient.channels else "-"
            print(
                f"{due.action.value}\t{due.consultation.id}\t{due.recipient.organisation}"
                f"\tparticipant {due.recipient.participant_id}"
                f"\tdue {due.slot.due_at:%Y-%m-%d %H:%M} UTC"
                f"\t{_offset(due.slot.offset.total_seconds())} before the deadline\t{channel}"
            )
        summary = report.summary()
        if args.dry_run:
            summary = "dry run, nothing was sent; " + summary.replace("sent:", "to send:", 1)
        print(summary, file=sys.stderr)
        return 0

    return await with_app(settings, work, sending=not args.dry_run)


def _offset(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{rest // 60}m" if rest else "",
    ]
    return "".join(parts) or "0m"


async def _chosen(app: App, consultation_id: str | None) -> ConsultationRow | None:
    """The consultation named, or the only open one; None (and said why) otherwise."""
    async with app.store.transaction() as uow:
        rows = await uow.consultations.rows()
    try:
        return choose(rows, consultation_id, app.clock.now())
    except UnnamedConsultation as exc:
        refuse(f"name the consultation with --consultation ({', '.join(exc.known)})")
    except UnknownConsultation as exc:
        refuse(f"no consultation with id {exc.consultation_id!r} is loaded")
    return None


def _write(digest: Digest, document: OutgoingDocument, out: Path | None) -> None:
    """The digest to its file (office formats always go to one), else to stdout."""
    if out is not None:
        out.write_bytes(document.content)
        print(f"{digest.label} of {digest.consultation_id} written to {out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(document.content)
        sys.stdout.flush()


async def digest(args: argparse.Namespace, settings: Settings) -> int:
    """Build the digest of a consultation, write it, and optionally deliver it."""

    async def work(app: App) -> int:
        now = app.clock.now()
        row = await _chosen(app, args.consultation)
        if row is None:
            return 2
        try:
            start = since(args.since, ZoneInfo(row.timezone)) if args.since else None
        except ValueError as exc:
            return refuse(str(exc))
        made = await digest_period.next_digest(app.store, row.id, now=now, since=start)
        document = digest_deliver.document(made, args.format)
        out = args.out
        if out is None and args.format in ("docx", "xlsx"):
            out = Path(document.filename)
        _write(made, document, out)
        if not args.send:  # A digest sent records its period as it is sent.
            target = str(out) if out is not None else "standard output"
            await digest_period.record_written(app.store, made, target=target, now=now)
            return 0
        return await _send(app, settings, row.id, now=now, start=start)

    return await with_app(settings, work, sending=args.send, args=args)


async def _send(
    app: App, settings: Settings, consultation_id: str, *, now: datetime, start: datetime | None
) -> int:
    """Deliver the digest to the consultation's destinations, each reported."""
    run = await digest_schedule.send(
        app.store,
        app.outboxes,
        app.clock,
        settings,
        consultation_id,
        occasion=digest_schedule.Occasion.MANUAL,
        due_at=now,
        since=start,
    )
    if run.status is None:
        print("intersessional: this digest was just sent by another process", file=sys.stderr)
        return 1
    if not run.outcomes:
        print("no destinations are configured for this consultation", file=sys.stderr)
    for outcome in run.outcomes:
        result = "sent" if outcome.ok else f"FAILED ({outcome.error})"
        tries = "1 try" if outcome.attempts == 1 else f"{outcome.attempts} tries"
        print(f"{outcome.kind} {outcome.target}: {result} after {tries}", file=sys.stderr)
    return 0 if all(outcome.ok for outcome in run.outcomes) else 1


async def seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Store the invented sample stakeholders and answers."""

    async def work(app: App) -> int:
        try:
            with progress("sample organisations stored", len(sample.ORGANISATIONS)) as tick:
                report = await sample.seed(
                    app.store, now=app.clock.now(), consultation_id=args.consultation, tick=tick
                )
        except LookupError as exc:
            return refuse(str(exc))
        print(
            f"{report.organisations} organisations, {report.participants} participants, "
            f"{report.answers} answers and {report.submissions} submissions stored"
            + (
                f"; {len(report.skipped)} organisations were already there"
                if report.skipped
                else ""
            )
        )
        return 0

    return await with_app(settings, work, args=args)
