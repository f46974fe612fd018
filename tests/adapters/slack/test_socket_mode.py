"""Slack over a real Socket Mode connection: the fake WebSocket server speaks Slack's protocol
(hello, envelopes acknowledged by envelope_id, disconnect and reconnect)."""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.adapters.slack import SocketMode
from bot.app import App, build
from config.errors import ConfigError
from handlers.ports import FixedClock
from storage.models import AnswerRevision
from tests.adapters.running import receiving
from tests.adapters.slack.conftest import SlackUser, fixture, onboard, socket_mode_settings
from tests.adapters.slack.test_journey import answers_of
from tests.adapters.slack.test_reliability import stored
from tests.conftest import new_invite
from tests.fakes.slack_server import TOKEN, FakeSlack
from tests.fakes.slack_socket import FakeSocketMode

ANSWER = "We contributed to the self-assessment checklist in 2026 and would do so again."


async def revisions(app: App) -> int:
    """How many answer revisions the database holds."""
    async with app.database.connect() as connection:
        found = await connection.execute(select(func.count()).select_from(AnswerRevision))
        return int(found.scalar() or 0)


async def to_the_text_question(user: SlackUser) -> None:
    """From the consultations to agenda item 2's last question (free text), by buttons."""
    for label in ("Constructive dialogue 2027", "Agenda item 2", "We contributed to it", "Yes"):
        await user.press(label)
    assert "Question 3 of 3" in user.text


async def test_trust_18_the_whole_journey_over_socket_mode(
    app: App,
    fake: FakeSlack,
    socket_server: FakeSocketMode,
    clock: FixedClock,
    socket_users: Callable[..., SlackUser],
) -> None:
    amina = socket_users("U0AMINA001", "Amina", locale="fr-FR")
    # apps.connections.open took the app token and gave one URL; the client said nothing
    # before Slack's hello.
    assert socket_server.opened == 1
    assert [c.method for c in fake.calls] == ["apps.connections.open"]

    # The invite code in the DM (events_api), onboarding by buttons (interactive).
    await amina.say(await new_invite(app.store, clock))
    assert amina.text.startswith("Bienvenue")
    for label in ("English", "I agree", "No, do not publish", "This is correct", "Female"):
        await amina.press(label)
    assert "Your consultations:" in amina.text

    # An agenda item answered and submitted: the receipt is in the DM.
    await to_the_text_question(amina)
    await amina.say(ANSWER)
    assert amina.text.startswith("Review — Agenda item 2")
    await amina.press("Submit")
    assert "Reference: WGIC-18-2027-2-" in amina.text
    shown = [b["text"]["text"] for m in fake.messages[amina.dm] for b in m["blocks"] if "text" in b]
    assert [text for text in shown if "Reference: WGIC-18-2027-2-" in text]

    # The slash command (slash_commands) answers in the DM.
    answer = await amina.command("status")
    assert answer.payload is None
    assert "Agenda item 2: Briefing" in amina.text

    # A form whose errors travel in the acknowledgement's payload.
    view, first = await amina.open_form()
    forged = {"answer": {"type": "checkboxes", "selected_options": [{"value": "forged"}]}}
    answer = await amina.submit(view, {first: forged})
    assert answer.payload is not None
    assert answer.payload["response_action"] == "errors"
    assert list(answer.payload["errors"]) == [first]

    assert (await answers_of(app, "U0AMINA001"))["ai2-stakeholder-contribution"] == {"text": ANSWER}
    # Every envelope was acknowledged (checked by the fixture), each once.
    acks = [m for c in socket_server.connections for m in c.received if "envelope_id" in m]
    assert len(acks) == len(socket_server.envelopes)


async def test_trust_18_after_a_disconnect_a_redelivered_envelope_is_processed_once(
    app: App,
    fake: FakeSlack,
    socket_server: FakeSocketMode,
    clock: FixedClock,
    socket_users: Callable[..., SlackUser],
) -> None:
    amina = socket_users("U0AMINA001", "Amina")
    await onboard(amina, await new_invite(app.store, clock))
    await to_the_text_question(amina)
    before = await revisions(app)

    # Slack sends the answer, then asks for a new connection before it sees the ack.
    answer = amina.envelope("message_im", text=ANSWER)
    first = await socket_server.send("events_api", answer, wait=False)
    posted = len(fake.calls_of("chat.postMessage"))
    new = await socket_server.disconnect()
    assert socket_server.opened == 2  # a new apps.connections.open, a new URL
    assert new.number == 2
    assert [c.number for c in socket_server.open] == [2]

    # It redelivers the same event on the new connection: acknowledged, recorded once.
    again = await amina.event(copy.deepcopy(answer), retry=1, reason="timeout")
    assert again.payload is None
    await socket_server.wait_for(lambda: first.ack is not None)
    await amina.channel.idle()
    assert await revisions(app) == before + 1
    reviews = [
        c for c in fake.calls_of("chat.postMessage")[posted:] if "Review" in c.params["text"]
    ]
    assert len(reviews) == 1
    assert (await answers_of(app, "U0AMINA001"))["ai2-stakeholder-contribution"] == {"text": ANSWER}

    # The new connection carries the rest of the conversation.
    await amina.press("Submit")
    assert "Reference: WGIC-18-2027-2-" in amina.text


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("events_api", {**fixture("message_im"), "event_id": None}),
        ("events_api", {**fixture("message_im"), "event": "hello"}),
        ("interactive", {**fixture("block_actions"), "actions": []}),
        ("interactive", {**fixture("view_submission"), "view": None}),
        ("slash_commands", {**fixture("slash_command"), "user_id": ""}),
    ],
)
async def test_trust_12_a_malformed_envelope_is_acknowledged_and_dropped(
    kind: str,
    payload: dict[str, Any],
    app: App,
    fake: FakeSlack,
    socket_server: FakeSocketMode,
    socket_users: Callable[..., SlackUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    socket_users("U0AMINA001", "Amina")
    before = len(fake.calls)
    envelope = await socket_server.send(kind, payload)
    assert envelope.ack == {"envelope_id": envelope.envelope_id}
    refused = [r for r in caplog.records if r.getMessage().startswith("Slack envelope refused")]
    assert [(r.levelname, r.name) for r in refused] == [
        ("WARNING", "bot.adapters.slack.socket_mode")
    ]
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert await stored(app) == (0, 0)
    assert fake.calls[before:] == []


async def test_trust_18_run_connects_with_the_app_token_and_stops(
    fake: FakeSlack,
    socket_server: FakeSocketMode,
    database_url: str,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    settings = socket_mode_settings(fake, database_url, tmp_path)
    app = await build(settings, clock=clock)
    stop = asyncio.Event()
    running = asyncio.ensure_future(receiving(app, stop=stop))
    try:
        await socket_server.connected()
        fake.person("U0KOFI0001", "Kofi")
        hello = copy.deepcopy(fixture("message_im"))
        hello["event"].update(user="U0KOFI0001", channel="D0KOFI0001", text="help")
        envelope = await socket_server.send("events_api", hello)
        assert envelope.ack == {"envelope_id": envelope.envelope_id}
        socket = app.outboxes["slack"]
        assert isinstance(socket, SocketMode)
        await socket.channel.idle()
        [reply] = fake.messages["D0KOFI0001"]
        assert "/start" in reply["text"]
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)
        await app.close()
    assert "slack" not in app.outboxes
    assert socket_server.open == []


@pytest.mark.parametrize("token", ["xapp-1-A0INTERSES-1800000000-revoked0000000000", TOKEN])
async def test_trust_18_a_refused_app_token_stops_with_one_clear_message(
    token: str,
    fake: FakeSlack,
    socket_server: FakeSocketMode,
    database_url: str,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    # A revoked app token, or the bot token where the app token belongs.
    settings = socket_mode_settings(fake, database_url, tmp_path, app_token=token)
    app = await build(settings, clock=clock)
    try:
        with pytest.raises(ConfigError) as refused:
            await asyncio.wait_for(receiving(app, stop=asyncio.Event()), 30)
    finally:
        await app.close()
    [problem] = refused.value.problems
    assert problem.source == "SLACK_APP_TOKEN"
    assert "xapp-" in problem.fix
    assert token not in str(refused.value)
    # Asked once: no retry loop with a traceback every ten seconds.
    assert len(fake.calls_of("apps.connections.open")) == 1
    assert socket_server.connections == []


async def test_trust_18_an_event_that_cannot_be_stored_is_not_acknowledged_and_its_retry_is(
    app: App,
    fake: FakeSlack,
    socket_server: FakeSocketMode,
    clock: FixedClock,
    socket_users: Callable[..., SlackUser],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    amina = socket_users("U0AMINA001", "Amina")
    relay = amina.channel.relay
    stores = relay.put
    tries = 0

    async def away_once(*args: Any, **kwargs: Any) -> None:
        nonlocal tries
        tries += 1
        if tries == 1:
            raise ConnectionRefusedError("the database is away")
        await stores(*args, **kwargs)

    monkeypatch.setattr(relay, "put", away_once)
    socket_server.retry_delays = (0.0,)
    invite = amina.envelope("message_im", text=await new_invite(app.store, clock))
    acknowledged = await socket_server.deliver("events_api", invite, ack_within=0.5)

    # The first delivery could not be stored: left unacknowledged, so Slack sent it again,
    # and the retry was stored, acknowledged and answered.
    assert acknowledged is not None
    assert acknowledged.retry_attempt == 1
    [first] = socket_server.unacknowledged()
    assert first.retry_attempt == 0
    del socket_server.envelopes[first.envelope_id]  # Unacknowledged on purpose.
    await amina.channel.idle()
    shown = [m["text"] for m in fake.messages[amina.dm]]
    assert sum("Criminologists without Borders" in text for text in shown) == 1
    assert any("Slack request failed" in r.getMessage() for r in caplog.records)


async def test_trust_18_a_form_that_cannot_be_saved_is_not_acknowledged_so_it_stays_open(
    app: App,
    fake: FakeSlack,
    socket_server: FakeSocketMode,
    clock: FixedClock,
    socket_users: Callable[..., SlackUser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    amina = socket_users("U0AMINA001", "Amina")
    await onboard(amina, await new_invite(app.store, clock))
    view, first = await amina.open_form()
    chosen = next(b["element"]["options"][0] for b in view["blocks"] if b.get("block_id") == first)
    values = {first: {"answer": {"type": "radio_buttons", "selected_option": chosen}}}
    engine = amina.channel.engine
    saves = engine.submit_form

    async def database_away(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError("the database is away")

    monkeypatch.setattr(engine, "submit_form", database_away)
    payload = amina.submission(view, values)
    # An acknowledgement would close the form as if it were saved: the person's answers
    # would be gone. Unacknowledged, Slack keeps it open and says it could not be sent.
    assert await socket_server.deliver("interactive", payload, ack_within=0.5) is None
    [unsent] = socket_server.unacknowledged()
    del socket_server.envelopes[unsent.envelope_id]  # Unacknowledged on purpose.

    monkeypatch.setattr(engine, "submit_form", saves)
    answer = await amina.submit(view, values)
    assert answer.payload is None
