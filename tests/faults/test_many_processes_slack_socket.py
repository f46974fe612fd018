"""Three `run` processes on one PostgreSQL, each with its own Socket Mode connection to the
fake Slack, which sends every envelope to one of the open connections as Slack does (and an
event not acknowledged, again to another); participants who tap every button twice walk
the journey while a random process is killed with SIGKILL and restarted now and then:
nothing is lost, nothing is stored twice, each DM is answered in order, and a reply is sent
twice at most once per kill."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import Response

from handlers.ports import FixedClock
from storage.repositories import Store
from tests.adapters.slack.conftest import SlackUser, Socket, escape, unescape
from tests.conftest import database_kind, new_invite
from tests.fakes import serve_loopback
from tests.fakes.slack_server import Call, FakeSlack
from tests.fakes.slack_socket import APP_TOKEN, Envelope, FakeSocketMode, serve_socket_mode
from tests.faults.bot_process import scalar_rows
from tests.faults.processes import BOUND, Serve, read_logs, slack_environment, slack_settled

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        database_kind() != "postgresql",
        reason="several processes share one database only on PostgreSQL (SQLite serves one)",
    ),
]

PROCESSES = 3
PARTICIPANTS = 8
KILL_EVERY = 5.0
"""Seconds between two kills."""
MAX_KILLS = 4
"""Kills in one run: each restart costs seconds of CPU on a small machine."""
RETRY_DELAYS = (0.0, 0.5, 1.0)
"""Slack's waits before it sends an unacknowledged event again (a minute, then five: shorter
here, where a process dies every few seconds)."""
TEXT = "We contributed to the self-assessment checklist in 2026 and would do so again."
JOURNEY: tuple[tuple[str, str, str], ...] = (
    ("say", "{code}", "English"),
    ("press", "English", "I agree"),
    ("press", "I agree", "No, do not publish"),
    ("press", "No, do not publish", "This is correct"),
    ("press", "This is correct", "Prefer not to say"),
    ("press", "Prefer not to say", "Constructive dialogue 2027"),
    ("press", "Constructive dialogue 2027", "Agenda item 2"),
    ("press", "Agenda item 2", "Question 1 of 3"),
    ("press", "We contributed to it", "Question 2 of 3"),
    ("press", "Yes", "Question 3 of 3"),
    ("say", TEXT, "Submit"),
    ("press", "Submit", "Reference: WGIC-18-2027-2-"),
)
"""(action, argument, what the bot shows once it is handled); every press is a double tap."""
RECEIPT = "Reference: WGIC-18-2027-2-"
SHOWN = ("chat.postMessage", "chat.update")


class WatchedSlack(FakeSlack):
    """The fake Web API that wakes waiters after every call the bot makes."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Condition()

    async def _api(self, request: Request) -> Response:
        response = await super()._api(request)
        async with self.changed:
            self.changed.notify_all()
        return response

    async def wait_for(self, predicate: Any, bound: float = BOUND) -> None:
        """Wait until `predicate()` holds; it is checked after every call the bot makes."""
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(predicate), bound)


@pytest.fixture
async def fake() -> AsyncIterator[WatchedSlack]:
    """The fake Web API on loopback, with the fake Socket Mode server attached."""
    server = WatchedSlack()
    server.socket_mode = FakeSocketMode(retry_delays=RETRY_DELAYS, seed=16)
    async with serve_socket_mode(server.socket_mode), serve_loopback(server.app) as url:
        server.url = url
        yield server


def environment(database_url: str, fake: FakeSlack, workdir: Path) -> dict[str, str]:
    """What every process runs with: one database, the fake as Slack, Socket Mode."""
    return slack_environment(database_url, fake.url, workdir, SLACK_APP_TOKEN=APP_TOKEN)


class Settled:
    """What `SlackUser` waits on after a delivery: nothing here (the walk waits for what the
    bot shows, since other participants' work goes on at the same time)."""

    async def idle(self) -> None:
        """Return at once."""


def render(call: Call) -> str:
    """A message as the participant reads it: its sections and its buttons' labels."""
    lines = []
    for block in call.params.get("blocks") or []:
        if block.get("type") == "section":
            lines.append(unescape(block["text"]["text"]))
        for element in block.get("elements", []):
            if element.get("type") == "button":
                lines.append(element["text"]["text"])
    return "\n".join(lines)


def shows(call: Call, dm: str) -> bool:
    """Whether a call showed something in a DM: a message posted or updated there."""
    return (
        call.method in SHOWN
        and call.status == 200
        and call.error is None
        and call.params.get("channel") == dm
    )


def sent_to(fake: FakeSlack, dm: str) -> list[Call]:
    """The messages posted and updated in a DM, in the order Slack accepted them."""
    return [call for call in fake.calls if shows(call, dm)]


def shown(fake: FakeSlack, dm: str, since: int) -> str:
    """What the bot showed in a DM from the `since`th call on."""
    return "\n".join(render(call) for call in fake.calls[since:] if shows(call, dm))


def repeated(calls: list[Call]) -> int:
    """How many calls repeat the call just before them exactly: a send made again."""
    return sum(
        1
        for a, b in itertools.pairwise(calls)
        if (a.method, json.dumps(a.params, sort_keys=True))
        == (b.method, json.dumps(b.params, sort_keys=True))
    )


async def walk(person: SlackUser, code: str, fake: WatchedSlack) -> None:
    """One participant's journey, every button pressed twice; a press no process
    acknowledged (its process died) pressed again, as a person does when Slack says the app
    did not respond."""
    server = fake.socket_mode
    assert server is not None
    for action, argument, done in JOURNEY:
        before = len(fake.calls)
        if action == "say":
            text = escape(argument.format(code=code))
            acknowledged = await server.deliver(
                "events_api", person.envelope("message_im", text=text)
            )
            assert acknowledged is not None, f"{person.user_id}: {argument!r} never acknowledged"
        else:
            taps = 0
            while taps < 2:
                if await server.deliver("interactive", person.press_payload(argument)):
                    taps += 1
        try:
            await fake.wait_for(lambda b=before, d=done: d in shown(fake, person.dm, b), BOUND)
        except TimeoutError:
            raise AssertionError(
                f"{person.user_id} waited for {done!r} after {action} {argument!r}; "
                f"shown since: {shown(fake, person.dm, before)!r}"
            ) from None


class Processes:
    """The `run` processes, each known by the Socket Mode connection it opened, and the
    kills: now and then a random one, or the one an envelope just went to before it could
    acknowledge it."""

    def __init__(self, server: FakeSocketMode, env: dict[str, str], workdir: Path) -> None:
        self.server = server
        self.all = [Serve(i, env, workdir, command="run") for i in range(PROCESSES)]
        self.owner: dict[int, Serve] = {}
        """Who opened each connection (by its number)."""
        self.kills = 0
        self.killed_at: list[Envelope] = []
        """The envelopes whose process was killed as they arrived."""
        self._armed: str | None = None
        self._killed = asyncio.Event()
        self._random = random.Random(16)
        server.on_sent = self._on_sent

    async def launch(self, serve: Serve) -> None:
        """Start one and note the connection it opens (one starts at a time)."""
        opened = len(self.server.connections)
        await serve.start()
        await self.server.wait_for(lambda: len(self.server.connections) > opened)
        self.owner[self.server.connections[-1].number] = serve

    def alive(self) -> list[Serve]:
        """The processes running."""
        return [serve for serve in self.all if serve.process is not None]

    async def _on_sent(self, envelope: Envelope) -> None:
        victim = self.owner.get(envelope.connection)
        if self._armed != envelope.type or victim is None or victim.process is None:
            return
        if len(self.alive()) < 2:
            return
        self._armed = None
        await victim.kill()
        self.killed_at.append(envelope)
        self._killed.set()

    async def kill(self, at: str | None) -> Serve:
        """Kill a process: the one the next envelope of type `at` goes to (when one goes
        within KILL_EVERY), else one at random; the one killed."""
        before = set(self.alive())
        if at is not None:
            self._armed, self._killed = at, asyncio.Event()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._killed.wait(), KILL_EVERY)
            self._armed = None
        gone = before - set(self.alive())
        if gone:
            victim = gone.pop()
        else:
            victim = self._random.choice(self.alive())
            await victim.kill()
        self.kills += 1
        return victim

    async def killer(self) -> None:
        """Kill and restart, one at a time: first as an event arrives, then as a press
        does, then at random, and so on."""
        for turn in itertools.count():
            if self.kills >= MAX_KILLS:
                return
            victim = await self.kill(("events_api", "interactive", None)[turn % 3])
            await self.launch(victim)  # restarted while the others run
            await asyncio.sleep(KILL_EVERY)


async def test_three_socket_mode_processes_killed_in_turn_lose_and_repeat_nothing(
    fake: WatchedSlack, store: Store, database_url: str, tmp_path: Path
) -> None:
    server = fake.socket_mode
    assert server is not None
    clock = FixedClock(datetime.now(UTC))
    codes = [await new_invite(store, clock, max_uses=1) for _ in range(PARTICIPANTS)]
    processes = Processes(server, environment(database_url, fake, tmp_path), tmp_path)
    for serve in processes.all:
        await processes.launch(serve)
    ids = itertools.count(1)
    walkers = [
        SlackUser(
            fake, Socket(server), Settled(), ids, user_id=f"U0WALKER{i:02d}", name=f"Walker {i}"
        )
        for i in range(PARTICIPANTS)
    ]
    killing = asyncio.create_task(processes.killer())
    try:
        await asyncio.gather(*(walk(p, code, fake) for p, code in zip(walkers, codes, strict=True)))
        await slack_settled(database_url)
    finally:
        killing.cancel()
        await asyncio.gather(killing, return_exceptions=True)
        await asyncio.gather(*(serve.kill() for serve in processes.all))
        logs = await asyncio.to_thread(read_logs, tmp_path)

    kills = processes.kills
    assert kills >= 2, "the journeys ended before two kills: the test proves little"
    assert "Traceback" not in logs
    # An event whose process died before acknowledging it was sent again (and, below,
    # stored and answered once).
    assert [e.type for e in processes.killed_at][:1] == ["events_api"]
    for envelope in processes.killed_at:
        if envelope.type == "events_api" and envelope.ack is None:
            assert any(
                e.payload == envelope.payload and e.retry_attempt > 0
                for e in server.envelopes.values()
            )
    # 0 stored twice: each request recorded once, one revision per answer, one submission
    # per participant; 0 replies lost: every reply committed was sent.
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
    outcomes = await scalar_rows(database_url, "SELECT outcome, count(*) FROM outbox GROUP BY 1")
    assert [outcome for outcome, _ in outcomes] == ["sent"], outcomes
    # Order per DM: each step's answer first shows after the one before it; a send repeated
    # at most once per kill.
    duplicated = 0
    for person in walkers:
        calls = sent_to(fake, person.dm)
        texts = [render(call) for call in calls]
        firsts = [next(i for i, t in enumerate(texts) if done in t) for _, _, done in JOURNEY]
        assert firsts == sorted(firsts), person.user_id
        receipts = [t for t in texts if RECEIPT in t]
        assert len(receipts) - 1 <= repeated(calls), person.user_id
        duplicated += repeated(calls)
    print(
        "DEBUG",
        kills,
        server.retried,
        [(e.type, e.ack is None) for e in processes.killed_at],
        len(server.unacknowledged()),
        duplicated,
        len(server.connections),
    )
    assert duplicated <= kills, (duplicated, kills)
