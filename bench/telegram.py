"""End to end through the Telegram adapter: update to first reply, on the fake Bot API.

The product runs as an operator runs it, in a subprocess: `intersessional run` long-polls
the fake (polling), or `intersessional serve` receives each update by POST on
/telegram/webhook with the secret header (webhook). `participants` people are first
onboarded up to the last question of an agenda item (a text question); then each answers it
by typing (the review is shown) and presses the review's "Change answer 3" (the question is
shown again), again and again, until `updates` updates were handled.

The load is a closed loop: a person sends the next update only once the bot has shown the
whole reply to the previous one, as a person reading the chat would. The product paces its
messages (30 a second overall, 3 every 3 seconds per private chat), so one person gets at
most about one update answered a second and everybody together about 27 a second (minus
the replies of more than one message): with enough people the outbound pace, not the
engine, is what the updates/s show. The fake answers 429 to messages over Telegram's limits
(30 a second overall, and bursts of 3 in 3 seconds per private chat, what the product
assumes Telegram tolerates); a correct pacer provokes none.

Latency is measured from the moment the update is available to the bot (queued for
getUpdates, or the POST starting) to the moment the fake answers the first sendMessage or
editMessageText to that chat.

`bot="peer"` measures the peer instead, with the same people, traffic, fake and latency:
`bench.peer_bot`, a canonical python-telegram-bot bot (ConversationHandler,
PicklePersistence, AIORateLimiter) long-polling (`run_polling`) or receiving the same POSTs
with the same secret header (`run_webhook`); it takes any invite code.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import signal
import socket
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.engine import _percentile
from bench.startup import CommandProcess
from bot.app import build
from bot.invites import InviteRequest, create
from config.settings import load_settings
from storage.models import Category
from tests.fakes import serve_loopback
from tests.fakes.telegram_server import Call, parse_html
from tests.faults.bot_process import TO_FIRST_QUESTION, ObservedTelegram, Person, Step

FIRST_USER = 6_200_000_000
CONSULTATION = "wgic-18-2027"
TEXT = "Civil society should be heard in the working groups, with safeguards for privacy."
SECRET = "bench-webhook-secret_0123456789"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
BOUND = 120.0
"""Seconds one step may wait for its reply before the run fails (a hung bot, not a slow one)."""
REPLIES = frozenset({"sendMessage", "editMessageText"})
# From the invite to the third question of agenda item 2 (a text question).
ONBOARDING: tuple[Step, ...] = (
    *TO_FIRST_QUESTION,
    ("press", "We contributed to it", "Question 2 of 3"),
    ("press", "Yes", "Question 3 of 3"),
)
# The measured steps, repeated: the typed answer (stored, the review shown), then the
# review's "Change answer 3" (the question shown again, with the answer given).
LOOP: tuple[Step, ...] = (
    ("say", TEXT, "Submit"),
    ("press", "Change answer 3", "Question 3 of 3"),
)


class Replies:
    """What the fake shows each chat (text and button labels), timestamped as it answers."""

    def __init__(self, fake: ObservedTelegram) -> None:
        self.shown: dict[int, list[tuple[float, str]]] = defaultdict(list)
        self.count = 0
        self._changed: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        fake.on_answered = self._record

    def _record(self, call: Call) -> None:
        if call.method not in REPLIES or "chat_id" not in call.params:
            return
        text = str(call.params.get("text", ""))
        parts = [parse_html(text) if call.params.get("parse_mode") == "HTML" else text]
        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
            parts.extend(str(button["text"]) for button in row)
        chat = int(call.params["chat_id"])
        self.shown[chat].append((time.perf_counter(), "\n".join(parts)))
        self.count += 1
        self._changed[chat].set()

    async def wait(self, chat: int, since: int, marker: str, alive: Callable[[], bool]) -> None:
        """Wait until a message shown to `chat` from index `since` on contains `marker`."""
        deadline = time.perf_counter() + BOUND
        while not any(marker in text for _, text in self.shown[chat][since:]):
            if not alive():
                raise RuntimeError("the bot process ended")
            changed = self._changed[chat]
            changed.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"chat {chat}: no {marker!r} in {self.shown[chat][since:]!r}")
            # Woken by each message; the short bound only notices a dead process.
            try:
                await asyncio.wait_for(changed.wait(), min(remaining, 1.0))
            except TimeoutError:
                continue


class ServeProcess(CommandProcess):
    """`intersessional serve` with TELEGRAM_WEBHOOK_URL set, listening on a free PORT."""

    ready_path = "/healthz"
    ready_status = 200
    """What a GET answers once the process takes updates."""

    def __init__(self, fake: ObservedTelegram, database_url: str, workdir: Path) -> None:
        super().__init__(fake, database_url, workdir)
        self.port = _free_port()
        self.env |= {
            "PORT": str(self.port),
            # Registered with the fake, which only records it: updates come from the bench.
            "TELEGRAM_WEBHOOK_URL": "https://bench.example.org/telegram/webhook",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
        }

    @property
    def url(self) -> str:
        """Where the process serves."""
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """What to run."""
        script = shutil.which("intersessional", path=str(Path(sys.executable).parent))
        return [script, "serve"] if script else [sys.executable, "-m", "bot", "serve"]

    async def ready(self, getupdates: int) -> None:
        """Wait until a GET of `ready_path` answers `ready_status`."""
        deadline = time.perf_counter() + BOUND
        async with httpx.AsyncClient(timeout=5.0) as client:
            process = self.fake.process
            while time.perf_counter() < deadline and process and process.returncode is None:
                try:
                    answer = await client.get(f"{self.url}{self.ready_path}")
                    if answer.status_code == self.ready_status:
                        return
                except httpx.TransportError:
                    pass  # not listening yet
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.command()} did not come up:\n" + self.logs())


class PeerProcess(CommandProcess):
    """The peer, `python -m bench.peer_bot`, long-polling the fake (`run_polling`)."""

    mode = "polling"

    def __init__(self, fake: ObservedTelegram, workdir: Path) -> None:
        super().__init__(fake, "", workdir)
        self.persistence = workdir / "peer.pickle"
        """PicklePersistence's file: the people's answers and conversation states."""
        root = str(Path(__file__).resolve().parents[1])  # bench is not an installed package
        env = {k: v for k, v in self.env.items() if k not in {"DATABASE_URL", "FILES_DIR"}}
        self.env = env | {
            "PEER_MODE": self.mode,
            "PEER_PERSISTENCE": str(self.persistence),
            "PYTHONPATH": os.pathsep.join(filter(None, (root, env.get("PYTHONPATH")))),
        }

    def command(self) -> list[str]:
        """What to run."""
        return [sys.executable, "-m", "bench.peer_bot"]

    # SIGTERM: PTB stops gracefully and the persistence writes its file.
    stop_signal = signal.SIGTERM


class PeerServeProcess(PeerProcess, ServeProcess):
    """The peer receiving each update by POST (`run_webhook`), as `ServeProcess` does."""

    mode = "webhook"
    ready_path = "/telegram/webhook"
    ready_status = 405
    """PTB's webhook server has no health check; its webhook answers a GET 405 once it
    listens (after setWebhook)."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _invites(database_url: str, workdir: Path, count: int) -> list[str]:
    """Migrate and load the database as a deployed one is, and one invite per person."""
    app = await build(load_settings(database_url=database_url, files_dir=workdir / "files"))
    try:
        codes = []
        for n in range(count):
            invite = await create(
                app.store,
                InviteRequest(f"Organisation {n}", Category.NGO, "AT", CONSULTATION),
                now=datetime.now(UTC),
                actor="bench",
            )
            codes.append(invite.code)
        return codes
    finally:
        await app.close()


async def invite_codes(bot: str, database_url: str, workdir: Path, count: int) -> list[str]:
    """One invite code per person: ours from the database, migrated and loaded as a deployed
    one is (`_invites`); any code for the peer, which checks none."""
    if bot == "peer":
        return [f"peer{n}" for n in range(count)]
    return await _invites(database_url, workdir, count)


def bot_process(
    bot: str, mode: str, fake: ObservedTelegram, database_url: str, workdir: Path
) -> CommandProcess:
    """The process of `bot` ("intersessional" or "peer") taking updates as `mode` says."""
    if mode not in {"polling", "webhook"}:
        raise ValueError(f"mode is polling or webhook, not {mode!r}")
    if bot == "intersessional":
        kind = CommandProcess if mode == "polling" else ServeProcess
        return kind(fake, database_url, workdir)
    if bot == "peer":
        return (PeerProcess if mode == "polling" else PeerServeProcess)(fake, workdir)
    raise ValueError(f"bot is intersessional or peer, not {bot!r}")


async def measure(
    workdir: Path,
    participants: int,
    updates: int,
    *,
    mode: str,
    bot: str = "intersessional",
    think: float = 1.0,
    enforce: bool = True,
) -> dict[str, Any]:
    """Onboard `participants` people, then time `updates` answer steps end to end.

    Args:
        workdir: Where the SQLite database, files and the process's logs go.
        participants: How many people (private chats) answer at the same time.
        updates: How many measured updates, shared out between the people.
        mode: "polling" (`intersessional run`) or "webhook" (`intersessional serve`).
        bot: "intersessional", our product, or "peer", `bench.peer_bot` (the same modes,
            `run_polling` or `run_webhook`); the peer takes any invite code.
        think: Seconds a person waits between seeing a reply and sending the next update.
            Telegram allows about one message a second per chat, so a person answering
            faster than that measures the per-chat pacing rather than the bot.
        enforce: Whether the fake answers 429 to messages over Telegram's limits.

    Returns:
        One table row: rates over the measured phase and update-to-first-reply latencies.
    """
    database_url = f"sqlite+aiosqlite:///{workdir}/telegram-{mode}.db"
    codes = await invite_codes(bot, database_url, workdir, participants)
    fake = ObservedTelegram()
    replies = Replies(fake)
    ids = itertools.count(700_000_000)
    people = [Person(fake, FIRST_USER + n, ids) for n in range(participants)]
    async with serve_loopback(fake.app) as url, httpx.AsyncClient(timeout=BOUND) as client:
        fake.url = url
        process = bot_process(bot, mode, fake, database_url, workdir)
        await process.start()
        if not process.alive:
            raise RuntimeError(f"the bot process ended at start-up:\n{process.logs()}")
        if enforce:
            # Telegram's 30 a second overall, and the product's assumption of 3 in 3 s per
            # chat (a stricter 1 a second would refuse every reply of more than one message).
            fake.enforce_limits(time.monotonic, private=(3, 3.0))

        async def deliver(person: Person, update: dict[str, Any]) -> None:
            if isinstance(process, ServeProcess):
                fake.track(update)  # so the fake knows the callback query the bot answers
                person.sent.append(int(update["update_id"]))
                answer = await client.post(
                    f"{process.url}/telegram/webhook",
                    json=update,
                    headers={SECRET_HEADER: SECRET},
                )
                if answer.status_code != 200:
                    raise RuntimeError(f"webhook answered {answer.status_code}")
            else:
                person.inject(update)

        async def step(person: Person, kind: str, argument: str, marker: str) -> float:
            """One update and its whole reply; seconds from update to first reply."""
            chat = person.user_id
            since = len(replies.shown[chat])
            if kind == "say":
                update = person.text_update(argument)
            else:
                update = person.press_update(argument)
            started = time.perf_counter()
            await deliver(person, update)
            await replies.wait(chat, since, marker, lambda: process.alive)
            return replies.shown[chat][since][0] - started

        async def onboard(person: Person, code: str) -> None:
            for kind, argument, marker in ONBOARDING:
                await step(person, kind, argument.format(code=code), marker)

        latencies: list[float] = []

        async def answer(number: int, person: Person) -> None:
            # Spread the first updates over one think time, as people do not start together.
            await asyncio.sleep(think * number / participants)
            count = updates // participants + (number < updates % participants)
            for n, (kind, argument, marker) in enumerate(
                itertools.islice(itertools.cycle(LOOP), count)
            ):
                if n:
                    await asyncio.sleep(think)
                latencies.append(await step(person, kind, argument, marker))

        try:
            await _all(onboard(person, code) for person, code in zip(people, codes, strict=True))
            # Onboarding filled each chat's window of 3 messages in 3 s: let them empty, so
            # the measured phase starts as it goes on.
            await asyncio.sleep(3.0)
            floods, sent = fake.floods, replies.count
            started = time.perf_counter()
            await _all(answer(number, person) for number, person in enumerate(people))
            elapsed = time.perf_counter() - started
        except BaseException:
            print(process.logs()[-4000:], file=sys.stderr)
            raise
        finally:
            await process.stop()
            fake.close()
    latencies.sort()
    return {
        "bot": bot,
        "mode": mode,
        "participants": participants,
        "updates": len(latencies),
        "think s": think,
        "seconds": round(elapsed, 2),
        "updates/s": round(len(latencies) / elapsed, 1),
        "replies/s": round((replies.count - sent) / elapsed, 1),
        "p50 ms": round(statistics.median(latencies) * 1000, 1),
        "p99 ms": round(_percentile(latencies, 0.99) * 1000, 1),
        "max ms": round(latencies[-1] * 1000, 1),
        "429s": fake.floods - floods if enforce else "off",
        "429s onboarding": floods if enforce else "off",
    }


async def _all(jobs: Any) -> None:
    """Run the jobs together; the first failure cancels the others."""
    async with asyncio.TaskGroup() as group:
        for job in jobs:
            group.create_task(job)
