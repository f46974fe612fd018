"""Slack's requests are signed, retried and rate limited: what the channel does about it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import App
from handlers.ports import FixedClock
from storage.models import Identity, ProcessedUpdate
from tests.adapters.slack.conftest import (
    SIGNING_SECRET,
    FakeTimer,
    SlackUser,
    fixture,
    onboard,
    signed_headers,
)
from tests.conftest import new_invite
from tests.fakes.slack_server import FakeSlack


async def stored(app: App) -> tuple[int, int]:
    """How many identities and processed updates the database holds."""
    async with app.database.connect() as connection:
        identities = (await connection.execute(select(func.count()).select_from(Identity))).scalar()
        updates = (
            await connection.execute(select(func.count()).select_from(ProcessedUpdate))
        ).scalar()
    return int(identities or 0), int(updates or 0)


async def test_unsigned_badly_signed_or_stale_requests_get_401_and_change_nothing(
    app: App, fake: FakeSlack, web: httpx.AsyncClient, users: Callable[..., SlackUser]
) -> None:
    amina = users("U0AMINA001", "Amina")
    body = json.dumps(amina.envelope("message_im", text="help")).encode()
    json_type = {"Content-Type": "application/json"}
    now = int(time.time())
    attempts = {
        "missing": json_type,
        "bad": {**json_type, **signed_headers(body, secret="not-the-secret")},
        "stale": {**json_type, **signed_headers(body, timestamp=now - 301)},
        "tampered": {**json_type, **signed_headers(body.replace(b"help", b"status"))},
    }
    statuses = {}
    for name, headers in attempts.items():
        response = await web.post("/slack/events", content=body, headers=headers)
        statuses[name] = response.status_code
    assert statuses == {"missing": 401, "bad": 401, "stale": 401, "tampered": 401}
    await amina.channel.idle()
    assert await stored(app) == (0, 0)
    assert fake.calls == []

    # The same body, properly signed and 4 minutes old, is accepted.
    fresh = await web.post(
        "/slack/events",
        content=body,
        headers={**json_type, **signed_headers(body, secret=SIGNING_SECRET, timestamp=now - 240)},
    )
    await amina.channel.idle()
    assert fresh.status_code == 200
    assert await stored(app) == (1, 1)


async def test_a_retried_event_is_acknowledged_and_processed_once(
    app: App, fake: FakeSlack, clock: FixedClock, users: Callable[..., SlackUser]
) -> None:
    amina = users("U0AMINA001", "Amina")
    code = await new_invite(app.store, clock)
    first = amina.envelope("message_im", text=code)
    await amina.event(first)
    assert "Criminologists without Borders" in amina.text

    # Slack did not see the 200 in time and delivers the same event_id again, twice.
    for attempt, reason in ((1, "http_timeout"), (2, "http_error")):
        await amina.event(first, retry=attempt, reason=reason)
        assert amina.calls_of_post() == []
    async with app.store.transaction() as uow:
        invite = await uow.invites.by_code(code)
        assert invite is not None
        assert invite.uses == 1
    assert await stored(app) == (1, 1)


async def test_a_429_from_chat_post_message_is_delivered_after_retry_after(
    app: App,
    fake: FakeSlack,
    clock: FixedClock,
    timer: FakeTimer,
    users: Callable[..., SlackUser],
) -> None:
    amina = users("U0AMINA001", "Amina")
    await onboard(amina, await new_invite(app.store, clock))
    timer.sleeps.clear()
    fake.fail("chat.postMessage", 429, "ratelimited", retry_after=7)
    await amina.say("status")
    posts = fake.calls_of("chat.postMessage")
    assert [c.status for c in posts[-3:]] == [429, 200, 200]
    assert posts[-2].params == posts[-3].params
    assert timer.sleeps == [7.0]
    assert "Deadline:" in amina.text


async def test_slack_retries_of_a_button_press_are_recorded_once(
    app: App, fake: FakeSlack, clock: FixedClock, users: Callable[..., SlackUser]
) -> None:
    amina = users("U0AMINA001", "Amina")
    await amina.say(await new_invite(app.store, clock))
    message, element = amina.button("English")
    payload = fixture("block_actions")
    payload["user"]["id"] = "U0AMINA001"
    payload["message"] = message
    payload["container"]["message_ts"] = message["ts"]
    payload["actions"] = [{**element, "type": "button", "action_ts": "1800000070.1"}]
    await amina.interact(payload)
    assert "Do you agree" in amina.text
    await amina.interact(payload)
    assert amina.calls_of_post() == []


async def test_trust_06_the_signature_is_checked_before_anything_reads_the_body(
    app: App, fake: FakeSlack, web: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    now = str(int(time.time()))
    hostile = b"\n2026-01-01 INFO forged never-logged-7f3a"
    attempts = {
        # Not UTF-8, not JSON, not a form: nothing may try to read it unsigned.
        "not text": (b"\xff\xfe\x00" + hostile, {}),
        "not json": (b"{" + hostile, {"Content-Type": "application/json"}),
        "not a form": (b"payload=%7B" + hostile, {}),
        # Headers that broke the library's own check (int(), hmac.compare_digest).
        "timestamp not a number": (
            b"{}",
            {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=1"},
        ),
        "signature not ascii": (
            b"{}",
            {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=é".encode("latin-1")},
        ),
        "no timestamp": (b"{}", {"X-Slack-Signature": signed_headers(b"{}")["X-Slack-Signature"]}),
    }
    statuses = {}
    for name, (body, headers) in attempts.items():
        response = await web.post("/slack/events", content=body, headers=headers)
        statuses[name] = response.status_code
    assert statuses == dict.fromkeys(attempts, 401)
    assert await stored(app) == (0, 0)
    assert fake.calls == []
    assert "never-logged-7f3a" not in caplog.text
    assert "Traceback" not in caplog.text
