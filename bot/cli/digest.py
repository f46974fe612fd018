"""The `digest` command: the secretariat's digest of a consultation, a file per format asked
(or one format on standard output), with the figures of the dialogue only the secretariat
knows, and optionally delivered to the consultation's destinations."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import App
from bot.cli.common import refuse, since, with_app
from bot.cli.progress import Begin, stages
from bot.digest import deliver as digest_deliver
from bot.digest import period as digest_period
from bot.digest import schedule as digest_schedule
from bot.digest.model import Digest
from bot.reminders import definition_of
from config.consultation import Attendance, Participation
from config.settings import Settings
from handlers.events import OutgoingDocument
from handlers.features.admin.common import UnnamedConsultation, choose
from storage.models import ConsultationRow

STDOUT = "-"
"""`--out -`: the digest on standard output."""
_FORMATS = ", ".join(digest_deliver.FORMATS)
_ATTENDANCE = tuple(Attendance.model_fields)
DIGEST_SHOWN_FROM = 1_000
"""Submissions (one per participant and agenda item) from which a digest takes a second
or more: its stages are shown as it is made."""


class BadArgument(ValueError):
    """An argument that cannot be used; the message says what to give instead."""


@dataclass(frozen=True)
class Outputs:
    """Where the digest goes: the formats, and a file, standard output or a folder."""

    formats: tuple[str, ...]
    out: Path | None
    """One file (one format), None for the folder."""
    to_stdout: bool
    folder: Path


def formats_of(given: Sequence[str] | None) -> tuple[str, ...]:
    """The formats asked for (`--format md --format docx` or `--format md,docx`), every
    format when none is."""
    if not given:
        return tuple(digest_deliver.FORMATS)
    asked = [part.strip().lower() for value in given for part in value.split(",")]
    unknown = [fmt for fmt in asked if fmt not in digest_deliver.FORMATS]
    if unknown or not asked:
        raise BadArgument(
            f"unknown digest format {(unknown or [''])[0]!r}: use {_FORMATS}, "
            "or several separated by commas"
        )
    return tuple(dict.fromkeys(asked))


def outputs_of(args: argparse.Namespace) -> Outputs:
    """Where the digest goes, from --format, --out and --out-dir; BadArgument says why a
    combination cannot be."""
    formats = formats_of(args.format)
    folder = args.out_dir or Path.cwd()
    if args.out is None:
        return Outputs(formats, None, False, folder)
    if args.out_dir is not None:
        raise BadArgument("give --out FILE or --out-dir DIR, not both")
    if args.out == STDOUT:
        if not args.format:
            return Outputs(("md",), None, True, folder)  # the format a terminal shows
        if len(formats) != 1:
            raise BadArgument(
                f"--out - writes one format to standard output: choose it with --format "
                f"({_FORMATS})"
            )
        return Outputs(formats, None, True, folder)
    out = Path(args.out)
    if not args.format and out.suffix.lstrip(".").lower() in digest_deliver.FORMATS:
        formats = (out.suffix.lstrip(".").lower(),)
    if len(formats) != 1:
        raise BadArgument(
            "--out FILE takes one format: choose it with --format, or write every format "
            "with --out-dir DIR"
        )
    return Outputs(formats, out, False, folder)


MOST = 99_999
"""The largest figure the command line takes (the Chair's sentence writes it in words)."""


def _count(value: str) -> int | None:
    """A figure of the dialogue, None when it is not a whole number from 0 to `MOST`."""
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if 0 <= number <= MOST else None


def _figure(flag: str, value: str) -> int:
    number = _count(value)
    if number is None:
        raise BadArgument(
            f"{flag} {value!r} is not a whole number from 0 to {MOST:,}, e.g. {flag} 47"
        )
    return number


def attendance_of(value: str) -> Attendance:
    """`ngo=69,academia=2,private_sector=4` as the organisations that attended, by
    category (a category not named attended with none)."""
    counts: dict[str, int] = {}
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        category, _, number = part.partition("=")
        key = category.strip().lower().replace("-", "_")
        count = _count(number)
        if key not in _ATTENDANCE or count is None:
            raise BadArgument(
                f"--attendance {part!r} is not CATEGORY=NUMBER with a category among "
                f"{', '.join(_ATTENDANCE)} and a whole number from 0 to {MOST:,}, "
                "e.g. --attendance ngo=69,academia=2,private_sector=4"
            )
        counts[key] = count
    return Attendance(**counts)


def participation_of(args: argparse.Namespace, row: ConsultationRow) -> Participation | None:
    """The dialogue's figures: the consultation file's, with those given on the command
    line instead; None when the command line gives none."""
    changes: dict[str, object] = {}
    if args.states_parties is not None:
        changes["states_parties"] = _figure("--states-parties", args.states_parties)
    if args.igos is not None:
        changes["intergovernmental_organizations"] = _figure("--igos", args.igos)
    if args.attendance is not None:
        changes["attendance"] = attendance_of(args.attendance)
    if not changes:
        return None
    given = definition_of(row).dialogue.participation
    return Participation.model_validate({**given.model_dump(), **changes})


async def _chosen(app: App, consultation_id: str | None) -> ConsultationRow | None:
    """The consultation named, or the only open one; None (and said why) otherwise.

    A `--consultation` that names nothing loaded was refused before (`with_app`)."""
    async with app.store.transaction() as uow:
        rows = await uow.consultations.rows()
    try:
        return choose(rows, consultation_id, app.clock.now())
    except UnnamedConsultation as exc:
        refuse(f"name the consultation with --consultation ({', '.join(exc.known)})")
    return None


def stage_names(outputs: Outputs) -> list[str]:
    """The stages a digest is made in, as its progress names them."""
    return ["reading the answers", *(f"writing the {fmt.upper()}" for fmt in outputs.formats)]


def render(digest: Digest, outputs: Outputs, begin: Begin) -> list[OutgoingDocument]:
    """The digest in each format asked; `begin` is told as each is begun."""
    documents = []
    for fmt, name in zip(outputs.formats, stage_names(outputs)[1:], strict=True):
        begin(name)
        documents.append(digest_deliver.document(digest, fmt))
    return documents


def write(digest: Digest, outputs: Outputs, documents: Sequence[OutgoingDocument]) -> list[str]:
    """The documents to their files, or to standard output; where each went."""
    if outputs.to_stdout:
        sys.stdout.buffer.write(documents[0].content)
        sys.stdout.flush()
        return ["standard output"]
    if outputs.out is not None:
        digest_deliver.write_files(outputs.out.parent, documents, names=[outputs.out.name])
        written = [outputs.out]
    else:
        digest_deliver.write_files(outputs.folder, documents)
        written = [outputs.folder / doc.filename for doc in documents]
    shown = [_shown(path) for path in written]
    for path in shown:
        print(f"{digest.label} of {digest.consultation_id} written to {path}", file=sys.stderr)
    return shown


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


async def digest(args: argparse.Namespace, settings: Settings) -> int:
    """Build the digest of a consultation, write it, and optionally deliver it."""

    async def work(app: App) -> int:
        now = app.clock.now()
        row = await _chosen(app, args.consultation)
        if row is None:
            return 2
        try:
            outputs = outputs_of(args)
            figures = participation_of(args, row)
            start = since(args.since, ZoneInfo(row.timezone)) if args.since else None
        except ValueError as exc:
            return refuse(str(exc))
        async with app.store.transaction() as uow:
            size = await uow.reports.submission_count(row.id)
        with stages("digest", stage_names(outputs), shown=size >= DIGEST_SHOWN_FROM) as begin:
            begin(stage_names(outputs)[0])
            made = await digest_period.next_digest(
                app.store,
                row.id,
                now=now,
                since=start,
                participation=figures,
                translator=app.translator,
                docx_template=app.settings.digest_docx_template,
            )
            documents = render(made, outputs, begin)
        targets = write(made, outputs, documents)
        if not args.send:  # A digest sent records its period as it is sent.
            await digest_period.record_written(app.store, made, targets=targets, now=now)
            return 0
        return await _send(app, row.id, now=now, start=start, figures=figures)

    return await with_app(settings, work, sending=args.send, args=args)


async def _send(
    app: App,
    consultation_id: str,
    *,
    now: datetime,
    start: datetime | None,
    figures: Participation | None,
) -> int:
    """Deliver the digest to the consultation's destinations, each reported."""
    run = await digest_schedule.send(
        app.store,
        app.outboxes,
        app.clock,
        app.settings,
        consultation_id,
        occasion=digest_schedule.Occasion.MANUAL,
        due_at=now,
        since=start,
        translator=app.translator,
        participation=figures,
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
