"""Anything unexpected gets a clear short answer and changes nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from handlers.engine import Engine
from handlers.events import Inbound
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import Chat, new_invite, onboard
from tests.handlers.replies import (
    CONTRIBUTION,
    HELP,
    ITEM_2,
    ONE,
    PLATFORM,
    STRANGER,
    TYPE,
    document_question,
    first_question,
    step,
)

STALE = "That button is no longer active. Here is where you are:"


async def snapshot(store: Store) -> tuple[object, ...]:
    """Everything a bad input must leave unchanged."""
    async with store.transaction() as uow:
        participants = [(p.id, p.state, dict(p.context)) for p in await uow.reports.participants()]
        answers = [(r.answer.id, r.answer.revision) for r in await uow.reports.answers()]
        return tuple(participants), tuple(answers)


@pytest.fixture
async def at_question(chat: Chat, invite: str) -> Chat:
    """Alice at the first question of agenda item 2 (a choice question)."""
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 2")
    assert chat.texts == [first_question()]
    return chat


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"text": "/teleport now"}, "I do not know that command. Send /help to see what I can do."),
        ({"unsupported": "sticker"}, "I can only read text messages, buttons and documents."),
        ({"text": ""}, "That message was empty."),
        ({"text": "   \n "}, "That message was empty."),
        ({"text": "maybe"}, "Please choose one of the buttons below."),
        (
            {"text": "x" * 10_000},
            "That message has 10,000 characters; the most I accept is 4,000. "
            "Nothing was saved: please shorten it and send it again.",
        ),
        ({"payload": "ans:999999:contributed"}, STALE),
        ({"payload": "ans:1:" + "x" * 500}, STALE),
        ({"payload": "\x00\x01"}, STALE),
        ({"payload": ""}, STALE),
        ({"payload": "lang:fr"}, STALE),
        ({"payload": "submit:1"}, STALE),
    ],
)
async def test_bad_input_is_answered_and_changes_nothing(
    at_question: Chat, store: Store, fields: dict[str, str], expected: str
) -> None:
    before = await snapshot(store)
    await at_question._send(**fields)
    assert at_question.explained(expected).text == first_question()  # the step again
    assert await snapshot(store) == before


async def test_forged_payload_for_another_participants_question(
    engine: Engine, store: Store, clock: FixedClock, at_question: Chat
) -> None:
    bob = Chat(engine, "bob")
    await onboard(bob, await new_invite(store, clock, organisation="Kennis"))
    await bob.press("Constructive dialogue 2027")
    await bob.press("Agenda item 4")
    before = await snapshot(store)
    # Bob replays Alice's button for her question.
    await bob.payload(at_question.button("We contributed").payload)
    assert bob.explained(STALE).text.startswith("Agenda item 4:")  # where Bob is
    assert await snapshot(store) == before


async def test_forged_consultation_and_item_payloads(at_question: Chat, store: Store) -> None:
    await at_question.press("Save and exit")
    before = await snapshot(store)
    await at_question.payload("item:99999")
    at_question.explained(STALE)
    await at_question.payload("item:abc")
    at_question.explained(STALE)
    assert await snapshot(store) == before
    await at_question.press("‹ Consultations")
    before = await snapshot(store)
    await at_question.payload("cons:wgic-14-2023")  # not invited to this one
    at_question.explained(STALE)
    assert await snapshot(store) == before


async def test_text_answer_length_limits(at_question: Chat, store: Store) -> None:
    await at_question.press("We contributed")
    await at_question.press("Yes")
    comment = step(ITEM_2, "Question 3 of 3", CONTRIBUTION, TYPE)  # "Up to 3,000 characters."
    assert at_question.texts == [comment]
    before = await snapshot(store)
    await at_question.say("too short")
    explanation = "Please write at least 20 characters (you wrote 9)."
    assert at_question.explained(explanation).text == comment
    assert await snapshot(store) == before
    await at_question.say("y" * 3001)
    assert at_question.texts == [
        "Your answer has 3,001 characters; the limit here is 3,000. I kept it: keep its first "
        "part, or get it back as a file to shorten it."
    ]
    assert at_question.labels == ["Keep the first 3,000 characters", "Send it back to me as a file"]
    # No answer is saved; the text is kept in the step, to keep its first part or get it back.
    assert (await snapshot(store))[1] == before[1]


@pytest.mark.parametrize(
    ("name", "content", "size", "expected"),
    [
        ("virus.exe", b"MZ\x90\x00", None, "Please send a PDF, DOCX or ODT file."),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", None, "This file is not a valid PDF document."),
        ("fake.docx", b"%PDF-1.4", None, "This file is not a valid DOCX document."),
        (
            "big.pdf",
            b"%PDF-1.4",
            5 * 1024 * 1024,
            "This file is larger than 1 MB; please send a smaller one.",
        ),
        (
            "lies.pdf",
            b"%PDF-" + b"0" * (1024 * 1024 + 1),
            10,
            "This file is larger than 1 MB; please send a smaller one.",
        ),
    ],
)
async def test_bad_documents_are_refused(
    chat: Chat,
    invite: str,
    store: Store,
    name: str,
    content: bytes,
    size: int | None,
    expected: str,
) -> None:
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 4")
    await chat.press("Capacity-building")
    await chat.press("Skip ›")
    await chat.say("Standardised request forms would help civil society follow cases.")
    before = await snapshot(store)
    await chat.upload(name, content, size=size)
    assert chat.explained(expected).text == document_question()
    assert await snapshot(store) == before


async def test_document_where_none_is_expected(at_question: Chat, store: Store) -> None:
    before = await snapshot(store)
    await at_question.upload("note.pdf", b"%PDF-1.4")
    explanation = "A document is only expected when a question asks for one."
    assert at_question.explained(explanation).text == first_question()
    assert await snapshot(store) == before


async def test_text_where_a_document_is_expected(chat: Chat, invite: str) -> None:
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 4")
    await chat.press("Capacity-building")
    await chat.press("Skip ›")
    await chat.say("Standardised request forms would help civil society follow cases.")
    await chat.say("here is my file")
    explanation = "This question asks for a document: please send it as a file."
    assert chat.explained(explanation).text == document_question()


async def test_stranger_without_invite_reaches_nothing(chat: Chat, store: Store) -> None:
    for text in ("hello", "/status", "/mydata", "/forget", "/language"):
        await chat.say(text)
        assert chat.texts == [STRANGER], text
    await chat.say("/start")
    assert chat.texts == [f"Welcome! {STRANGER}"]
    await chat.payload("cons:wgic-18-2027")
    assert chat.texts == [STRANGER]
    await chat.say("/start NOSUCHCODE")
    assert chat.texts == [f"I could not find the invite code NOSUCHCODE. {STRANGER}"]
    await chat.say("/help")
    assert chat.texts == [HELP]
    async with store.transaction() as uow:
        assert list(await uow.reports.participants()) == []


async def test_revoked_expired_and_used_up_invites(
    engine: Engine, store: Store, clock: FixedClock
) -> None:
    code = await new_invite(store, clock, max_uses=1)
    await Chat(engine, "first").say(f"/start {code}")
    second = Chat(engine, "second")
    await second.say(f"/start {code}")
    assert second.texts == [
        f"This invite code has already been used as often as it allows. {STRANGER}"
    ]

    expired = await new_invite(store, clock, organisation="COMEXI")
    revoked = await new_invite(store, clock, organisation="Meta")
    async with store.transaction() as uow:
        found = await uow.invites.by_code(expired)
        assert found is not None
        found.expires_at = clock.now() - timedelta(minutes=1)
        gone = await uow.invites.by_code(revoked)
        assert gone is not None
        gone.revoked_at = clock.now()
    await second.say(f"/start {expired}")
    assert second.texts == [f"This invite code has expired. {STRANGER}"]
    await second.say(revoked.lower())  # a bare code, typed in lower case
    assert second.texts == [f"This invite code has been withdrawn. {STRANGER}"]


async def test_a_redelivered_update_is_recorded_once(at_question: Chat, store: Store) -> None:
    event = Inbound(
        "test",
        "alice",
        "chat-alice",
        update_id="telegram-42",
        payload=at_question.button("We contributed").payload,
    )
    first = await at_question.engine.handle(event)
    assert [reply.text for reply in first] == [
        step(ITEM_2, "Question 2 of 3 · required", PLATFORM, ONE)
    ]
    assert await at_question.engine.handle(event) == []
    records = (await snapshot(store))[1]
    assert isinstance(records, tuple)
    assert len(records) == 1


async def test_concurrent_duplicates_are_stored_once(at_question: Chat, store: Store) -> None:
    event = Inbound(
        "test",
        "alice",
        "chat-alice",
        update_id="telegram-43",
        payload=at_question.button("We contributed").payload,
    )
    results = await asyncio.gather(*(at_question.engine.handle(event) for _ in range(4)))
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    async with store.transaction() as uow:
        records = await uow.reports.answers()
        assert [r.answer.revision for r in records] == [1]


async def test_stale_button_after_moving_on(at_question: Chat) -> None:
    old = at_question.button("We contributed").payload
    await at_question.press("We were not aware")
    await at_question.payload(old)
    assert at_question.explained(STALE).text == step(
        ITEM_2, "Question 2 of 3 · required", PLATFORM, ONE
    )


async def test_unknown_command_for_stranger_is_the_join_hint(chat: Chat) -> None:
    # "Send /help" would not help: /help lists what a participant can do.
    await chat.say("/teleport")
    assert chat.texts == [STRANGER]


async def test_clock_in_tests_is_injected(clock: FixedClock) -> None:
    assert clock.now() == datetime(2027, 1, 15, 10, 0, tzinfo=UTC)


async def test_commands_copied_from_arabic_text_are_read(at_question: Chat) -> None:
    await at_question.say("\u2068/help\u2069\u200f")
    assert at_question.texts == [HELP, first_question()]
