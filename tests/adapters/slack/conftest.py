"""Fixtures for the Slack channel: the fake Web API on loopback, the web app serving
/slack/events on loopback, and Slack users who send SIGNED requests shaped like the recorded
payloads and read the bot's answers as the fake server holds them."""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx
import pytest

from bot.adapters.slack import SlackChannel, SlackEvents, SocketMode, from_settings, socket_mode
from bot.adapters.slack.limiter import Limiter
from bot.app import App, build
from bot.web import create_web_app
from config.settings import Settings, load_settings
from handlers.ports import FixedClock
from tests.fakes import serve_loopback
from tests.fakes.slack_server import TEAM, TOKEN, Call, FakeSlack
from tests.fakes.slack_socket import APP_TOKEN, FakeSocketMode, serve_socket_mode
from tests.fakes.timer import FakeTimer

FIXTURES = Path(__file__).parents[2] / "fixtures" / "slack"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def fixture(name: str) -> dict[str, Any]:
    """A recorded payload from tests/fixtures/slack/."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def signed_headers(
    body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Slack sends: `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def escape(text: str) -> str:
    """Text as Slack delivers what a user typed: `&`, `<` and `>` escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """What a Slack user reads of escaped mrkdwn."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    """The fake Web API, served on 127.0.0.1; its base URL is `fake.url`.

    Every test ends by checking that Slack would have accepted every message and view the
    bot sent: none broke Block Kit's limits.
    """
    server = FakeSlack()
    async with serve_loopback(server.app) as url:
        server.url = url
        yield server
    assert [(c.method, c.error, c.messages) for c in server.refused()] == []


@pytest.fixture
def timer() -> FakeTimer:
    """The limiter's clock and sleep."""
    return FakeTimer()


def slack_settings(fake: FakeSlack, database_url: str, tmp_path: Path, **given: str) -> Settings:
    """Settings as an operator writes them, with SLACK_API_URL at the fake server and the
    bot token; `given` adds the mode's own (the signing secret, or the app token)."""
    return load_settings(
        database_url=database_url,
        files_dir=tmp_path / "files",
        slack_bot_token=TOKEN,
        slack_api_url=f"{fake.url}/api/",
        **given,
    )


@pytest.fixture
def settings(fake: FakeSlack, database_url: str, tmp_path: Path) -> Settings:
    """Settings for HTTP mode: the signing secret."""
    return slack_settings(fake, database_url, tmp_path, slack_signing_secret=SIGNING_SECRET)


def socket_mode_settings(
    fake: FakeSlack, database_url: str, tmp_path: Path, *, app_token: str = APP_TOKEN
) -> Settings:
    """Settings for Socket Mode: the app token, no signing secret."""
    return slack_settings(fake, database_url, tmp_path, slack_app_token=app_token)


@pytest.fixture
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[App]:
    """The application built from those settings, on the test clock."""
    built = await build(settings, clock=clock)
    yield built
    await built.close()


@pytest.fixture
async def channel(app: App, fake: FakeSlack, timer: FakeTimer) -> AsyncIterator[SlackChannel]:
    """The Slack channel with the fake timer, started; the fake's record of calls begins
    after its start-up call (auth.test), so a test sees what its requests caused."""
    built = from_settings(
        app.settings, app.engine, limiter=Limiter(now=timer.now, sleep=timer.sleep)
    )
    await built.start()  # its workers and sender, as `serve` and `run` start them
    # The fake timer's clock is not the database's, which the shared windows count on
    # (PostgreSQL): this process paces alone here; tests/adapters/slack/test_shared_pace.py
    # shares them, on real clocks.
    built.limiter.share(None, "")
    assert [c.method for c in fake.calls] == ["auth.test"]
    fake.calls.clear()
    yield built
    await built.close()


@pytest.fixture
async def web(app: App, channel: SlackChannel) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the web app serving /slack/events on loopback, as Slack reaches it."""
    served = create_web_app(app, [SlackEvents(channel)])
    async with serve_loopback(served) as url, httpx.AsyncClient(base_url=url) as client:
        yield client


@dataclass(frozen=True)
class Answer:
    """What the bot answered Slack for one delivery: the HTTP status (200 for an envelope it
    acknowledged) and the JSON it put in the answer or the acknowledgement, if any."""

    status: int
    payload: dict[str, Any] | None = None


class Transport(Protocol):
    """How Slack delivers to the bot: signed HTTP requests, or envelopes over Socket Mode."""

    async def deliver(
        self, kind: str, payload: dict[str, Any], *, retry: int = 0, reason: str = ""
    ) -> Answer:
        """Deliver an `events_api`, `interactive` or `slash_commands` payload."""
        ...


class Http:
    """Slack over HTTP: each payload POSTed, signed, to /slack/events as Slack encodes it."""

    def __init__(self, web: httpx.AsyncClient) -> None:
        self.web = web

    async def deliver(
        self, kind: str, payload: dict[str, Any], *, retry: int = 0, reason: str = ""
    ) -> Answer:
        """POST it: an event as JSON, an interaction as a `payload=` form field, a slash
        command as a form; a retry with Slack's X-Slack-Retry-* headers."""
        if kind == "events_api":
            body, content_type = json.dumps(payload).encode(), "application/json"
        elif kind == "interactive":
            body = urlencode({"payload": json.dumps(payload)}).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            body, content_type = urlencode(payload).encode(), "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type, **signed_headers(body)}
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": reason}
        response = await self.web.post("/slack/events", content=body, headers=headers)
        return Answer(response.status_code, response.json() if response.content else None)


class Socket:
    """Slack over Socket Mode: each payload an envelope on the app's newest connection,
    answered by its acknowledgement."""

    def __init__(self, server: FakeSocketMode) -> None:
        self.server = server

    async def deliver(
        self, kind: str, payload: dict[str, Any], *, retry: int = 0, reason: str = ""
    ) -> Answer:
        """Send the envelope and wait for its ack; a retry carries Slack's retry_attempt."""
        envelope = await self.server.send(kind, payload, retry_attempt=retry, retry_reason=reason)
        assert envelope.ack is not None
        return Answer(200, envelope.ack.get("payload"))


class Settles(Protocol):
    """What tells when the bot has handled everything delivered and sent every reply: the
    channel itself, or the database the processes share."""

    async def idle(self) -> None:
        """Return once nothing waits or is in hand and every queued reply is sent."""
        ...


class SlackUser:
    """A person in Slack: sends payloads shaped like the recorded ones (over HTTP, signed, or
    over Socket Mode), reads the bot's answers as the fake server holds them."""

    def __init__(
        self,
        fake: FakeSlack,
        transport: Transport,
        channel: Settles,
        ids: Iterator[int],
        *,
        user_id: str,
        name: str,
        **details: Any,
    ) -> None:
        self.fake = fake
        self.transport = transport
        self.channel = channel
        self.ids = ids
        self.person = fake.person(user_id, name, **details)
        self.user_id = user_id
        self.dm = self.person.dm
        self.calls: list[Call] = []

    async def deliver(
        self, kind: str, payload: dict[str, Any], *, retry: int = 0, reason: str = ""
    ) -> Answer:
        """Deliver a payload, check it was acknowledged, and wait for the work after the ack."""
        before = len(self.fake.calls)
        answer = await self.transport.deliver(kind, payload, retry=retry, reason=reason)
        assert answer.status == 200
        await self.channel.idle()
        self.calls = [c for c in self.fake.calls[before:] if c.status == 200 and c.error is None]
        return answer

    def envelope(self, template: str, **event: Any) -> dict[str, Any]:
        """An event_callback envelope from a recorded template, from this user."""
        body = copy.deepcopy(fixture(template))
        body["event_id"] = f"Ev{next(self.ids):010d}"
        body["event"].update(user=self.user_id, channel=self.dm, **event)
        return body

    async def event(self, body: dict[str, Any], *, retry: int = 0, reason: str = "") -> Answer:
        """Deliver an Events API envelope (again, when `retry` counts Slack's retries)."""
        return await self.deliver("events_api", body, retry=retry, reason=reason)

    async def say(self, text: str) -> None:
        """Write a message in the app's DM (Slack delivers `&`, `<` and `>` escaped)."""
        await self.event(self.envelope("message_im", text=escape(text)))

    async def upload(self, name: str, content: bytes, mimetype: str) -> None:
        """Share a file in the app's DM."""
        shared = self.fake.add_file(name, content, mimetype)
        await self.event(self.envelope("file_share", files=[shared]))

    async def open_home(self) -> None:
        """Open the app's Home tab."""
        await self.event(self.envelope("app_home_opened"))

    async def interact(self, payload: dict[str, Any]) -> Answer:
        """Deliver an interactivity payload (a button, a form submission)."""
        return await self.deliver("interactive", payload)

    def _action(
        self, message: dict[str, Any] | None, action: dict[str, Any], state: dict[str, Any]
    ) -> dict[str, Any]:
        payload = copy.deepcopy(fixture("block_actions"))
        payload["user"]["id"] = self.user_id
        payload["trigger_id"] = f"{next(self.ids)}.1234567890.{self.user_id.lower()}"
        payload["actions"] = [{**action, "action_ts": "1800000070.123456"}]
        payload["state"] = {"values": state}
        if message is None:  # pressed in the App Home
            payload["container"] = {"type": "view", "view_id": "V0HOME0001"}
            del payload["channel"], payload["message"]
            payload["view"] = {"id": "V0HOME0001", "type": "home", "callback_id": ""}
        else:
            payload["container"].update(message_ts=message["ts"], channel_id=self.dm)
            payload["channel"]["id"] = self.dm
            payload["message"] = copy.deepcopy(message)
        return payload

    def button(self, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The newest bot message with a button whose label starts with `label`."""
        for message in reversed(self.fake.messages.get(self.dm, [])):
            for block in message.get("blocks", []):
                for element in block.get("elements", []):
                    text = element.get("text", {}).get("text", "")
                    if element.get("type") == "button" and text.startswith(label):
                        return message, {**element, "block_id": block["block_id"]}
        raise AssertionError(f"no button {label!r} among {self.labels}")

    def press_payload(self, label: str) -> dict[str, Any]:
        """The interaction a press of a button of the bot's latest messages sends (each
        press its own trigger_id)."""
        message, element = self.button(label)
        action = {
            "action_id": element["action_id"],
            "block_id": element["block_id"],
            "text": element["text"],
            "value": element["value"],
            "type": "button",
        }
        return self._action(message, action, {})

    async def press(self, label: str) -> None:
        """Press a button of the bot's latest messages."""
        await self.interact(self.press_payload(label))

    async def tick(self, *labels: str) -> None:
        """Set the checkboxes of the newest multi-choice message to `labels`, then press Done."""
        message, block = self._checkboxes()
        element = block["elements"][0]
        chosen = [o for o in element["options"] if o["text"]["text"] in labels]
        assert len(chosen) == len(labels), [o["text"]["text"] for o in element["options"]]
        state = {block["block_id"]: {"tog": {"type": "checkboxes", "selected_options": chosen}}}
        _, done = self.button("Done")
        action = {
            "action_id": done["action_id"],
            "block_id": done["block_id"],
            "text": done["text"],
            "value": done["value"],
            "type": "button",
        }
        await self.interact(self._action(message, action, state))

    def _checkboxes(self) -> tuple[dict[str, Any], dict[str, Any]]:
        for message in reversed(self.fake.messages.get(self.dm, [])):
            for block in message.get("blocks", []):
                if any(e.get("type") == "checkboxes" for e in block.get("elements", [])):
                    return message, block
        raise AssertionError("no checkboxes")

    async def press_in_home(self, item_id: int) -> None:
        """Press "Answer in a form" for an agenda item in the App Home tab."""
        action = {
            "action_id": "form",
            "block_id": f"item-{item_id}",
            "text": {"type": "plain_text", "text": "Answer in a form", "emoji": True},
            "value": str(item_id),
            "type": "button",
        }
        await self.interact(self._action(None, action, {}))

    async def open_form(self) -> tuple[dict[str, Any], str]:
        """Open the Home tab, then the form of its first agenda item: the form's view, and
        the block id of its first input."""
        await self.open_home()
        home = self.fake.homes[self.user_id]
        blocks = [b.get("block_id", "") for b in home["blocks"]]
        item = next(int(block[5:]) for block in blocks if block.startswith("item-"))
        await self.press_in_home(item)
        view = self.fake.views[-1]
        return view, next(b["block_id"] for b in view["blocks"] if b["type"] == "input")

    def submission(self, view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        """The payload submitting an opened modal with these input states, by block id."""
        payload = copy.deepcopy(fixture("view_submission"))
        payload["user"]["id"] = self.user_id
        payload["view"].update(
            id=view["id"],
            blocks=view["blocks"],
            private_metadata=view["private_metadata"],
            callback_id=view["callback_id"],
            state={"values": values},
        )
        return payload

    async def submit(self, view: dict[str, Any], values: dict[str, Any]) -> Answer:
        """Submit an opened modal with these input states, by block id."""
        return await self.interact(self.submission(view, values))

    async def command(self, text: str) -> Answer:
        """Type `/intersessional <text>` anywhere in Slack."""
        form = dict(fixture("slash_command"))
        form.update(
            user_id=self.user_id,
            text=text,
            team_id=TEAM,
            trigger_id=f"{next(self.ids)}.1234567890.{self.user_id.lower()}",
        )
        return await self.deliver("slash_commands", form)

    def calls_of_post(self) -> list[Call]:
        """The messages posted to the DM by the last action."""
        return [c for c in self.calls if c.method == "chat.postMessage"]

    @property
    def texts(self) -> list[str]:
        """Each message the user read in the DM after their last action, whole: the text of
        its sections, unescaped."""
        shown = []
        for call in self.calls:
            if call.method in ("chat.postMessage", "chat.update"):
                sections = [
                    unescape(block["text"]["text"])
                    for block in call.params.get("blocks", [])
                    if block["type"] == "section"
                ]
                if sections:
                    shown.append("\n".join(sections))
            elif call.method == "files.completeUploadExternal":
                shown.append(str(call.params.get("initial_comment", "")))
        return shown

    @property
    def text(self) -> str:
        """What the user read in the DM after their last action."""
        return "\n".join(self.texts)

    @property
    def labels(self) -> list[str]:
        """Every button label and checkbox option of the bot's answers to the last action."""
        found = []
        for call in self.calls:
            for block in call.params.get("blocks", []):
                for element in block.get("elements", []):
                    if element.get("type") == "button":
                        found.append(element["text"]["text"])
                    for option in element.get("options", []):
                        found.append(option["text"]["text"])
        return found


@pytest.fixture
def users(
    fake: FakeSlack, web: httpx.AsyncClient, channel: SlackChannel
) -> Callable[..., SlackUser]:
    """Make Slack users who reach the bot over HTTP at /slack/events."""
    ids = itertools.count(1)

    def make(user_id: str, name: str, **details: Any) -> SlackUser:
        return SlackUser(fake, Http(web), channel, ids, user_id=user_id, name=name, **details)

    return make


@pytest.fixture
async def socket_server(fake: FakeSlack) -> AsyncIterator[FakeSocketMode]:
    """The fake Socket Mode server, whose URLs the fake Web API's apps.connections.open gives.

    Every test ends by checking that the bot acknowledged every envelope it was sent.
    """
    server = FakeSocketMode()
    fake.socket_mode = server
    async with serve_socket_mode(server):
        yield server
        assert [(e.type, e.payload.get("type")) for e in server.unacknowledged()] == []


@pytest.fixture
async def socket(channel: SlackChannel, socket_server: FakeSocketMode) -> AsyncIterator[SocketMode]:
    """The channel connected over Socket Mode with the app token, as `run` connects it."""
    connection = socket_mode(channel, APP_TOKEN)
    await connection.connect()
    await socket_server.connected()
    yield connection
    await connection.close()


@pytest.fixture
def socket_users(
    fake: FakeSlack, socket_server: FakeSocketMode, socket: SocketMode, channel: SlackChannel
) -> Callable[..., SlackUser]:
    """Make Slack users who reach the bot over its Socket Mode connection."""
    ids = itertools.count(1)

    def make(user_id: str, name: str, **details: Any) -> SlackUser:
        transport = Socket(socket_server)
        return SlackUser(fake, transport, channel, ids, user_id=user_id, name=name, **details)

    return make


async def onboard(user: SlackUser, code: str) -> None:
    """From the invite code to the consultations, with the usual answers."""
    await user.say(code)
    await user.press("English")
    await user.press("I agree")
    await user.press("No, do not publish")
    await user.press("This is correct")
    await user.press("Prefer not to say")
    done, consultations = user.texts
    assert done == "Thank you, you are all set."
    assert consultations.startswith("Your consultations:\n• ")
