"""Three `serve` processes on one PostgreSQL behind a round-robin balancer, participants who
tap every button twice, and one process killed with SIGKILL and restarted every few seconds:
nothing is lost, nothing is stored twice, each chat is answered in order, and a reply is
sent twice at most once per kill."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import database_kind, new_invite
from tests.fakes.telegram_server import TOKEN, on_loopback
from tests.faults.bot_process import TO_FIRST_QUESTION, ObservedTelegram, Person, scalar_rows

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
BOUND = 90.0
"""Seconds any one wait may take before the test fails (a hung process, not a slow one: a
chat's replies are paced at one a second, and two of three processes may be starting)."""
SECRET = "many-processes-secret"
TEXT = "We contributed to the self-assessment checklist in 2026 and would do so again."
JOURNEY: tuple[tuple[str, str, str], ...] = (
    *TO_FIRST_QUESTION,
    ("press", "We contributed to it", "Question 2 of 3"),
    ("press", "Yes", "Question 3 of 3"),
    ("say", TEXT, "Submit"),
    ("press", "Submit", "Reference: WGIC-18-2027-2-"),
)
"""(action, argument, what the bot shows once it is handled); every press is a double tap."""


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Serve:
    """One `python -m bot serve` process on its own port, killed and restarted at will."""

    def __init__(self, index: int, env: dict[str, str], workdir: Path) -> None:
        self.index = index
        self.port = free_port()
        self.env = env | {"PORT": str(self.port)}
        self.workdir = workdir
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        """Start it; returns once its health check answers."""
        self.starts += 1
        log = (self.workdir / f"serve-{self.index}-{self.starts}.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            cwd=self.workdir,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        log.close()
        async with httpx.AsyncClient() as client, asyncio.timeout(BOUND):
            while True:
                try:
                    answer = await client.get(f"http://127.0.0.1:{self.port}/healthz")
                    if answer.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)  # a real process starting: nothing to inject

    async def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGKILL)
            await process.wait()


class Balancer:
    """Round-robin over the processes, as a load balancer and Telegram's redelivery do
    together: a request that finds its process dead or failing goes to the next one."""

    def __init__(self, processes: list[Serve]) -> None:
        self.processes = processes
        self._next = itertools.cycle(range(len(processes)))
        self.client = httpx.AsyncClient(timeout=10.0)
        self.retried = 0

    async def post(self, update: dict[str, Any]) -> None:
        """Deliver one update until a process answers 200."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with asyncio.timeout(BOUND):
            while True:
                serve = self.processes[next(self._next)]
                url = f"http://127.0.0.1:{serve.port}/telegram/webhook"
                try:
                    answer = await self.client.post(url, json=update, headers=headers)
                    if answer.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                self.retried += 1
                await asyncio.sleep(0.05)


@pytest.fixture
async def fake() -> AsyncIterator[ObservedTelegram]:
    """The fake Bot API on loopback, waking waiters at every call."""
    async with on_loopback(ObservedTelegram()) as server:
        yield server


async def walk(person: Person, code: str, fake: ObservedTelegram, balancer: Balancer) -> None:
    """One participant's journey, every button tapped twice."""
    for action, argument, done in JOURNEY:
        before = len(fake.calls)
        if action == "say":
            updates = [person.text_update(argument.format(code=code))]
        else:
            updates = [person.press_update(argument), person.press_update(argument)]
        for update in updates:
            fake.track(update)
            await balancer.post(update)
        try:
            await fake.wait_for(lambda b=before, d=done: d in person.shown(b), BOUND)
        except TimeoutError:
            ids = [update["update_id"] for update in updates]
            raise AssertionError(
                f"{person.user_id} waited for {done!r} after {action} {argument!r} ({ids}); "
                f"shown since: {person.shown(before)!r}"
            ) from None


def read_logs(workdir: Path) -> str:
    """Everything the processes wrote."""
    return "\n".join(p.read_text(errors="replace") for p in sorted(workdir.glob("*.log")))


def sent_to(fake: ObservedTelegram, chat: int) -> list[dict[str, Any]]:
    """The messages and edits the bot made in a chat, in order."""
    return [
        call.params
        for call in fake.calls
        if call.status == 200
        and call.method in ("sendMessage", "editMessageText")
        and call.params.get("chat_id") == chat
    ]


def render(params: dict[str, Any]) -> str:
    """A message as the participant reads it: its text and its buttons' labels."""
    rows = (params.get("reply_markup") or {}).get("inline_keyboard", [])
    return "\n".join([str(params.get("text")), *(b["text"] for row in rows for b in row)])


def repeated(calls: list[dict[str, Any]]) -> int:
    """How many calls repeat the call just before them exactly: a send made again."""
    return sum(1 for a, b in itertools.pairwise(calls) if json.dumps(a) == json.dumps(b))


async def test_three_serve_processes_killed_in_turn_lose_and_repeat_nothing(
    fake: ObservedTelegram, store: Store, database_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(datetime.now(UTC))
    codes = [await new_invite(store, clock, max_uses=1) for _ in range(PARTICIPANTS)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
    env |= {
        "DATABASE_URL": database_url,
        "FILES_DIR": str(tmp_path / "files"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"{fake.url}/bot",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "LOG_LEVEL": "INFO",
    }
    processes = [Serve(i, env, tmp_path) for i in range(PROCESSES)]
    await asyncio.gather(*(serve.start() for serve in processes))
    balancer = Balancer(processes)
    people = [
        Person(fake, 5230018000 + i, itertools.count(815_000_000 + 10_000 * i))
        for i in range(PARTICIPANTS)
    ]
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
            *(walk(p, code, fake, balancer) for p, code in zip(people, codes, strict=True))
        )
        killing.cancel()
        with_unsent = "SELECT count(*) FROM outbox WHERE done_at IS NULL"
        async with asyncio.timeout(BOUND):
            # Another process writes it: nothing here to wait on but the database itself.
            while (await scalar_rows(database_url, with_unsent))[0][0]:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
    finally:
        killing.cancel()
        await asyncio.gather(killing, *restarts, return_exceptions=True)
        await asyncio.gather(*(serve.kill() for serve in processes))
        await balancer.client.aclose()
        logs = await asyncio.to_thread(read_logs, tmp_path)

    assert kills >= 2, "the journeys ended before two kills: the test proves little"
    # 0 stored twice: each update recorded once; one revision per answer; one receipt each.
    counts = await scalar_rows(
        database_url, "SELECT update_key, count(*) FROM processed_updates GROUP BY update_key"
    )
    assert {count for _, count in counts} == {1}
    revisions = await scalar_rows(
        database_url,
        "SELECT a.revision, (SELECT count(*) FROM answer_revisions r WHERE r.answer_id = a.id) "
        "FROM answers a",
    )
    assert revisions == [(1, 1)] * (3 * PARTICIPANTS)
    submitted = await scalar_rows(
        database_url, "SELECT count(*), count(DISTINCT participant_id) FROM submissions"
    )
    assert submitted == [(PARTICIPANTS, PARTICIPANTS)]
    # 0 replies lost: every reply committed was sent, and every journey reached its receipt.
    outcomes = await scalar_rows(database_url, "SELECT outcome, count(*) FROM outbox GROUP BY 1")
    assert [outcome for outcome, _ in outcomes] == ["sent"], outcomes
    duplicated = 0
    for person in people:
        calls = sent_to(fake, person.user_id)
        receipts = [c for c in calls if "Reference: WGIC-18-2027-2-" in str(c.get("text"))]
        shown = [render(c) for c in calls]
        # In order: each step's answer first appears after the one before it.
        firsts = [next(i for i, t in enumerate(shown) if done in t) for _, _, done in JOURNEY[1:]]
        assert firsts == sorted(firsts), person.user_id
        duplicated += repeated(calls)
        assert len(receipts) - 1 <= repeated(calls), person.user_id
    assert duplicated <= kills, (duplicated, kills)
    assert "Traceback" not in logs
