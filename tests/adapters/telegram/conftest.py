"""Fixtures for the Telegram channel: the fake Bot API on loopback, the channel wired to it
by TELEGRAM_BASE_URL, a fake timer for the limiter, and Telegram users who send real-shaped
updates by polling or by webhook."""

from __future__ import annotations

import asyncio
import copy
import gc
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.adapters.telegram.channel import TelegramChannel, from_settings
from bot.adapters.telegram.limiter import Limiter
from bot.adapters.telegram.webhook import TelegramWebhook
from bot.app import App, build
from bot.web import create_web_app
from config.settings import Settings, load_settings
from handlers.engine import Engine
from handlers.ports import FixedClock
from tests.fakes import serve_loopback
from tests.fakes.telegram_server import TOKEN, Call, FakeTelegram, on_loopback, parse_html
from tests.fakes.timer import FakeTimer

FIXTURES = Path(__file__).parents[2] / "fixtures" / "telegram"
SECRET = "s3cret-token_for-tests"
MALFORMED_UPDATES = sorted(path.stem for path in (FIXTURES / "malformed").glob("*.json"))
"""Recorded updates with the right shape but for one malformed part (tests/fixtures/telegram/
malformed/): a callback without `from`, a message without `chat`, a document without
`file_id`, a string update_id, an unknown update type beside a malformed known one."""


def fixture(name: str) -> dict[str, Any]:
    """A recorded Update payload from tests/fixtures/telegram/."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API, served on 127.0.0.1; its base URL is `fake.url`."""
    async with on_loopback(FakeTelegram()) as server:
        yield server


@pytest.fixture
def timer() -> FakeTimer:
    """The limiter's clock and sleep."""
    return FakeTimer()


@pytest.fixture
def settings(fake: FakeTelegram, database_url: str, tmp_path: Path) -> Settings:
    """Settings as an operator writes them, with TELEGRAM_BASE_URL at the fake server."""
    return load_settings(
        database_url=database_url,
        files_dir=tmp_path / "files",
        telegram_bot_token=TOKEN,
        telegram_base_url=f"{fake.url}/bot",
        telegram_bot_username="intersessional_test_bot",
    )


@pytest.fixture
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[App]:
    """The application built from those settings, on the test clock."""
    built = await build(settings, clock=clock)
    yield built
    await built.close()


@pytest.fixture
def conversation(app: App) -> Engine:
    """The engine the channel holds; a test module may hand it another one of ours."""
    return app.engine


@pytest.fixture
async def channel(
    app: App, timer: FakeTimer, conversation: Engine
) -> AsyncIterator[TelegramChannel]:
    """The Telegram channel, started (getMe), with the fake timer."""
    built = from_settings(
        app.settings,
        conversation,
        limiter=Limiter(now=timer.now, sleep=timer.sleep),
        sleep=timer.sleep,
    )
    await built.start()
    yield built
    await built.close()


Deliver = Callable[[dict[str, Any]], Awaitable[None]]


@pytest.fixture
async def polling(channel: TelegramChannel, fake: FakeTelegram) -> AsyncIterator[Deliver]:
    """Updates reach the bot through getUpdates; returns when the bot has answered."""
    stop = asyncio.Event()
    task = asyncio.create_task(channel.poll(stop=stop))

    async def deliver(update: dict[str, Any]) -> None:
        fake.inject(update)
        await fake.wait_confirmed(update["update_id"])
        await channel.settle()

    yield deliver
    stop.set()
    await task


@pytest.fixture
async def webhook(channel: TelegramChannel, app: App, fake: FakeTelegram) -> AsyncIterator[Deliver]:
    """Updates are POSTed to the web app over loopback HTTP, as Telegram does."""
    web = create_web_app(app, [TelegramWebhook(channel, SECRET)])
    async with serve_loopback(web) as url, httpx.AsyncClient(base_url=url) as client:

        async def deliver(update: dict[str, Any]) -> None:
            fake.track(update)
            response = await client.post(
                "/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert response.status_code == 200
            await channel.settle()

        yield deliver


@pytest.fixture(params=["polling", "webhook"])
def deliver(request: pytest.FixtureRequest) -> Deliver:
    """Each test using this runs once by polling and once by webhook."""
    result: Deliver = request.getfixturevalue(request.param)
    return result


@pytest.fixture
def update_ids() -> Iterator[int]:
    """Telegram's increasing update ids."""
    return itertools.count(815_300_000)


class TelegramUser:
    """A person in Telegram: sends updates shaped like the recorded ones, reads the bot's
    answers as the fake server holds them."""

    def __init__(
        self,
        fake: FakeTelegram,
        deliver: Deliver,
        update_ids: Iterator[int],
        *,
        user_id: int,
        first_name: str,
        language_code: str | None = "en",
    ) -> None:
        self.fake = fake
        self.deliver = deliver
        self.update_ids = update_ids
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.calls: list[Call] = []
        self._message_ids = itertools.count(100)

    def _user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _chat(self) -> dict[str, Any]:
        return {"id": self.user_id, "first_name": self.first_name, "type": "private"}

    def message(self, template: str = "message_text", **content: Any) -> dict[str, Any]:
        """A message update from this user, from a recorded template."""
        update = copy.deepcopy(fixture(template))
        message = update["message"]
        for key in ("text", "entities", "document", "sticker"):
            message.pop(key, None)
        message.update(
            message_id=next(self._message_ids), chat=self._chat(), **{"from": self._user()}
        )
        message.update(content)
        update["update_id"] = next(self.update_ids)
        return update

    def text_update(self, text: str) -> dict[str, Any]:
        """A text message; a command carries its bot_command entity, as Telegram sends it."""
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            entities = [{"offset": 0, "length": len(command), "type": "bot_command"}]
            return self.message("start_deep_link", text=text, entities=entities)
        return self.message(text=text)

    def callback_update(self, message: dict[str, Any], data: str) -> dict[str, Any]:
        """A button pressed on one of the bot's messages."""
        update = copy.deepcopy(fixture("callback_query"))
        query = update["callback_query"]
        update["update_id"] = next(self.update_ids)
        query.update(
            id=f"{self.user_id}{update['update_id']}",
            message=copy.deepcopy(message),
            data=data,
            **{"from": self._user()},
        )
        return update

    async def send(self, update: dict[str, Any]) -> None:
        """Deliver an update and keep the calls the bot made to this chat meanwhile."""
        before = len(self.fake.calls)
        await self.deliver(update)
        self.calls = [
            call
            for call in self.fake.calls[before:]
            if call.params.get("chat_id") == self.user_id and call.status == 200
        ]

    async def say(self, text: str) -> None:
        """Send a text message."""
        await self.send(self.text_update(text))

    async def press(self, label: str) -> None:
        """Press the button whose label starts with `label` on the bot's latest messages."""
        message, button = self.button(label)
        await self.send(self.callback_update(message, button["callback_data"]))

    async def upload(self, filename: str, content: bytes, mime_type: str) -> None:
        """Send a file as a Telegram document."""
        document = {"file_name": filename, "mime_type": mime_type, **self.fake.add_file(content)}
        await self.send(self.message("document", document=document))

    def button(self, label: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The newest bot message with a button whose label starts with `label`."""
        wanted = label.removeprefix("✓ ")
        for message in reversed(self.fake.messages.get(self.user_id, [])):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"].removeprefix("✓ ").startswith(wanted):
                        return message, button
        raise AssertionError(f"no button {label!r} among {self.labels}")

    @property
    def texts(self) -> list[str]:
        """Each message the user read after their last action, whole (as Telegram shows it)."""
        shown = []
        for call in self.calls:
            if call.method in ("sendMessage", "editMessageText"):
                shown.append(parse_html(call.params["text"]))
            elif call.method == "sendDocument" and "caption" in call.params:
                shown.append(parse_html(call.params["caption"]))
        return shown

    @property
    def text(self) -> str:
        """What the user read after their last action (as Telegram shows it)."""
        return "\n".join(self.texts)

    @property
    def labels(self) -> list[str]:
        """Every button label of the bot's answers to the last action."""
        return [
            button["text"]
            for call in self.calls
            for row in call.params.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        ]


def _factory(
    fake: FakeTelegram, deliver: Deliver, update_ids: Iterator[int]
) -> Callable[..., TelegramUser]:
    def make(user_id: int, first_name: str, **options: Any) -> TelegramUser:
        return TelegramUser(
            fake, deliver, update_ids, user_id=user_id, first_name=first_name, **options
        )

    return make


@pytest.fixture
def users(
    fake: FakeTelegram, deliver: Deliver, update_ids: Iterator[int]
) -> Callable[..., TelegramUser]:
    """Make Telegram users who reach the bot by the mode under test (polling, then webhook)."""
    return _factory(fake, deliver, update_ids)


@pytest.fixture
def polling_users(
    fake: FakeTelegram, polling: Deliver, update_ids: Iterator[int]
) -> Callable[..., TelegramUser]:
    """Make Telegram users whose updates the bot fetches with getUpdates."""
    return _factory(fake, polling, update_ids)


@pytest.fixture
def webhook_users(
    fake: FakeTelegram, webhook: Deliver, update_ids: Iterator[int]
) -> Callable[..., TelegramUser]:
    """Make Telegram users whose updates Telegram POSTs to the webhook."""
    return _factory(fake, webhook, update_ids)


async def onboard(user: TelegramUser, code: str) -> None:
    """From the invite deep link to the consultations, with the usual answers."""
    await user.say(f"/start {code}")
    await user.press("English")
    await user.press("I agree")
    await user.press("No, do not publish")
    await user.press("This is correct")
    await user.press("Prefer not to say")
    done, consultations = user.texts
    assert done == "Thank you, you are all set."
    assert consultations.startswith("Your consultations:\n• ")


@pytest.fixture
def lost_task_exceptions() -> list[dict[str, Any]]:
    """What the event loop reported as "Task exception was never retrieved" during a test."""
    return []


@pytest.fixture(autouse=True)
async def _no_lost_task_exceptions(
    lost_task_exceptions: list[dict[str, Any]],
) -> AsyncIterator[None]:
    """Fail a test in which a task died with nobody to see its exception.

    asyncio only logs such an exception when the task is collected (no warning, so
    `-W error` alone would let it pass): a failure the channel dropped on the floor.
    """
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: lost_task_exceptions.append(context))
    yield
    gc.collect()
    loop.set_exception_handler(previous)
    if lost_task_exceptions:
        messages = [f"{c.get('message')}: {c.get('exception')!r}" for c in lost_task_exceptions]
        pytest.fail("; ".join(messages), pytrace=False)
