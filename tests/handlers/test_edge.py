"""The engine's edge: what a platform sends is made storable before anything touches it."""

from __future__ import annotations

import pytest

from handlers.engine import Engine
from handlers.events import Inbound
from handlers.text import clean_name, contained, storable
from storage.repositories import Store
from tests.conftest import Chat, onboard
from tests.handlers.replies import WELCOME, comment_question, review_2

NOTE = (
    "Your message held invisible control characters that cannot be stored; "
    "I removed them and kept the rest."
)


async def at_text_question(chat: Chat, invite: str) -> Chat:
    """Alice at the free-text question of agenda item 2."""
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 2")
    await chat.press("We contributed")
    await chat.press("Yes")
    assert chat.texts == [comment_question()]
    return chat


async def stored_texts(store: Store) -> list[str]:
    async with store.transaction() as uow:
        return [record.answer.text for record in await uow.reports.answers()]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("A written round\x00 before each meeting", "A written round before each meeting"),
        ("Lone \ud83d surrogate half of an emoji", "Lone  surrogate half of an emoji"),
        ("\x00\x01\x1b[31mA red written round\x7f", "[31mA red written round"),
    ],
)
async def test_trust_11_nul_and_lone_surrogates_are_removed_with_a_clear_reply(
    chat: Chat, invite: str, store: Store, sent: str, kept: str
) -> None:
    await at_text_question(chat, invite)
    await chat.say(sent)
    assert chat.texts == [NOTE, review_2("Yes", "not submitted", comment=kept)]
    assert (await stored_texts(store))[-1] == kept


async def test_trust_11_a_message_of_only_control_characters_is_empty(
    chat: Chat, invite: str, store: Store
) -> None:
    await at_text_question(chat, invite)
    await chat.say("\x00\x00")
    assert chat.texts == [NOTE, "That message was empty.", comment_question()]
    assert len(await stored_texts(store)) == 2  # the two answers before


async def test_trust_11_every_field_of_an_event_is_storable(
    engine: Engine, invite: str, store: Store
) -> None:
    # Every string a platform controls, poisoned: the event is still handled and stored.
    event = Inbound(
        "test",
        "u\x00ser",
        "chat\x00",
        update_id="update\x00\ud800",
        text=f"/start {invite}\x00",
        locale="en-" + "x" * 30,
        display_name="\u202eAlice\x00 \u200bBob\ud800",
        timezone="Mars/Olympus_Mons",
    )
    replies = await engine.handle(event)
    assert [reply.text for reply in replies] == [
        NOTE,
        WELCOME,
        "Which language would you like me to use?",
    ]
    async with store.transaction() as uow:
        identity = await uow.identities.get("test", "user")
        assert identity is not None
        assert identity.chat_id == "chat"
        assert identity.locale_hint is None
        assert identity.participant_id is not None
        participant = await uow.participants.get(identity.participant_id)
        assert participant is not None
        assert participant.display_name == "Alice Bob"
        assert participant.timezone is None
        assert await uow.updates.seen("test", "update")


async def test_trust_11_impossible_ids_are_ignored(engine: Engine, store: Store) -> None:
    assert await engine.handle(Inbound("test", "x" * 101, "chat", text="/start")) == []
    assert await engine.handle(Inbound("test", "\x00", "chat", text="/start")) == []
    async with store.transaction() as uow:
        assert await uow.reports.participants() == []


def test_storable_keeps_what_a_person_can_see() -> None:
    text = "Línea 1\n\tالتعاون الدولي\u200f 😀 中文\r\n"
    assert storable(text).text == text
    assert not storable(text).changed


def test_trust_16_names_lose_direction_and_invisible_characters() -> None:
    assert clean_name("\u202eOrg evil gpj.exe") == "Org evil gpj.exe"
    assert clean_name("  Kennis\u200b \u2066Foundation\u2069\n ") == "Kennis Foundation"
    assert clean_name("منظمة \u200fالشفافية") == "منظمة الشفافية"


@pytest.mark.parametrize(
    ("text", "balanced"),
    [
        ("plain", "plain"),
        ("\u202eevil", "\u202eevil\u202c"),
        ("a\u2069b\u202cc", "abc"),
        ("\u2067x\u202ay", "\u2067x\u202ay\u202c\u2069"),
        ("\u202eone\nt\u2068wo", "\u202eone\u202c\nt\u2068wo\u2069"),
        ("\u2068a\u202eb\u2069c\u202c", "\u2068a\u202eb\u202c\u2069c"),
    ],
)
def test_trust_16_direction_controls_are_balanced_on_every_line(text: str, balanced: str) -> None:
    assert contained(text) == balanced
