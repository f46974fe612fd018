"""Digest build time and peak memory for many submissions, seeded in bulk with Core inserts.

A submission here is what issue 8 calls one: one participant's written comments on every
agenda item of the consultation, all three items submitted, 20 answers in all. The bundled
`wgic-18-2027` has ten questions that take a typed or chosen answer (and one document);
the benchmark loads it with a follow-up group under each agenda item that repeats those
questions, so that each submission holds 20 answers (8 of them free text), as a
consultation with a fuller questionnaire would.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import load_into
from bot.digest.build import Digest, build, collector_paused
from bot.digest.deliver import render
from config.consultation import Consultation, QuestionType, load_consultations
from config.settings import BUNDLED_CONSULTATIONS
from handlers.ports import FixedClock
from storage import migrate
from storage.db import create_engine, session_factory
from storage.models import (
    Answer,
    Category,
    Consent,
    Invite,
    Organisation,
    Participant,
    QuestionRow,
    Submission,
)
from storage.repositories import Store

NOW = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
CONSULTATION = "wgic-18-2027"
PROSE = (
    "Cooperation with service providers needs clear legal bases, oversight by courts and "
    "transparency reports; civil society asks for safeguards in every request. "
)
PER_ORGANISATION = 10
"""Participants per organisation."""
COUNTRIES = ("AT", "BR", "KE", "IN", "MX", "NG", "PH", "FR", None)
GENDERS = ("female", "male", "other", None)
CREDITS = ("named", "organisation", "anonymous")
FORMATS = ("md", "html", "docx", "xlsx")
"""Every format the secretariat receives."""
CHUNK = 500
"""Participants seeded per batch, so the seeding itself never holds every answer."""


def consultation() -> Consultation:
    """`wgic-18-2027` with a follow-up group repeating each agenda item's answerable questions.

    Returns:
        The consultation the benchmark loads: 20 answerable questions and two documents.
    """
    (bundled,) = [c for c in load_consultations(BUNDLED_CONSULTATIONS) if c.id == CONSULTATION]
    data = bundled.model_dump(mode="json", exclude_none=True)
    for item in data["agenda_items"]:
        repeated = [
            {**question, "id": f"{question['id']}-follow-up", "required": False}
            for question in item["questions"]
            if question["type"] != QuestionType.DOCUMENT
        ]
        title = {"en": "Follow-up", "fr": "Suivi", "es": "Seguimiento"}
        item.setdefault("question_groups", []).append({"title": title, "questions": repeated})
    return Consultation.model_validate(data)


def _value(kind: str, spec: dict[str, Any], n: int) -> tuple[dict[str, Any], str] | None:
    choices = [c["id"] for c in spec.get("choices") or []]
    match kind:
        case "choice":
            return {"choice": choices[n % len(choices)]}, choices[n % len(choices)]
        case "multi_choice":
            picked = choices[: 1 + n % len(choices)]
            return {"choices": picked}, "; ".join(picked)
        case "yes_no":
            return {"yes": n % 3 != 0}, "yes" if n % 3 else "no"
        case "scale":
            low, high = spec.get("scale_min", 1), spec.get("scale_max", 5)
            return {"scale": low + n % (high - low + 1)}, str(low + n % (high - low + 1))
        case "text":
            text = f"{PROSE * 2}<b>#{n}</b>"
            return {"text": text}, text
        case _:
            return None  # Documents need files; the digest only lists them.


async def seed(database: AsyncEngine, submissions: int) -> dict[str, int]:
    """Load the consultation and seed `submissions` participants, each submitting everything.

    One organisation per ten participants, each with an invite to the consultation (so the
    participants are its audience), plus one invited organisation in ten that has not
    registered (so the digest lists outstanding organisations).

    Args:
        database: A migrated, empty database.
        submissions: How many participants submit.

    Returns:
        How many participants, agenda-item submissions and answers were seeded.
    """
    store = Store(session_factory(database))
    await load_into(store, [consultation()], FixedClock(NOW))
    async with store.transaction() as uow:
        questions: Sequence[QuestionRow] = await uow.consultations.questions_of(CONSULTATION)
        items = await uow.consultations.items(CONSULTATION)
    registered = max(1, -(-submissions // PER_ORGANISATION))
    organisations = registered + max(1, registered // 10)
    answers = 0
    async with database.begin() as connection:
        await connection.execute(
            insert(Organisation),
            [
                {
                    "id": n + 1,
                    "name": f"Organisation {n:05d}",
                    "category": list(Category)[n % len(Category)].value,
                    "country": COUNTRIES[n % len(COUNTRIES)],
                    "created_at": NOW,
                }
                for n in range(organisations)
            ],
        )
        await connection.execute(
            insert(Invite),
            [
                {
                    "id": n + 1,
                    "code": f"BENCH{n:06d}",
                    "organisation_id": n + 1,
                    "consultation_id": CONSULTATION,
                    "max_uses": PER_ORGANISATION,
                    "uses": PER_ORGANISATION if n < registered else 0,
                    "created_at": NOW,
                }
                for n in range(organisations)
            ],
        )
        for start in range(0, submissions, CHUNK):
            people = range(start, min(start + CHUNK, submissions))
            await connection.execute(
                insert(Participant),
                [
                    {
                        "id": n + 1,
                        "organisation_id": n // PER_ORGANISATION + 1,
                        "invite_id": n // PER_ORGANISATION + 1,
                        "status": "active",
                        "display_name": f"Person {n}",
                        "gender": GENDERS[n % len(GENDERS)],
                        "credit": CREDITS[n % len(CREDITS)],
                        "state": "home",
                        "context": {},
                        "locale": "en",
                        "reminders_paused": False,
                        "unreachable": False,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for n in people
                ],
            )
            await connection.execute(
                insert(Consent),
                [
                    {
                        "participant_id": n + 1,
                        "kind": kind,
                        "granted": True,
                        "notice_version": "1",
                        "created_at": NOW,
                    }
                    for n in people
                    for kind in ("processing", "publication")
                ],
            )
            rows = [
                {
                    "participant_id": n + 1,
                    "question_id": question.id,
                    "value": made[0],
                    "text": made[1],
                    "language": "en",
                    "revision": 1,
                    "created_at": NOW,
                    # Spread over a fortnight, so part of them is new since a week ago.
                    "updated_at": NOW - timedelta(hours=n % 336),
                }
                for n in people
                for question in questions
                if (made := _value(question.type, question.spec, n)) is not None
            ]
            answers += len(rows)
            await connection.execute(insert(Answer), rows)
            await connection.execute(
                insert(Submission),
                [
                    {
                        "participant_id": n + 1,
                        "agenda_item_id": item.id,
                        "status": "submitted",
                        "reference": f"R{n}-{item.id}",
                        "submitted_at": NOW - timedelta(hours=n % 336),
                        "updated_at": NOW,
                    }
                    for n in people
                    for item in items
                ],
            )
    return {
        "submissions": submissions,
        "item_submissions": submissions * len(items),
        "answers": answers,
    }


def _rss_mb() -> float:
    """The process's peak resident memory (VmHWM) in MB since the last `_reset_rss()`."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0  # not Linux: no figure


def _reset_rss() -> None:
    """Start a new peak: '5' resets VmHWM to the current resident size (Linux 4.0+)."""
    with suppress(OSError):  # not Linux, or not allowed: the peak covers the whole run
        Path("/proc/self/clear_refs").write_text("5")


@contextmanager
def _traced() -> Iterator[list[float]]:
    """The Python-level peak (tracemalloc) of the block, in MB, in the yielded list."""
    peak: list[float] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(round(tracemalloc.get_traced_memory()[1] / 1024 / 1024, 1))
        tracemalloc.stop()


NAIVE = {"docx": "bench.naive_docx", "xlsx": "bench.naive_xlsx"}
"""The renderers as they were before issue 14, measured beside today's; imported only when
measured, so that python-docx and openpyxl weigh on no other figure."""


def _rendered(digest: Digest, fmt: str, path: str) -> dict[str, Any]:
    """One format rendered once: wall and CPU seconds, resident peak, size."""
    _reset_rss()
    started, cpu = time.perf_counter(), time.process_time()
    if path == "naive":
        renderer = importlib.import_module(NAIVE[fmt])
        with collector_paused():
            content: bytes = renderer.render(digest)
    else:
        content = render(digest, fmt)
    return {
        "format": fmt,
        "path": path,
        "s": round(time.perf_counter() - started, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "rss_peak_mb": _rss_mb(),
        "size_mb": round(len(content) / 1024 / 1024, 1),
    }


async def seeded(url: str, submissions: int) -> dict[str, Any]:
    """An empty database migrated and seeded with `submissions` submissions.

    Returns:
        The sizes seeded and the seconds it took.
    """
    database = create_engine(url)
    await migrate.upgrade(database)
    started = time.perf_counter()
    sizes = await seed(database, submissions)
    await database.dispose()
    return {**sizes, "seed_s": round(time.perf_counter() - started, 2)}


async def measure(
    url: str, submissions: int, *, formats: Sequence[str] = (), naive: Sequence[str] = ()
) -> dict[str, Any]:
    """Time one digest of a seeded database, then each format rendered from it.

    Args:
        url: A database `seeded` with `submissions` submissions.
        submissions: How many participants submitted all three agenda items.
        formats: Renderings to time one by one from the same digest ('md', 'docx', 'xlsx').
        naive: Of those, the ones to time again as they were made before (`NAIVE`).

    Returns:
        One table row (seconds, peak memory), and under "formats" one row per rendering:
        wall and CPU seconds and the resident peak while it ran, which includes the
        interpreter, its libraries and the digest it renders.
    """
    database = create_engine(url)
    store = Store(session_factory(database))
    since = NOW - timedelta(days=7)
    # Timed without tracemalloc (which slows allocation-heavy code several-fold), then
    # built again under tracemalloc for the Python-level peak; the resident peak (which
    # also counts memory held outside Python's allocator) is taken in the timed runs.
    _reset_rss()
    started, cpu = time.perf_counter(), time.process_time()
    digest = await build(store, CONSULTATION, now=NOW, since=since)
    built, built_cpu = time.perf_counter() - started, time.process_time() - cpu
    row: dict[str, Any] = {
        "build_s": round(built, 2),
        "build_cpu_s": round(built_cpu, 2),
        "build_rss_mb": _rss_mb(),
    }
    html = _rendered(digest, "html", "now")
    rows = [html] + [_rendered(digest, fmt, "now") for fmt in formats if fmt != "html"]
    # The old paths last: what they leave behind cannot weigh on today's figures.
    rows += [_rendered(digest, fmt, "naive") for fmt in formats if fmt in naive]
    del digest
    with _traced() as peak:
        render(await build(store, CONSULTATION, now=NOW, since=since), "html")
    await database.dispose()
    row |= {
        "build_and_html_s": round(built + html["s"], 2),
        "peak_mb": peak[0],
        "rss_peak_mb": max(row["build_rss_mb"], html["rss_peak_mb"]),
        "html_kb": round(html["size_mb"] * 1024),
    }
    if formats:
        row["formats"] = [{"submissions": submissions, **r} for r in rows]
    return row


def in_own_process(
    url: str, submissions: int, *, formats: Sequence[str], naive: Sequence[str]
) -> dict[str, Any]:
    """The database seeded in one fresh interpreter, the digest measured in another: the
    resident peaks count the digest, the interpreter and its libraries, not what seeding
    or the benchmarks run before left behind."""
    row = {"database": url.split("+", 1)[0].split(":", 1)[0]}
    for step in (["--seed"], [f"--format={fmt}" for fmt in formats]):
        command = [sys.executable, "-m", "bench.digest", url, str(submissions), *step]
        command += [f"--naive={fmt}" for fmt in naive] if step != ["--seed"] else []
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        row |= json.loads(done.stdout)
    return row


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.digest")
    parser.add_argument("url")
    parser.add_argument("submissions", type=int)
    parser.add_argument("--format", action="append", default=[], choices=FORMATS)
    parser.add_argument("--naive", action="append", default=[], choices=tuple(NAIVE))
    parser.add_argument("--seed", action="store_true", help="only seed the database")
    arguments = parser.parse_args()
    if arguments.seed:
        done = asyncio.run(seeded(arguments.url, arguments.submissions))
    else:
        done = asyncio.run(
            measure(
                arguments.url,
                arguments.submissions,
                formats=arguments.format,
                naive=arguments.naive,
            )
        )
    print(json.dumps(done))
