"""Several real `serve` or `run` processes on one database, the participants who walk the
journey through them and what the fake Bot API saw: the parts of tests/faults/
test_many_processes.py."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from tests.fakes.slack_server import TOKEN as SLACK_TOKEN
from tests.fakes.telegram_server import TOKEN
from tests.faults.bot_process import TO_FIRST_QUESTION, ObservedTelegram, Person, scalar_rows

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
Deliver = Callable[[dict[str, Any]], Awaitable[None]]


class WatchedTelegram(ObservedTelegram):
    """The observing fake Bot API that also notes when each getUpdates began and ended."""

    def __init__(self) -> None:
        super().__init__()
        self.polls: list[tuple[float, float]] = []

    async def _api(self, request: Request) -> Response:
        if request.path_params["method"] != "getUpdates":
            return await super()._api(request)
        began = time.monotonic()
        try:
            return await super()._api(request)
        finally:
            self.polls.append((began, time.monotonic()))


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Serve:
    """One `python -m bot serve` (or `run`) process, killed, stopped and restarted at will."""

    def __init__(
        self, index: int, env: dict[str, str], workdir: Path, *, command: str = "serve"
    ) -> None:
        self.index = index
        self.command = command
        self.port = free_port()
        self.env = env | {"PORT": str(self.port)}
        self.workdir = workdir
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.log = workdir / f"{command}-{index}-0.log"

    async def start(self) -> None:
        """Start it; returns once it serves (its health check answers, or it logged that
        its scheduler started: its channel has started before)."""
        self.starts += 1
        self.log = self.workdir / f"{self.command}-{self.index}-{self.starts}.log"
        out = self.log.open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            self.command,
            cwd=self.workdir,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
        out.close()
        async with httpx.AsyncClient() as client, asyncio.timeout(BOUND):
            # A real process starting: nothing to wait on but what it shows.
            while not await self._ready(client):  # noqa: ASYNC110
                await asyncio.sleep(0.1)

    async def _ready(self, client: httpx.AsyncClient) -> bool:
        if self.command != "serve":
            return "scheduler started" in await asyncio.to_thread(self.log.read_text)
        try:
            answer = await client.get(f"http://127.0.0.1:{self.port}/healthz")
        except httpx.TransportError:
            return False
        return answer.status_code == 200

    async def polls(self) -> bool:
        """Whether this process said it polls (and is alive)."""
        if self.process is None:
            return False
        text = await asyncio.to_thread(self.log.read_text, errors="replace")
        return "Telegram: polling for updates" in text

    async def terminate(self) -> int:
        """SIGTERM: finish the work in hand and exit; the exit code."""
        process, self.process = self.process, None
        assert process is not None
        process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(process.wait(), BOUND)

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
        """The processes behind it: a rolling restart changes them."""
        self._next = itertools.count()
        self.client = httpx.AsyncClient(timeout=10.0)
        self.retried = 0

    async def post(self, update: dict[str, Any]) -> None:
        """Deliver one update until a process answers 200."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with asyncio.timeout(BOUND):
            while True:
                serve = self.processes[next(self._next) % len(self.processes)]
                url = f"http://127.0.0.1:{serve.port}/telegram/webhook"
                try:
                    answer = await self.client.post(url, json=update, headers=headers)
                    if answer.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                self.retried += 1
                await asyncio.sleep(0.05)


async def walk(person: Person, code: str, fake: ObservedTelegram, deliver: Deliver) -> None:
    """One participant's journey, every button tapped twice."""
    for action, argument, done in JOURNEY:
        before = len(fake.calls)
        if action == "say":
            updates = [person.text_update(argument.format(code=code))]
        else:
            updates = [person.press_update(argument), person.press_update(argument)]
        for update in updates:
            fake.track(update)
            await deliver(update)
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


def environment(database_url: str, fake_url: str, workdir: Path) -> dict[str, str]:
    """What every process of a test runs with: one database, the fake as the Bot API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
    return env | {
        "DATABASE_URL": database_url,
        "FILES_DIR": str(workdir / "files"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"{fake_url}/bot",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "LOG_LEVEL": "INFO",
    }


def people(count: int, fake: ObservedTelegram) -> list[Person]:
    """Participants with their own Telegram ids, and update ids that increase across all of
    them, as Telegram's do (polling confirms every update below an offset)."""
    update_ids = itertools.count(815_000_000)
    return [Person(fake, 5230018000 + i, update_ids) for i in range(count)]


async def all_sent(database_url: str) -> None:
    """Return once no reply waits in the outbox."""
    await _none_left(database_url, "SELECT count(*) FROM outbox WHERE done_at IS NULL")


async def slack_settled(database_url: str) -> None:
    """Return once every Slack request stored is handled and every reply sent (one
    statement: one snapshot)."""
    await _none_left(
        database_url,
        "SELECT (SELECT count(*) FROM inbox WHERE platform = 'slack')"
        " + (SELECT count(*) FROM outbox WHERE done_at IS NULL)",
    )


async def _none_left(database_url: str, count: str) -> None:
    async with asyncio.timeout(BOUND):
        # Other processes do the work: nothing here to wait on but the database itself.
        while (await scalar_rows(database_url, count))[0][0]:  # noqa: ASYNC110
            await asyncio.sleep(0.1)


def slack_environment(
    database_url: str, api_url: str, workdir: Path, **receiving: str
) -> dict[str, str]:
    """What every Slack process runs with: one database, the fake as Slack's Web API, and
    how requests reach it (`receiving`: a signing secret, or a Socket Mode token)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
    return env | {
        "DATABASE_URL": database_url,
        "FILES_DIR": str(workdir / "files"),
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_API_URL": f"{api_url}/api/",
        "LOG_LEVEL": "INFO",
        **receiving,
    }


async def nothing_lost_or_stored_twice(
    database_url: str, fake: ObservedTelegram, walkers: list[Person]
) -> int:
    """Check what the database holds and what the participants saw once every journey
    ended; how many sends were made twice.

    0 stored twice: each update recorded once, one revision per answer, one submission per
    participant. 0 replies lost: every reply committed was sent. Order per chat: each step's
    answer first shows after the one before it.
    """
    counts = await scalar_rows(
        database_url, "SELECT update_key, count(*) FROM processed_updates GROUP BY update_key"
    )
    assert {count for _, count in counts} == {1}
    revisions = await scalar_rows(
        database_url,
        "SELECT a.revision, (SELECT count(*) FROM answer_revisions r WHERE r.answer_id = a.id) "
        "FROM answers a",
    )
    assert revisions == [(1, 1)] * (3 * len(walkers))
    submitted = await scalar_rows(
        database_url, "SELECT count(*), count(DISTINCT participant_id) FROM submissions"
    )
    assert submitted == [(len(walkers), len(walkers))]
    outcomes = await scalar_rows(database_url, "SELECT outcome, count(*) FROM outbox GROUP BY 1")
    assert [outcome for outcome, _ in outcomes] == ["sent"], outcomes
    duplicated = 0
    for person in walkers:
        calls = sent_to(fake, person.user_id)
        shown = [render(call) for call in calls]
        firsts = [next(i for i, t in enumerate(shown) if done in t) for _, _, done in JOURNEY[1:]]
        assert firsts == sorted(firsts), person.user_id
        receipts = [t for t in shown if "Reference: WGIC-18-2027-2-" in t]
        assert len(receipts) - 1 <= repeated(calls), person.user_id
        duplicated += repeated(calls)
    return duplicated
