"""Engine throughput and latency per answer step, for interleaved participants."""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import text

from bot.app import load_into
from bot.invites import InviteRequest, create
from config.consultation import load_consultations
from config.settings import BUNDLED_CONSULTATIONS
from handlers.engine import Engine
from handlers.events import Inbound
from handlers.ports import FileStore, FixedClock
from storage import migrate
from storage.db import create_engine, session_factory
from storage.models import Base, Category
from storage.repositories import Store

NOW = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
STEP = timedelta(seconds=1)
CONSULTATION = "wgic-18-2027"
TEXT = "Civil society should be heard in the working groups, with safeguards for privacy."


async def _onboard(engine: Engine, store: Store, clock: FixedClock, user: str) -> None:
    invite = await create(
        store,
        InviteRequest(f"Organisation {user}", Category.NGO, "AT", CONSULTATION),
        now=clock.now(),
        actor="bench",
    )
    steps: tuple[dict[str, Any], ...] = (
        {"text": f"/start {invite.code}"},
        {"payload": "lang:en"},
        {"payload": "consent:yes"},
        {"payload": "pub:no"},
        {"payload": "profile:ok"},
        {"payload": "gender:undisclosed"},
        {"payload": f"cons:{CONSULTATION}"},
    )
    for step in steps:
        await engine.handle(Inbound("bench", user, user, **step))


async def _first_text_question(store: Store) -> tuple[int, list[tuple[int, str, str]]]:
    """The first agenda item and its questions up to (and including) the next after a text one."""
    async with store.transaction() as uow:
        for item in await uow.consultations.items(CONSULTATION):
            rows = list(await uow.consultations.questions(item.id))
            plan: list[tuple[int, str, str]] = []
            for index, row in enumerate(rows):
                choices = row.spec.get("choices") or [{}]
                plan.append((row.id, row.type, str(choices[0].get("id", "yes"))))
                if row.type == "text" and index + 1 < len(rows):
                    plan.append((rows[index + 1].id, rows[index + 1].type, ""))
                    return item.id, plan
                if row.type not in {"choice", "yes_no"}:
                    break
    raise RuntimeError("the bundled consultation has no text question followed by another")


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * share) - 1))]


async def measure(url: str, participants: int, steps: int) -> dict[str, Any]:
    """Onboard `participants`, walk them to a text question, then time `steps` answer steps.

    Each measured cycle is two steps per participant, interleaved across participants: a
    typed answer (validated, stored, submission touched, next question shown) and the "‹ Back"
    button (previous question shown again with the current answer), so the load is steady.
    """
    database = create_engine(url)
    await migrate.upgrade(database)
    if not url.startswith("sqlite"):
        # The benchmark's own PostgreSQL database: start empty so runs compare.
        names = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
        async with database.begin() as connection:
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    store = Store(session_factory(database))
    clock = FixedClock(NOW)
    await load_into(store, load_consultations(BUNDLED_CONSULTATIONS), clock)
    with tempfile.TemporaryDirectory() as files:
        engine = Engine(store, clock=clock, files=FileStore(Path(files)))
        users = [f"u{participants}-{n}" for n in range(participants)]
        item_id, plan = await _first_text_question(store)
        for user in users:
            await _onboard(engine, store, clock, user)
            await engine.handle(Inbound("bench", user, user, payload=f"item:{item_id}"))
            for question_id, kind, value in plan[:-2]:
                answer = "yes" if kind == "yes_no" else value
                await engine.handle(
                    Inbound("bench", user, user, payload=f"ans:{question_id}:{answer}")
                )
        text_id, next_id = plan[-2][0], plan[-1][0]
        queries = [0]

        def _count(*_: object) -> None:
            queries[0] += 1

        sa_event.listen(database.sync_engine, "before_cursor_execute", _count)
        answers: list[float] = []
        latencies: list[float] = []
        counter = 0
        started = time.perf_counter()
        while len(latencies) < steps:
            for user in users:
                for event in (
                    Inbound("bench", user, user, update_id=f"{user}-{counter}", text=TEXT),
                    Inbound(
                        "bench",
                        user,
                        user,
                        update_id=f"{user}-{counter}b",
                        payload=f"back:{next_id}",
                    ),
                ):
                    # Time moves as it does in production, so every step writes what a
                    # real one writes (the participant's and the submission's updated_at).
                    clock.set(clock.now() + STEP)
                    begin = time.perf_counter()
                    replies = await engine.handle(event)
                    spent = time.perf_counter() - begin
                    latencies.append(spent)
                    if event.text is not None:
                        answers.append(spent)
                    if not replies:
                        raise RuntimeError(f"no reply to {event}")
                counter += 1
                if len(latencies) >= steps:
                    break
        elapsed = time.perf_counter() - started
        sa_event.remove(database.sync_engine, "before_cursor_execute", _count)
        async with store.transaction() as uow:
            identity = await uow.identities.get("bench", users[0])
            owner = identity.participant_id if identity and identity.participant_id else 0
            participant_answer = await uow.answers.get(owner, text_id)
            if participant_answer is None or participant_answer.text != TEXT:
                raise RuntimeError("the benchmark's answers were not stored")
    await database.dispose()
    latencies.sort()
    answers.sort()
    return {
        "database": url.split("+", 1)[0].split(":", 1)[0],
        "participants": participants,
        "steps": len(latencies),
        "steps_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2),
        "answer_p99_ms": round(_percentile(answers, 0.99) * 1000, 2),
        "queries_per_step": round(queries[0] / len(latencies), 1),
    }
