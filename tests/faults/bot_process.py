"""A real `python -m bot run` process against the fake Bot API, and a user who drives it.

The fake can SIGKILL the process at the moment it receives a chosen call, before it acts on
the call: a getUpdates killed this way confirms nothing, a sendMessage is never shown. The
process state at each kill is therefore exact, whatever the machine's speed.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import Response

from storage.db import create_engine
from tests.adapters.telegram.conftest import fixture
from tests.fakes.telegram_server import TOKEN, FakeTelegram, parse_html

BOUND = 60.0
"""Seconds any single wait may take before the test fails (a hung process, not a slow one)."""
CONVERSATION = frozenset({"getUpdates", "sendMessage", "editMessageText", "answerCallbackQuery"})
"""The calls a kill point counts: those of the conversation, not of start-up."""

Step = tuple[str, str, str]
"""(action, argument, what the bot's reply shows once it is handled): a person's step."""

TO_FIRST_QUESTION: tuple[Step, ...] = (
    ("say", "/start {code}", "English"),
    ("press", "English", "I agree"),
    ("press", "I agree", "No, do not publish"),
    ("press", "No, do not publish", "This is correct"),
    ("press", "This is correct", "Prefer not to say"),
    ("press", "Prefer not to say", "Constructive dialogue 2027"),
    ("press", "Constructive dialogue 2027", "Agenda item 2"),
    ("press", "Agenda item 2", "Question 1 of 3"),
)
"""From the invite to the first question of agenda item 2 of `wgic-18-2027`."""


class ObservedTelegram(FakeTelegram):
    """The fake Bot API that wakes waiters on every call and kills the bot at chosen calls."""

    def __init__(self) -> None:
        super().__init__(max_poll_wait=2.0)
        self.changed = asyncio.Condition()
        self.process: asyncio.subprocess.Process | None = None
        self.kill_at: set[int] = set()
        """Numbers of conversation calls (1-based, over all processes) that kill the bot."""
        self.counted = 0
        self.kills = 0
        self.getupdates = 0

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        if method in CONVERSATION:
            self.counted += 1
            if method == "getUpdates":
                self.getupdates += 1
            if self.counted in self.kill_at and self.process is not None:
                process, self.process = self.process, None
                process.send_signal(signal.SIGKILL)
                await process.wait()
                self.kills += 1
                await self._notify()
                return Response(status_code=502)
        response = await super()._api(request)
        await self._notify()
        return response

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(self, predicate: Any, bound: float = BOUND) -> None:
        """Wait until `predicate()` holds; it is checked after every call the bot makes."""
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(predicate), bound)


class BotProcess:
    """Starts, kills and restarts `python -m bot run` with the fake as TELEGRAM_BASE_URL."""

    def __init__(self, fake: ObservedTelegram, database_url: str, workdir: Path) -> None:
        self.fake = fake
        self.workdir = workdir
        self.starts = 0
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
        self.env = env | {
            "DATABASE_URL": database_url,
            "FILES_DIR": str(workdir / "files"),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": f"{fake.url}/bot",
            "LOG_LEVEL": "DEBUG",
        }

    async def start(self) -> None:
        """Start the bot; returns once it has made its first getUpdates call."""
        self.starts += 1
        seen = self.fake.getupdates
        log = (self.workdir / f"bot-{self.starts}.log").open("wb")
        self.fake.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=self.workdir,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        log.close()
        await self.fake.wait_for(lambda: self.fake.getupdates > seen or self.fake.process is None)

    @property
    def alive(self) -> bool:
        """Whether the current process runs (the fake has not killed it)."""
        return self.fake.process is not None

    stop_signal = signal.SIGKILL
    """What ends the process at the end of a test (a graceful stop sends SIGTERM)."""

    async def stop(self) -> None:
        """End the process at the end of a test (killed if `stop_signal` did not within
        BOUND)."""
        process, self.fake.process = self.fake.process, None
        if process is None:
            return
        process.send_signal(self.stop_signal)
        try:
            await asyncio.wait_for(process.wait(), BOUND)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise

    def logs(self) -> str:
        """Everything the processes wrote to stderr and stdout."""
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.workdir.glob("bot-*.log"))
        )


class Person:
    """A Telegram user writing to the bot process; reads the bot's messages at the fake."""

    def __init__(self, fake: ObservedTelegram, user_id: int, update_ids: Iterator[int]) -> None:
        self.fake = fake
        self.user_id = user_id
        self.update_ids = update_ids
        self.message_ids = itertools.count(100)
        self.sent: list[int] = []
        """Every update id this user injected, in order."""

    def _user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": "Amina", "language_code": "en"}

    def text_update(self, text_: str) -> dict[str, Any]:
        """A text message; a command carries its bot_command entity."""
        update = copy.deepcopy(fixture("message_text"))
        message = update["message"]
        for key in ("text", "entities"):
            message.pop(key, None)
        message.update(
            message_id=next(self.message_ids),
            chat={"id": self.user_id, "first_name": "Amina", "type": "private"},
            text=text_,
            **{"from": self._user()},
        )
        if text_.startswith("/"):
            length = len(text_.split(" ", 1)[0])
            message["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
        update["update_id"] = next(self.update_ids)
        return update

    def button(self, label: str) -> tuple[dict[str, Any], str] | None:
        """The newest bot message with a button starting with `label`, and its data."""
        for message in reversed(self.fake.messages.get(self.user_id, [])):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"].removeprefix("✓ ").startswith(label):
                        return message, button["callback_data"]
        return None

    def press_update(self, label: str) -> dict[str, Any]:
        """A callback query for the button `label` on the bot's latest messages."""
        found = self.button(label)
        if found is None:
            raise AssertionError(f"no button {label!r} in {self.shown()!r}")
        message, data = found
        update = copy.deepcopy(fixture("callback_query"))
        update["update_id"] = next(self.update_ids)
        update["callback_query"].update(
            id=f"{self.user_id}{update['update_id']}",
            message=copy.deepcopy(message),
            data=data,
            **{"from": self._user()},
        )
        return update

    def inject(self, update: dict[str, Any]) -> int:
        """Hand an update to the fake; its id."""
        self.fake.inject(update)
        self.sent.append(int(update["update_id"]))
        return int(update["update_id"])

    def shown(self, since: int = 0) -> str:
        """Text and button labels of what the bot showed this user from call `since` on."""
        parts = []
        for call in self.fake.calls[since:]:
            if call.status != 200 or call.params.get("chat_id") != self.user_id:
                continue
            if call.method in ("sendMessage", "editMessageText"):
                parts.append(parse_html(str(call.params["text"])))
                markup = call.params.get("reply_markup") or {}
                for row in markup.get("inline_keyboard", []):
                    parts.extend(button["text"] for button in row)
        return "\n".join(parts)


async def scalar_rows(database_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of a read-only query, on a connection of its own."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(sql), params)
            return [tuple(row) for row in result]
    finally:
        await engine.dispose()


async def processed_update_counts(database_url: str) -> dict[str, int]:
    """How often each Telegram update key is recorded as processed."""
    rows = await scalar_rows(
        database_url,
        "SELECT update_key, count(*) FROM processed_updates WHERE platform = 'telegram' "
        "GROUP BY update_key",
    )
    return {str(key): int(count) for key, count in rows}


async def telegram_answers(database_url: str, user: int) -> list[tuple[Any, ...]]:
    """(question key, revision, text, revisions stored) of a Telegram user's answers."""
    return await scalar_rows(
        database_url,
        "SELECT q.key, a.revision, a.text, "
        "(SELECT count(*) FROM answer_revisions r WHERE r.answer_id = a.id) "
        "FROM answers a JOIN questions q ON q.id = a.question_id "
        "JOIN identities i ON i.participant_id = a.participant_id "
        "WHERE i.platform = 'telegram' AND i.platform_user_id = :user ORDER BY q.position",
        user=str(user),
    )
