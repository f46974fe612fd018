"""Digest build time and peak memory for many submissions, seeded in bulk with Core inserts."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from bot.app import load_into
from bot.digest import render_html
from bot.digest.build import build
from config.consultation import load_consultations
from config.settings import BUNDLED_CONSULTATIONS
from handlers.ports import FixedClock
from storage import migrate
from storage.db import create_engine, session_factory
from storage.models import Answer, Organisation, Participant, Submission
from storage.repositories import Store

NOW = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
CONSULTATION = "wgic-18-2027"
PROSE = (
    "Cooperation with service providers needs clear legal bases, oversight by courts and "
    "transparency reports; civil society asks for safeguards in every request. "
)


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


async def measure(url: str, submissions: int) -> dict[str, Any]:
    """Seed `submissions` participants answering every question, then time one digest."""
    database = create_engine(url)
    await migrate.upgrade(database)
    store = Store(session_factory(database))
    await load_into(store, load_consultations(BUNDLED_CONSULTATIONS), FixedClock(NOW))
    async with store.transaction() as uow:
        questions = list(await uow.consultations.questions_of(CONSULTATION))
        items = list(await uow.consultations.items(CONSULTATION))
    seeded = time.perf_counter()
    async with database.begin() as connection:
        await connection.execute(
            insert(Organisation),
            [
                {
                    "id": n + 1,
                    "name": f"Organisation {n}",
                    "category": "ngo",
                    "country": "AT",
                    "created_at": NOW,
                }
                for n in range(max(1, submissions // 10))
            ],
        )
        await connection.execute(
            insert(Participant),
            [
                {
                    "id": n + 1,
                    "organisation_id": n // 10 + 1,
                    "status": "active",
                    "state": "home",
                    "context": {},
                    "locale": "en",
                    "reminders_paused": False,
                    "unreachable": False,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n in range(submissions)
            ],
        )
        answers = []
        for n in range(submissions):
            for question in questions:
                made = _value(question.type, question.spec, n)
                if made is not None:
                    answers.append(
                        {
                            "participant_id": n + 1,
                            "question_id": question.id,
                            "value": made[0],
                            "text": made[1],
                            "language": "en",
                            "revision": 1,
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                    )
        for start in range(0, len(answers), 20_000):
            await connection.execute(insert(Answer), answers[start : start + 20_000])
        await connection.execute(
            insert(Submission),
            [
                {
                    "participant_id": n + 1,
                    "agenda_item_id": item.id,
                    "status": "submitted",
                    "reference": f"R{n}-{item.id}",
                    "submitted_at": NOW,
                    "updated_at": NOW,
                }
                for n in range(submissions)
                for item in items
            ],
        )
    seeding = time.perf_counter() - seeded
    # Timed without tracemalloc (which slows allocation-heavy code several-fold), then
    # built again under tracemalloc for the peak.
    started = time.perf_counter()
    digest = await build(store, CONSULTATION, now=NOW, final=False)
    built = time.perf_counter() - started
    html = render_html.render(digest)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    render_html.render(await build(store, CONSULTATION, now=NOW, final=False))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await database.dispose()
    return {
        "database": url.split("+", 1)[0].split(":", 1)[0],
        "submissions": submissions,
        "answers": len(answers),
        "seed_s": round(seeding, 2),
        "build_s": round(built, 2),
        "build_and_html_s": round(elapsed, 2),
        "peak_mb": round(peak / 1024 / 1024, 1),
        "html_kb": len(html) // 1024,
    }
