"""Engine throughput: answer steps per second and latency per step, on SQLite by default.

Run with `make bench`; set DATABASE_URL to measure PostgreSQL instead. Results are
printed as a table and written to bench/results/engine.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.app import load_into
from bot.invites import InviteRequest, create
from config.consultation import load_consultations
from config.settings import BUNDLED_CONSULTATIONS, async_database_url
from handlers.engine import Engine
from handlers.events import Inbound
from handlers.ports import FileStore, FixedClock
from storage import migrate
from storage.db import create_engine, session_factory
from storage.models import Category
from storage.repositories import Store

RESULTS = Path(__file__).parent / "results"
NOW = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)


async def _participant(engine: Engine, store: Store, clock: FixedClock, user: str) -> None:
    invite = await create(
        store,
        InviteRequest(f"Organisation {user}", Category.NGO, "AT", "wgic-18-2027"),
        now=clock.now(),
        actor="bench",
    )
    script = [
        {"text": f"/start {invite.code}"},
        {"payload": "lang:en"},
        {"payload": "consent:yes"},
        {"payload": "pub:no"},
        {"payload": "profile:ok"},
        {"payload": "gender:undisclosed"},
        {"payload": "cons:wgic-18-2027"},
    ]
    for step in script:
        await engine.handle(Inbound("bench", user, user, **step))


async def measure(url: str, participants: int, rounds: int) -> dict[str, float | int | str]:
    database = create_engine(url)
    await migrate.upgrade(database)
    store = Store(session_factory(database))
    clock = FixedClock(NOW)
    await load_into(store, load_consultations(BUNDLED_CONSULTATIONS), clock)
    with tempfile.TemporaryDirectory() as files:
        engine = Engine(store, clock=clock, files=FileStore(Path(files)))
        users = [f"u{participants}-{n}" for n in range(participants)]
        for user in users:
            await _participant(engine, store, clock, user)
        latencies: list[float] = []
        text = "Civil society should be heard in the working groups, with safeguards for privacy."
        started = time.perf_counter()
        for round_ in range(rounds):
            for user in users:
                # Each step is a full round trip: a status look-up and a text message.
                begin = time.perf_counter()
                await engine.handle(
                    Inbound("bench", user, user, update_id=f"{user}-{round_}", text=text)
                )
                latencies.append(time.perf_counter() - begin)
        elapsed = time.perf_counter() - started
    await database.dispose()
    latencies.sort()
    return {
        "database": url.split(":", 1)[0],
        "participants": participants,
        "steps": len(latencies),
        "steps_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


async def main() -> None:
    url = os.environ.get("DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for participants, rounds in ((1, 200), (100, 3)):
            target = (
                async_database_url(url) if url else f"sqlite+aiosqlite:///{tmp}/b{participants}.db"
            )
            rows.append(await measure(target, participants, rounds))
    print(
        f"{'database':<20}{'participants':>13}{'steps':>7}{'steps/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
    )
    for row in rows:
        print(
            f"{row['database']:<20}{row['participants']:>13}{row['steps']:>7}"
            f"{row['steps_per_s']:>10}{row['p50_ms']:>9}{row['p99_ms']:>9}"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "engine.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
