"""Throughput of two `serve` processes against one, on one PostgreSQL database.

The journey of `bench.telegram` (onboarding, then a typed answer and "Change answer 3",
again and again) in webhook mode, each POST sent to the processes in turn as a round-robin
balancer does, with nobody thinking between steps: a person sends the next update as soon
as the whole reply was shown. The fake's limits are lifted, and so is the product's overall
pace (`TELEGRAM_MESSAGES_PER_SECOND=1000`), so what the updates/s show is what the
processes handle; each chat keeps its own pace (3 messages in 3 s), so enough people are
needed to keep the processes busy.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete

from bench.engine import _percentile
from bench.telegram import (
    BOUND,
    FIRST_USER,
    LOOP,
    ONBOARDING,
    SECRET,
    SECRET_HEADER,
    Replies,
    ServeProcess,
    _all,
    _invites,
)
from bot.app import build
from config.settings import load_settings
from storage.relay_models import InboxItem, OutboxItem
from tests.fakes import serve_loopback
from tests.faults.bot_process import ObservedTelegram, Person


async def _clean(database_url: str, workdir: Path) -> None:
    """No update or reply of an earlier run left to handle."""
    app = await build(load_settings(database_url=database_url, files_dir=workdir / "files"))
    try:
        async with app.store.transaction() as uow:
            await uow.session.execute(delete(InboxItem))
            await uow.session.execute(delete(OutboxItem))
    finally:
        await app.close()


async def measure(
    database_url: str, workdir: Path, processes: int, participants: int, updates: int
) -> dict[str, Any]:
    """Onboard `participants`, then time `updates` answer steps spread over `processes`."""
    await _clean(database_url, workdir)
    codes = await _invites(database_url, workdir, participants)
    fake = ObservedTelegram()
    replies = Replies(fake)
    # Users and update ids of their own: a database of an earlier run knows its people.
    run = int(time.time() * 10) % 100_000
    ids = itertools.count(1_000_000_000 + run * 100_000)
    first = FIRST_USER + 10_000 * run
    people = [Person(fake, first + n, ids) for n in range(participants)]
    running: list[tuple[ServeProcess, asyncio.subprocess.Process]] = []
    async with serve_loopback(fake.app) as url, httpx.AsyncClient(timeout=BOUND) as client:
        fake.url = url
        for n in range(processes):
            (workdir / f"p{n}").mkdir()
            bot = ServeProcess(fake, database_url, workdir / f"p{n}")
            bot.env |= {"TELEGRAM_MESSAGES_PER_SECOND": "1000"}
            await bot.start()
            assert fake.process is not None
            running.append((bot, fake.process))
        turn = itertools.cycle([bot for bot, _ in running])

        def alive() -> bool:
            return all(process.returncode is None for _, process in running)

        async def step(person: Person, kind: str, argument: str, marker: str) -> float:
            chat = person.user_id
            since = len(replies.shown[chat])
            update = (
                person.text_update(argument) if kind == "say" else person.press_update(argument)
            )
            fake.track(update)
            person.sent.append(int(update["update_id"]))
            started = time.perf_counter()
            answer = await client.post(
                f"{next(turn).url}/telegram/webhook", json=update, headers={SECRET_HEADER: SECRET}
            )
            if answer.status_code != 200:
                raise RuntimeError(f"webhook answered {answer.status_code}")
            await replies.wait(
                chat, since, marker, lambda: all(p.returncode is None for _, p in running)
            )
            return replies.shown[chat][since][0] - started

        async def onboard(person: Person, code: str) -> None:
            for kind, argument, marker in ONBOARDING:
                await step(person, kind, argument.format(code=code), marker)

        latencies: list[float] = []

        async def answer(number: int, person: Person) -> None:
            count = updates // participants + (number < updates % participants)
            for kind, argument, marker in itertools.islice(itertools.cycle(LOOP), count):
                latencies.append(await step(person, kind, argument, marker))

        try:
            await _all(onboard(person, code) for person, code in zip(people, codes, strict=True))
            await asyncio.sleep(3.0)  # Each chat's window empties, as in bench.telegram.
            started = time.perf_counter()
            await _all(answer(number, person) for number, person in enumerate(people))
            elapsed = time.perf_counter() - started
        except BaseException:
            print("\n".join(bot.logs()[-2000:] for bot, _ in running), file=sys.stderr)
            raise
        finally:
            for _, process in running:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for _, process in running:
                await asyncio.wait_for(process.wait(), BOUND)
            fake.close()
    latencies.sort()
    return {
        "processes": processes,
        "participants": participants,
        "updates": len(latencies),
        "seconds": round(elapsed, 2),
        "updates/s": round(len(latencies) / elapsed, 1),
        "p50 ms": round(statistics.median(latencies) * 1000, 1),
        "p99 ms": round(_percentile(latencies, 0.99) * 1000, 1),
    }
