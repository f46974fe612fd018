"""What the secretariat takes out: exports, figures, reminders due, sample data (the digest
is `bot.cli.digest`)."""

from __future__ import annotations

import argparse
import sys

from bot import export, reminders, stats
from bot.app import App
from bot.cli.common import refuse, with_app
from bot.cli.progress import progress
from bot.digest import sample
from config.settings import Settings


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
