"""Three `serve` (or `run`) processes on one PostgreSQL, participants who tap every button
twice, and processes killed with SIGKILL, or restarted one at a time with SIGTERM, in the
middle of it: nothing is lost, nothing is stored twice, each chat is answered in order, a
reply is sent twice at most once per kill (never in a rolling restart), and one process
polls at a time."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import database_kind, new_invite
from tests.fakes.telegram_server import on_loopback
from tests.faults.processes import (
    BOUND,
    Balancer,
    Serve,
    WatchedTelegram,
    all_sent,
    environment,
    nothing_lost_or_stored_twice,
    people,
    read_logs,
    walk,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        database_kind() != "postgresql",
        reason="several processes share one database only on PostgreSQL (SQLite serves one)",
    ),
]

PROCESSES = 3
PARTICIPANTS = 10
KILL_EVERY = 5.0
"""Seconds between two kills."""
MAX_KILLS = 6
"""Kills in one run: each restart costs seconds of CPU on a small machine."""
TAKE_OVER = 5.0
"""Seconds within which a standby polls once the poller died."""


@pytest.fixture
async def fake() -> AsyncIterator[WatchedTelegram]:
    """The fake Bot API on loopback, waking waiters at every call."""
    async with on_loopback(WatchedTelegram()) as server:
        yield server


async def started(
    fake: WatchedTelegram, database_url: str, workdir: Path, command: str
) -> list[Serve]:
    """PROCESSES processes of `command`, serving."""
    env = environment(database_url, fake.url, workdir)
    processes = [Serve(i, env, workdir, command=command) for i in range(PROCESSES)]
    await asyncio.gather(*(serve.start() for serve in processes))
    return processes


async def stopped(processes: list[Serve], workdir: Path) -> str:
    """Every process killed; what they logged."""
    await asyncio.gather(*(serve.kill() for serve in processes))
    return await asyncio.to_thread(read_logs, workdir)


async def test_three_serve_processes_killed_in_turn_lose_and_repeat_nothing(
    fake: WatchedTelegram, store: Store, database_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(datetime.now(UTC))
    codes = [await new_invite(store, clock, max_uses=1) for _ in range(PARTICIPANTS)]
    processes = await started(fake, database_url, tmp_path, "serve")
    balancer = Balancer(processes)
    walkers = people(PARTICIPANTS, fake)
    kills = 0
    rng = random.Random(16)
    restarts: set[asyncio.Task[None]] = set()

    async def killer() -> None:
        nonlocal kills
        while kills < MAX_KILLS:
            await asyncio.sleep(KILL_EVERY)
            alive = [serve for serve in processes if serve.process is not None]
            if len(alive) < 2:
                continue  # one always serves, as in a deployment with one process down
            victim = rng.choice(alive)
            await victim.kill()
            kills += 1
            restart = asyncio.create_task(victim.start())  # restarted while the others serve
            restarts.add(restart)
            restart.add_done_callback(restarts.discard)

    killing = asyncio.create_task(killer())
    try:
        await asyncio.gather(
            *(walk(p, code, fake, balancer.post) for p, code in zip(walkers, codes, strict=True))
        )
        await all_sent(database_url)
    finally:
        killing.cancel()
        await asyncio.gather(killing, *restarts, return_exceptions=True)
        await balancer.client.aclose()
        logs = await stopped(processes, tmp_path)

    assert kills >= 2, "the journeys ended before two kills: the test proves little"
    duplicated = await nothing_lost_or_stored_twice(database_url, fake, walkers)
    assert duplicated <= kills, (duplicated, kills)
    assert "Traceback" not in logs


async def test_a_rolling_restart_loses_and_repeats_nothing(
    fake: WatchedTelegram, store: Store, database_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(datetime.now(UTC))
    codes = [await new_invite(store, clock, max_uses=1) for _ in range(PARTICIPANTS)]
    processes = await started(fake, database_url, tmp_path, "serve")
    env = environment(database_url, fake.url, tmp_path)
    balancer = Balancer(list(processes))
    walkers = people(PARTICIPANTS, fake)
    exits: list[int] = []

    async def deploy() -> None:
        # As a PaaS deploys: start the new process, then stop the old one, one at a time.
        for index, old in enumerate(list(processes)):
            await asyncio.sleep(KILL_EVERY)
            new = Serve(PROCESSES + index, env, tmp_path)
            await new.start()
            processes.append(new)
            balancer.processes[:] = [new, *(p for p in balancer.processes if p is not old)]
            exits.append(await old.terminate())

    deploying = asyncio.create_task(deploy())
    try:
        await asyncio.gather(
            *(walk(p, code, fake, balancer.post) for p, code in zip(walkers, codes, strict=True))
        )
        await deploying
        await all_sent(database_url)
    finally:
        deploying.cancel()
        await asyncio.gather(deploying, return_exceptions=True)
        await balancer.client.aclose()
        logs = await stopped(processes, tmp_path)

    assert exits == [0] * PROCESSES
    assert await nothing_lost_or_stored_twice(database_url, fake, walkers) == 0
    assert "Traceback" not in logs


async def test_three_run_processes_poll_one_at_a_time_and_take_over_within_5s(
    fake: WatchedTelegram, store: Store, database_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(datetime.now(UTC))
    codes = [await new_invite(store, clock, max_uses=1) for _ in range(PARTICIPANTS)]
    processes = await started(fake, database_url, tmp_path, "run")
    walkers = people(PARTICIPANTS, fake)
    kills: list[float] = []
    take_overs: list[float] = []

    async def inject(update: dict[str, Any]) -> None:
        fake.inject(update)

    async def kill_the_poller() -> None:
        while len(kills) < MAX_KILLS // 2:
            await asyncio.sleep(KILL_EVERY)
            pollers = [serve for serve in processes if await serve.polls()]
            assert len(pollers) == 1, [serve.log.name for serve in pollers]
            killed_at = time.monotonic()
            await pollers[0].kill()
            kills.append(killed_at)
            await fake.wait_for(lambda k=killed_at: any(b > k for b, _ in fake.polls), BOUND)
            take_overs.append(min(b for b, _ in fake.polls if b > killed_at) - killed_at)
            await pollers[0].start()

    killing = asyncio.create_task(kill_the_poller())
    try:
        await asyncio.gather(
            *(walk(p, code, fake, inject) for p, code in zip(walkers, codes, strict=True))
        )
        await all_sent(database_url)
        await fake.wait_confirmed(max(max(p.sent, default=0) for p in walkers), bound=BOUND)
    finally:
        killing.cancel()
        await asyncio.gather(killing, return_exceptions=True)
        logs = await stopped(processes, tmp_path)

    assert kills, "the journeys ended before a kill: the test proves little"
    assert max(take_overs) < TAKE_OVER, take_overs
    # One poller at a time: a getUpdates overlaps another only while a killed poller's
    # request is still held by the fake (it answers a long poll after 2 s at most).
    polls = sorted(fake.polls)
    for (began, ended), (after, _) in itertools.pairwise(polls):
        if after < ended:
            assert any(began <= k <= after for k in kills), (began, ended, after)
    assert "409" not in logs
    await nothing_lost_or_stored_twice(database_url, fake, walkers)
    assert "Traceback" not in logs
