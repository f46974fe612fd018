"""The console as a browser sees it: `serve`'s web app on loopback with its channels
started (the Telegram webhook registered with the fake Bot API, Slack's /slack/events
sending through the fake Web API), Telegram users who post real-shaped updates to the
webhook, Slack users who post signed requests to /slack/events, and Debian's Chromium
driven by Playwright."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.adapters.slack import SlackEvents
from bot.adapters.telegram.webhook import SECRET_HEADER, TelegramWebhook
from bot.app import App, build
from bot.web import create_web_app
from config.settings import load_settings
from handlers.ports import FixedClock
from tests.adapters.running import serving
from tests.adapters.slack.conftest import SIGNING_SECRET, Http, SlackUser
from tests.fakes import loopback_socket, serve_loopback
from tests.fakes.slack_server import TOKEN as SLACK_TOKEN
from tests.fakes.slack_server import FakeSlack
from tests.fakes.telegram_server import BOT_USERNAME, TOKEN, FakeTelegram, on_loopback
from tests.faults.bot_process import TO_FIRST_QUESTION, Person

CHROMIUM = "/usr/bin/chromium"
SECRET = "console-browser-tests_secret"
ADMIN_ID = 4242
PARTICIPANT_ID = 5151
SLACK_ADMIN = "U0ADMIN0001"
SLACK_PARTICIPANT = "U0KOFI0001"
LINK = re.compile(r"https?://\S+/console/signin/\S+")


@dataclass
class Served:
    """The web process and what talks to it."""

    app: App
    url: str
    fake: FakeTelegram
    webhook: TelegramWebhook
    slack: FakeSlack
    events: SlackEvents
    http: httpx.AsyncClient
    ids: itertools.count[int]

    def user(self, user_id: int) -> TelegramUser:
        """A Telegram user writing to the bot."""
        return TelegramUser(self, Person(self.fake, user_id, self.ids))

    def slack_user(self, user_id: str, name: str) -> SlackUser:
        """A Slack user writing to the bot in its DM, over signed HTTP."""
        http = Http(self.http)
        return SlackUser(
            self.slack, http, self.events.channel, self.ids, user_id=user_id, name=name
        )


@dataclass
class TelegramUser:
    """A person on Telegram: their updates go to /telegram/webhook, as Telegram posts them."""

    served: Served
    person: Person

    async def _post(self, update: dict[str, object]) -> None:
        self.served.fake.track(update)
        response = await self.served.http.post(
            "/telegram/webhook", json=update, headers={SECRET_HEADER: SECRET}
        )
        assert response.status_code == 200
        await self.served.webhook.channel.settle()

    async def say(self, text: str) -> None:
        """Send a message."""
        await self._post(self.person.text_update(text))

    async def press(self, label: str) -> None:
        """Press the button of the bot's latest messages starting with `label`."""
        await self._post(self.person.press_update(label))

    def last_text(self) -> str:
        """The text of the bot's last message to this user."""
        return str(self.served.fake.messages[self.person.user_id][-1]["text"])


@asynccontextmanager
async def served(database_url: str, files: Path, clock: FixedClock) -> AsyncIterator[Served]:
    """`serve` on loopback: PUBLIC_URL is its own address, the administrator is ADMIN_ID."""
    sock = loopback_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    slack = FakeSlack()
    async with on_loopback(FakeTelegram()) as fake, serve_loopback(slack.app) as slack_url:
        slack.url = slack_url
        settings = load_settings(
            database_url=database_url,
            files_dir=files,
            telegram_bot_token=TOKEN,
            telegram_base_url=f"{fake.url}/bot",
            telegram_bot_username=BOT_USERNAME,
            # Where Telegram would post; the tests post to the loopback address themselves.
            telegram_webhook_url="https://bot.example.org/telegram/webhook",
            telegram_webhook_secret=SECRET,
            slack_bot_token=SLACK_TOKEN,
            slack_api_url=f"{slack_url}/api/",
            slack_signing_secret=SIGNING_SECRET,
            public_url=url,
            admins=f"telegram:{ADMIN_ID},slack:{SLACK_ADMIN}",
        )
        app = await build(settings, clock=clock)
        try:
            async with serving(app) as channels:
                [webhook] = [c for c in channels if isinstance(c, TelegramWebhook)]
                [events] = [c for c in channels if isinstance(c, SlackEvents)]
                web = create_web_app(app, channels)
                async with (
                    serve_loopback(web, sock) as base,
                    httpx.AsyncClient(base_url=base) as http,
                ):
                    ids = itertools.count(900_000_000)
                    yield Served(app, url, fake, webhook, slack, events, http, ids)
                # Slack would have accepted every message the bot sent (Block Kit's limits).
                assert [(c.method, c.error) for c in slack.refused()] == []
        finally:
            await app.close()


async def console_link(admin: TelegramUser | SlackUser) -> str:
    """The sign-in link the administrator asks the bot for with /admin console (in Slack,
    the slash command `/intersessional admin console`)."""
    if isinstance(admin, SlackUser):
        await admin.command("admin console")
        said = admin.text
    else:
        await admin.say("/admin console")
        said = admin.last_text()
    found = LINK.search(said)
    assert found, said
    return found.group()


async def to_first_question(user: TelegramUser, code: str) -> None:
    """From the invite to the first question of agenda item 2 of wgic-18-2027."""
    for action, argument, _ in TO_FIRST_QUESTION:
        if action == "say":
            await user.say(argument.format(code=code))
        else:
            await user.press(argument)


async def slack_to_first_question(user: SlackUser, code: str) -> None:
    """The same journey in Slack: `start CODE` in the app's DM, then the same buttons."""
    for action, argument, _ in TO_FIRST_QUESTION:
        if action == "say":
            await user.say(argument.format(code=code).removeprefix("/"))
        else:
            await user.press(argument)
