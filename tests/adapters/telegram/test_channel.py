"""The Telegram channel against the fake Bot API: reliability, limits, blocking, formatting."""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from typing import Any

import pytest

from bot.adapters.telegram.channel import TelegramChannel
from bot.adapters.telegram.client import BotApi
from bot.adapters.telegram.limiter import Limiter
from bot.app import App
from handlers.events import Inbound, Reply
from handlers.features.commands import command_descriptions
from handlers.i18n import translator
from handlers.ports import FixedClock, Unreachable
from storage.models import Participant
from tests.adapters.telegram.conftest import (
    FakeTimer,
    TelegramUser,
    onboard,
)
from tests.conftest import new_invite
from tests.fakes.telegram_server import TOKEN, FakeTelegram

ALICE, BOB = 5230018431, 6120442290
ONE_MODE = pytest.mark.parametrize("deliver", ["webhook"], indirect=True)
"""For behaviour that does not depend on how updates arrive: run it by webhook only."""


async def participant(app: App, user_id: int) -> Participant:
    async with app.store.transaction() as uow:
        identity = await uow.identities.get("telegram", str(user_id))
        assert identity is not None
        assert identity.participant_id is not None
        found = await uow.participants.get(identity.participant_id)
        assert found is not None
        return found


async def revisions(app: App, user_id: int) -> list[tuple[str, object]]:
    """Every answer revision a user ever stored: (question key, value)."""
    me = await participant(app, user_id)
    async with app.store.transaction() as uow:
        found = []
        for answer in await uow.answers.for_participant(me.id):
            question = await uow.consultations.question(answer.question_id)
            assert question is not None
            found += [(question.key, r.value) for r in await uow.answers.revisions(answer.id)]
        return found


async def test_duplicate_delivery_by_polling_is_processed_once(
    app: App,
    fake: FakeTelegram,
    channel: TelegramChannel,
    clock: FixedClock,
    polling_users: Callable[..., TelegramUser],
) -> None:
    users = polling_users
    alice = users(ALICE, "Amina")
    await onboard(alice, await new_invite(app.store, clock))
    await alice.press("Constructive dialogue 2027")
    await alice.press("Agenda item 2")
    message, button = alice.button("We contributed")
    update = alice.callback_update(message, button["callback_data"])
    before = len(fake.calls)
    # Telegram hands the same update out again when the bot did not confirm it in time.
    fake.inject(update, copy.deepcopy(update))
    await fake.wait_confirmed(update["update_id"])
    await channel.settle()
    made = [c for c in fake.calls[before:] if c.params.get("chat_id") == ALICE]
    assert [c.method for c in made] == ["sendMessage"]
    assert "Question 2 of 3" in made[0].params["text"]
    assert await revisions(app, ALICE) == [("ai2-familiarity", {"choice": "contributed"})]
    assert fake.unanswered_callbacks() == []


async def test_duplicate_delivery_by_webhook_is_processed_once(
    app: App,
    fake: FakeTelegram,
    clock: FixedClock,
    webhook_users: Callable[..., TelegramUser],
) -> None:
    users = webhook_users
    alice = users(ALICE, "Amina")
    await onboard(alice, await new_invite(app.store, clock))
    await alice.press("Constructive dialogue 2027")
    await alice.press("Agenda item 2")
    await alice.press("We contributed")
    await alice.press("Yes")
    update = alice.text_update("Through the national review focal point.")
    await alice.send(update)
    assert alice.text.startswith("Review — Agenda item 2")
    await alice.send(copy.deepcopy(update))  # Telegram retried: our 200 came too late
    assert alice.calls == []
    assert await revisions(app, ALICE) == [
        ("ai2-familiarity", {"choice": "contributed"}),
        ("ai2-data-platform", {"yes": True}),
        ("ai2-stakeholder-contribution", {"text": "Through the national review focal point."}),
    ]


async def test_two_users_interleaving_keep_their_own_state(
    app: App, fake: FakeTelegram, clock: FixedClock, users: Callable[..., TelegramUser]
) -> None:
    alice = users(ALICE, "Amina")
    bob = users(BOB, "Bogdan", language_code="ru")
    code_a = await new_invite(app.store, clock, organisation="Criminologists without Borders")
    code_b = await new_invite(app.store, clock, organisation="Institute of Penal Law")
    await alice.say(f"/start {code_a}")
    await bob.say(f"/start {code_b}")
    assert "Institute of Penal Law" in bob.text
    assert "Criminologists without Borders" not in bob.text
    assert bob.labels[0] == "Русский"  # his Telegram app is in Russian
    await bob.press("English")
    await alice.press("English")
    await asyncio.gather(alice.press("I agree"), bob.press("I agree"))
    await asyncio.gather(alice.press("No, do not publish"), bob.press("No, do not publish"))
    await asyncio.gather(alice.press("This is correct"), bob.press("This is correct"))
    await asyncio.gather(alice.press("Female"), bob.press("Male"))
    await asyncio.gather(
        alice.press("Constructive dialogue 2027"), bob.press("Constructive dialogue 2027")
    )
    await asyncio.gather(alice.press("Agenda item 2"), bob.press("Agenda item 3"))
    await asyncio.gather(alice.press("We contributed"), bob.press("Encryption"))
    assert "Question 2 of 3" in alice.text
    assert "✓ Encryption of communications" in bob.labels
    me, him = await participant(app, ALICE), await participant(app, BOB)
    assert (me.locale, him.locale) == ("en", "en")
    assert (me.gender, him.gender) == ("female", "male")
    assert me.organisation is not None
    assert him.organisation is not None
    assert (me.organisation.name, him.organisation.name) == (
        "Criminologists without Borders",
        "Institute of Penal Law",
    )
    assert await revisions(app, ALICE) == [("ai2-familiarity", {"choice": "contributed"})]
    assert await revisions(app, BOB) == []
    assert (him.state, him.context["selection"]) == ("question", ["encryption"])
    assert (me.state, "selection" in me.context) == ("question", False)
    assert fake.unanswered_callbacks() == []


@ONE_MODE
async def test_flood_control_waits_retry_after_and_drops_nothing(
    fake: FakeTelegram, timer: FakeTimer, users: Callable[..., TelegramUser]
) -> None:
    alice = users(ALICE, "Amina")
    fake.fail("sendMessage", 429, retry_after=7)
    await alice.say("/help")
    attempts = [c for c in fake.calls if c.method == "sendMessage"]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[0].params == attempts[1].params
    assert 7.0 in timer.sleeps
    assert "What this bot does and its commands" in alice.text


@ONE_MODE
async def test_server_errors_are_retried(
    fake: FakeTelegram, timer: FakeTimer, users: Callable[..., TelegramUser]
) -> None:
    alice = users(ALICE, "Amina")
    fake.fail("sendMessage", 500, times=2)
    await alice.say("hello")
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [500, 500, 200]
    assert timer.sleeps == [0.5, 1.0]
    assert "organisations invited by the secretariat" in alice.text


async def test_a_call_with_no_answer_times_out_and_is_retried(
    app: App, fake: FakeTelegram, timer: FakeTimer
) -> None:
    api = BotApi(
        TOKEN, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot", read_timeout=0.5
    )
    channel = TelegramChannel(app.engine, api, limiter=Limiter(now=timer.now, sleep=timer.sleep))
    await channel.start()
    try:
        fake.hang("sendMessage")
        await channel.deliver(str(ALICE), [Reply("Reminder: the deadline is near.")])
    finally:
        await channel.close()
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [504, 200]
    assert timer.sleeps == [0.5]


@ONE_MODE
async def test_blocked_bot_marks_the_participant_unreachable_until_they_write(
    app: App,
    fake: FakeTelegram,
    clock: FixedClock,
    channel: TelegramChannel,
    users: Callable[..., TelegramUser],
) -> None:
    alice = users(ALICE, "Amina")
    await onboard(alice, await new_invite(app.store, clock))
    fake.fail("sendMessage", 403)
    await alice.say("/status")
    assert (await participant(app, ALICE)).unreachable is True
    await alice.say("/status")  # writing again shows they can be reached
    assert (await participant(app, ALICE)).unreachable is False
    assert "Agenda item 2" in alice.text

    fake.fail("sendMessage", 403)
    with pytest.raises(Unreachable):
        await channel.deliver(str(ALICE), [Reply("Reminder")])
    assert (await participant(app, ALICE)).unreachable is True


@ONE_MODE
async def test_blocking_and_unblocking_updates(
    app: App,
    fake: FakeTelegram,
    clock: FixedClock,
    users: Callable[..., TelegramUser],
) -> None:
    from tests.adapters.telegram.conftest import fixture

    alice = users(ALICE, "Amina")
    await onboard(alice, await new_invite(app.store, clock))
    for name, unreachable in (
        ("my_chat_member_blocked", True),
        ("my_chat_member_unblocked", False),
    ):
        update = fixture(name)
        update["update_id"] = next(alice.update_ids)
        await alice.send(update)
        assert alice.calls == []
        assert (await participant(app, ALICE)).unreachable is unreachable


async def test_callback_queries_are_always_answered(
    app: App, fake: FakeTelegram, clock: FixedClock, users: Callable[..., TelegramUser]
) -> None:
    alice = users(ALICE, "Amina")
    await onboard(alice, await new_invite(app.store, clock))
    message, _ = alice.button("Constructive dialogue 2027")
    for data in ("forged:payload", "lang:en", "x" * 64):
        await alice.send(alice.callback_update(message, data))
    assert "That button is no longer active" in alice.text
    answered = [c for c in fake.calls if c.method == "answerCallbackQuery"]
    assert len(answered) == len(fake.callbacks) > 0
    assert fake.unanswered_callbacks() == []


@ONE_MODE
async def test_stickers_edits_and_group_messages(
    app: App, fake: FakeTelegram, clock: FixedClock, users: Callable[..., TelegramUser]
) -> None:
    from tests.adapters.telegram.conftest import fixture

    alice = users(ALICE, "Amina")
    await onboard(alice, await new_invite(app.store, clock))
    sticker = fixture("sticker")["message"]["sticker"]
    await alice.send(alice.message(sticker=sticker))
    assert alice.text.startswith("I can only read text messages, buttons and documents.")
    assert "Your consultations:" in alice.text
    edited = fixture("edited_message")
    edited["update_id"] = next(alice.update_ids)
    await alice.send(edited)
    assert alice.calls == []
    group = alice.text_update("/mydata")
    group["message"]["chat"] = {"id": -1001234567890, "title": "Secretariat", "type": "supergroup"}
    before = len(fake.calls)
    await alice.send(group)
    assert [c for c in fake.calls[before:] if c.method.startswith("send")] == []


@ONE_MODE
async def test_long_text_is_split_without_breaking_words(
    app: App, fake: FakeTelegram, clock: FixedClock, users: Callable[..., TelegramUser]
) -> None:
    alice = users(ALICE, "Amina")
    await onboard(alice, await new_invite(app.store, clock))
    await alice.press("Constructive dialogue 2027")
    await alice.press("Agenda item 4")
    await alice.press("Capacity-building")
    long_answer = "Requests for subscriber information should follow one standard form. " * 42
    await alice.say(long_answer.strip())
    await alice.say(("Human rights safeguards must apply to every tool. " * 57).strip())
    await alice.press("Skip ›")
    review = [c for c in alice.calls if c.method == "sendMessage"]
    assert len(review) >= 2
    assert all(len(c.params["text"]) <= 4096 for c in review)
    assert ["reply_markup" in c.params for c in review][-1] is True
    assert not any("reply_markup" in c.params for c in review[:-1])
    assert alice.text.startswith("Review — Agenda item 4")
    assert long_answer.strip() in alice.text.replace("\n", " ")  # no word was cut


@ONE_MODE
async def test_organisation_names_are_escaped(
    app: App, fake: FakeTelegram, clock: FixedClock, users: Callable[..., TelegramUser]
) -> None:
    alice = users(ALICE, "Amina")
    await alice.say(f"/start {await new_invite(app.store, clock, organisation='<b>Evil & Co</b>')}")
    [welcome, *_] = alice.calls
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in welcome.params["text"]
    assert welcome.params["parse_mode"] == "HTML"
    assert "invited on behalf of <b>Evil & Co</b>." in alice.text  # shown literally


async def test_everything_goes_to_telegram_base_url(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    url = fake.url
    assert channel.api.bot.base_url == f"{url}/bot{TOKEN}"
    assert channel.api.bot.base_file_url == f"{url}/file/bot{TOKEN}"
    file = fake.add_file(b"%PDF-1.7 test")
    assert await channel.api.download(file["file_id"]) == b"%PDF-1.7 test"
    assert [c.method for c in fake.calls] == ["getMe", "getFile", "file"]


async def test_command_menu_in_every_language(channel: TelegramChannel, fake: FakeTelegram) -> None:
    await channel.set_commands()
    assert set(fake.commands) == {None, "en", "fr", "es", "ru", "zh", "ar"}
    english = command_descriptions(translator("en"))
    assert fake.commands[None] == [
        {"command": name, "description": text} for name, text in english.items()
    ]
    assert fake.commands["fr"] == [
        {"command": name, "description": text}
        for name, text in command_descriptions(translator("fr")).items()
    ]
    assert fake.commands[None] == fake.commands["en"]
    assert fake.commands["en"][0]["description"] == "Start, or continue where you left off"


@ONE_MODE
async def test_nothing_is_lost_when_the_reply_cannot_be_sent(
    app: App,
    fake: FakeTelegram,
    clock: FixedClock,
    users: Callable[..., TelegramUser],
) -> None:
    alice = users(ALICE, "Amina")
    await onboard(alice, await new_invite(app.store, clock))
    await alice.press("Constructive dialogue 2027")
    await alice.press("Agenda item 2")
    fake.fail("sendMessage", 500, times=4)  # more than the limiter retries
    await alice.press("We contributed")
    assert alice.calls == []
    assert await revisions(app, ALICE) == [("ai2-familiarity", {"choice": "contributed"})]
    await alice.say("/start")
    assert "Welcome back! Here is where you left off." in alice.text
    assert "Question 2 of 3" in alice.text


class FlakyEngine:
    """The real engine, failing its first call as if the database had gone away."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.failures = 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)  # the rest is the real engine's

    async def handle(self, event: Inbound, **options: Any) -> list[Reply]:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database went away")
        result: list[Reply] = await self.engine.handle(event, **options)
        return result


async def test_a_failed_update_is_tried_again_from_the_inbox(
    app: App, fake: FakeTelegram, timer: FakeTimer
) -> None:
    api = BotApi(TOKEN, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")
    channel = TelegramChannel(
        FlakyEngine(app.engine),  # type: ignore[arg-type]
        api,
        limiter=Limiter(now=timer.now, sleep=timer.sleep),
        sleep=timer.sleep,
    )
    from tests.adapters.telegram.conftest import fixture

    await channel.start()
    stop = asyncio.Event()
    poller = asyncio.create_task(channel.poll(stop=stop))
    update = fixture("message_text")
    fake.inject(update)
    await fake.wait_confirmed(update["update_id"])
    await channel.settle()
    stop.set()
    await poller
    await channel.close()
    offsets = [c.params.get("offset") for c in fake.calls if c.method == "getUpdates"]
    assert offsets[:2] == [None, update["update_id"] + 1]  # confirmed once stored
    assert channel.engine.failures == 0  # it failed once, and was handled the second time
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [200]


async def test_trust_07_another_poller_is_said_once_and_polling_goes_on(
    channel: TelegramChannel,
    fake: FakeTelegram,
    timer: FakeTimer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.adapters.telegram.conftest import fixture

    caplog.set_level(logging.INFO)
    conflicts = 6  # an overlapping deploy: the old process still polls with the same token
    fake.fail("getUpdates", 409, times=conflicts)
    stop = asyncio.Event()
    poller = asyncio.create_task(channel.poll(stop=stop))
    update = fixture("start_deep_link")
    fake.inject(update)
    await fake.wait_confirmed(update["update_id"])
    await channel.settle()
    assert not poller.done()  # it never gave up
    stop.set()
    await poller

    statuses = [c.status for c in fake.calls if c.method == "getUpdates"]
    assert statuses[: conflicts + 1] == [409] * conflicts + [200]
    assert len(fake.sent("sendMessage", chat_id=ALICE)) == 1
    assert timer.sleeps == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0]  # backoff, on the injected sleep
    said = [r.getMessage() for r in caplog.records if r.name == "bot.adapters.telegram.channel"]
    assert len(said) == 2
    assert "409 Conflict" in said[0]
    assert "TELEGRAM_BOT_TOKEN" in said[0]
    assert said[1] == f"Telegram: getUpdates works again (after {conflicts} failed attempts)"


async def test_trust_14_a_button_pressed_in_a_group_is_answered_and_nothing_else(
    app: App, fake: FakeTelegram, clock: FixedClock, users: Callable[..., TelegramUser]
) -> None:
    from tests.adapters.telegram.conftest import fixture

    alice = users(ALICE, "Amina")
    await onboard(alice, await new_invite(app.store, clock))
    before = await participant(app, ALICE)
    _, button = alice.button("Constructive dialogue 2027")
    update = fixture("callback_query_group")  # her own button, on a message in a group
    update["update_id"] = next(alice.update_ids)
    update["callback_query"]["from"]["id"] = ALICE
    update["callback_query"]["data"] = button["callback_data"]
    calls = len(fake.calls)
    await alice.send(update)
    made = [c for c in fake.calls[calls:] if c.method != "getUpdates"]
    assert [(c.method, c.params.get("callback_query_id")) for c in made] == [
        ("answerCallbackQuery", "22535114920373999")
    ]
    after = await participant(app, ALICE)
    assert (after.state, after.context) == (before.state, before.context)
    assert fake.unanswered_callbacks() == []


@ONE_MODE
async def test_a_toggle_on_a_message_that_cannot_be_edited_is_shown_as_a_new_message(
    app: App, fake: FakeTelegram, clock: FixedClock, users: Callable[..., TelegramUser]
) -> None:
    alice = users(ALICE, "Amina")
    await onboard(alice, await new_invite(app.store, clock))
    await alice.press("Constructive dialogue 2027")
    await alice.press("Agenda item 3")
    message, button = alice.button("Encryption")
    gone = {**message, "message_id": message["message_id"] + 1000}  # deleted meanwhile
    await alice.send(alice.callback_update(gone, button["callback_data"]))
    refused = [c for c in fake.calls if c.method == "editMessageText"]
    assert [(c.status, c.params["message_id"]) for c in refused] == [(400, gone["message_id"])]
    assert [c.method for c in alice.calls] == ["sendMessage"]
    assert "✓ Encryption of communications" in alice.labels
