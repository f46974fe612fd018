"""Slack through the inbox and the outbox: a request is stored once however often Slack
delivers it, and a press of "Answer in a form" whose trigger_id cannot open the form (too late,
or refused) is answered in the DM."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from bot.adapters.slack import SlackEvents, from_settings
from bot.adapters.slack.channel import TRIGGER_SECONDS
from bot.adapters.slack.stored import FORM, incoming
from bot.app import App
from bot.web import create_web_app
from handlers.ports import FixedClock
from tests.adapters.slack.conftest import Http, SlackUser, onboard
from tests.conftest import new_invite
from tests.fakes import serve_loopback
from tests.fakes.slack_server import FakeSlack


def form_press(user: SlackUser, item_id: int) -> dict[str, object]:
    """The block_actions payload of "Answer in a form" for an agenda item, in the App Home."""
    action = {
        "action_id": "form",
        "block_id": f"item-{item_id}",
        "text": {"type": "plain_text", "text": "Answer in a form", "emoji": True},
        "value": str(item_id),
        "type": "button",
    }
    return user._action(None, action, {})


async def item_2(user: SlackUser, fake: FakeSlack) -> int:
    """The id of agenda item 2, from the App Home."""
    await user.open_home()
    home = fake.homes[user.user_id]
    block = next(b for b in home["blocks"] if b.get("block_id", "").startswith("item-"))
    return int(block["block_id"][5:])


async def test_a_form_slack_refuses_to_open_is_asked_in_the_dm(
    app: App, fake: FakeSlack, clock: FixedClock, users: Callable[..., SlackUser]
) -> None:
    kofi = users("U0KOFI0001", "Kofi")
    await onboard(kofi, await new_invite(app.store, clock))
    item = await item_2(kofi, fake)
    fake.fail("views.open", 200, "expired_trigger_id")
    await kofi.press_in_home(item)
    assert fake.views == []
    assert "Question 1 of 3" in kofi.text


async def test_a_form_press_taken_after_its_trigger_expired_is_asked_in_the_dm(
    app: App, fake: FakeSlack, clock: FixedClock, users: Callable[..., SlackUser]
) -> None:
    kofi = users("U0KOFI0001", "Kofi")
    await onboard(kofi, await new_invite(app.store, clock))
    item = await item_2(kofi, fake)
    # The press waited in the inbox longer than its trigger_id lives (a process died with
    # it in hand, say): views.open is not even tried.
    waited = clock.now() - timedelta(seconds=TRIGGER_SECONDS + 1)
    before = len(fake.calls)
    await kofi.channel.relay.put([incoming(FORM, form_press(kofi, item), waited)], waited)
    await kofi.channel.idle()
    assert [c.method for c in fake.calls[before:] if c.method == "views.open"] == []
    kofi.calls = fake.calls[before:]
    assert "Question 1 of 3" in kofi.text


async def test_a_request_slack_delivers_again_while_it_waits_is_stored_once(
    app: App, fake: FakeSlack, clock: FixedClock
) -> None:
    code = await new_invite(app.store, clock)
    receiving = from_settings(app.settings, app.engine, relaying=False)
    served = create_web_app(app, [SlackEvents(receiving)])
    async with serve_loopback(served) as url, httpx.AsyncClient(base_url=url) as web:
        amina = SlackUser(
            fake, Http(web), receiving, itertools.count(1), user_id="U0AMINA001", name="Amina"
        )
        envelope = amina.envelope("message_im", text=code)
        for retry, reason in ((0, ""), (1, "http_timeout"), (2, "http_error")):
            answer = await Http(web).deliver("events_api", envelope, retry=retry, reason=reason)
            assert answer.status == 200
        assert await app.store.relay.waiting("slack") == 1
        assert fake.calls_of("chat.postMessage") == []  # stored, not handled: nothing relays

    handling = from_settings(app.settings, app.engine)
    await handling.start()
    try:
        await handling.idle()
    finally:
        await handling.close()
    posts = fake.calls_of("chat.postMessage")
    assert sum("Criminologists without Borders" in str(c.params) for c in posts) == 1


async def test_a_request_that_cannot_be_stored_gets_500_and_its_redelivery_is_answered(
    app: App,
    fake: FakeSlack,
    clock: FixedClock,
    users: Callable[..., SlackUser],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    amina = users("U0AMINA001", "Amina")
    envelope = amina.envelope("message_im", text=await new_invite(app.store, clock))
    relay = amina.channel.relay
    stores = relay.put

    async def database_away(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("the database is away")

    monkeypatch.setattr(relay, "put", database_away)
    answer = await amina.transport.deliver("events_api", envelope)
    assert answer.status == 500  # not acknowledged: Slack delivers it again
    assert await relay.waiting("slack") == 0
    assert fake.calls_of("chat.postMessage") == []
    assert any("Slack request failed" in r.getMessage() for r in caplog.records)

    monkeypatch.setattr(relay, "put", stores)
    await amina.event(envelope, retry=1, reason="http_error")
    assert "Criminologists without Borders" in amina.text
