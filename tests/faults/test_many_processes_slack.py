"""Two `serve` processes on one PostgreSQL, reached by Slack over HTTP at /slack/events: one
participant's requests, each delivered to one process and retried by Slack to the other, are
handled once and answered in order; a process killed with SIGKILL after storing a request
leaves it to the other."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from handlers.ports import FixedClock
from storage.repositories import Store
from tests.adapters.slack.conftest import SIGNING_SECRET, Answer, Http, SlackUser
from tests.conftest import database_kind, new_invite
from tests.fakes import serve_loopback
from tests.fakes.slack_server import FakeSlack
from tests.faults.bot_process import scalar_rows
from tests.faults.processes import BOUND, Serve, read_logs, slack_environment, slack_settled

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        database_kind() != "postgresql",
        reason="several processes share one database only on PostgreSQL (SQLite serves one)",
    ),
]


class GatedSlack(FakeSlack):
    """The fake Web API whose users.info waits while `gate` is closed (`asked` is set when
    one is called): a worker that took a request is held there, before the engine."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.gate.set()
        self.asked = asyncio.Event()

    async def _api(self, request: Request) -> Response:
        if request.path_params["method"] == "users.info":
            self.asked.set()
            await self.gate.wait()
        return await super()._api(request)


class Shared:
    """The processes' shared state: idle once no Slack request waits in the inbox or is in
    hand and no reply waits in the outbox (one statement: one snapshot)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    async def idle(self) -> None:
        """Return once every request stored is handled and every reply sent."""
        await slack_settled(self.database_url)


class Split:
    """Slack as it behaves when its first delivery of a request is slow to be answered: the
    request goes to one process, and its retry (X-Slack-Retry-Num) to the other; the first
    delivery of each request goes to the processes in turn."""

    def __init__(self, clients: list[httpx.AsyncClient]) -> None:
        self.clients = clients
        self._turn = itertools.count()
        self.retrying = True

    async def deliver(
        self, kind: str, payload: dict[str, Any], *, retry: int = 0, reason: str = ""
    ) -> Answer:
        """Deliver to the next process; then, unless told not to, retry to the other."""
        first = next(self._turn) % len(self.clients)
        answer = await Http(self.clients[first]).deliver(kind, payload)
        if self.retrying:
            other = self.clients[(first + 1) % len(self.clients)]
            again = await Http(other).deliver(kind, payload, retry=1, reason="http_timeout")
            assert again.status == 200
        return answer


@pytest.fixture
async def fake() -> AsyncIterator[GatedSlack]:
    """The gated fake Web API on loopback."""
    server = GatedSlack()
    async with serve_loopback(server.app) as url:
        server.url = url
        yield server


def environment(database_url: str, fake: FakeSlack, workdir: Path) -> dict[str, str]:
    """What both processes run with: one database, the fake as Slack's Web API."""
    return slack_environment(database_url, fake.url, workdir, SLACK_SIGNING_SECRET=SIGNING_SECRET)


def shown(fake: FakeSlack, dm: str) -> list[str]:
    """What the participant reads in the DM, message by message, in the order posted."""
    return [
        "\n".join(b["text"]["text"] for b in m.get("blocks", []) if b["type"] == "section")
        for m in fake.messages.get(dm, [])
    ]


async def test_one_participant_split_between_two_processes_is_answered_once_in_order(
    fake: GatedSlack, store: Store, database_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(datetime.now(UTC))
    code = await new_invite(store, clock, max_uses=1)
    env = environment(database_url, fake, tmp_path)
    first, second = Serve(0, env, tmp_path), Serve(1, env, tmp_path)
    await first.start()
    clients = [
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{serve.port}", timeout=10.0)
        for serve in (first, second)
    ]
    split = Split(clients)
    amina = SlackUser(
        fake, split, Shared(database_url), itertools.count(1), user_id="U0AMINA001", name="Amina"
    )
    try:
        # The first process stores the invite code and one of its workers takes it; it is
        # killed before the engine saw it: the second process handles it.
        fake.gate.clear()
        split.retrying = False
        answer = await Http(clients[0]).deliver(
            "events_api", amina.envelope("message_im", text=code)
        )
        assert answer.status == 200
        async with asyncio.timeout(BOUND):
            await fake.asked.wait()
        await second.start()
        await first.kill()
        fake.gate.set()
        await amina.channel.idle()
        amina.button("English")  # the language question, asked once
        await first.start()

        # From then on every request goes to one process and is retried to the other.
        split.retrying = True
        for label in ("English", "I agree", "No, do not publish", "This is correct"):
            await amina.press(label)
        await amina.press("Prefer not to say")
        assert "Your consultations:" in amina.text

        # Two messages in a row, one stored by each process before either is handled:
        # answered in the order they were sent.
        before = len(shown(fake, amina.dm))
        for client, text in zip(clients, ("help", "status"), strict=True):
            sent = await Http(client).deliver("events_api", amina.envelope("message_im", text=text))
            assert sent.status == 200
        await amina.channel.idle()
    finally:
        for client in clients:
            await client.aclose()
        await asyncio.gather(first.kill(), second.kill())
    logs = await asyncio.to_thread(read_logs, tmp_path)

    counts = await scalar_rows(
        database_url, "SELECT update_key, count(*) FROM processed_updates GROUP BY update_key"
    )
    assert counts
    assert {count for _, count in counts} == {1}
    uses = await scalar_rows(database_url, "SELECT uses FROM invites")
    assert uses == [(1,)]
    texts = shown(fake, amina.dm)
    repeated = sum(1 for a, b in itertools.pairwise(texts) if a == b)
    assert repeated <= 1  # the one kill may repeat the send that was on its way
    assert "Traceback" not in logs
    assert "slack: this process sends the replies" in logs
    later = texts[before:]
    helped = next(i for i, text in enumerate(later) if "/help —" in text)
    stated = next(i for i, text in enumerate(later) if "Deadline:" in text)
    assert helped < stated, later
