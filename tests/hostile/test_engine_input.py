"""Hostile inbound events: always a reply, no exception, nobody else's data touched or shown."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import load_into
from config.consultation import load_consultations
from config.settings import BUNDLED_CONSULTATIONS
from handlers.conversation import EngineOptions
from handlers.engine import Engine
from handlers.ports import FileStore, FixedClock
from storage.db import create_engine, session_factory
from storage.repositories import Store
from tests.conftest import NOW, Chat, new_invite, onboard

SECRET = "Bob's confidential view on mutual legal assistance"
HOSTILE = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class World:
    """Alice (the attacker) and Bob (whose data must stay his) on one engine."""

    loop: asyncio.AbstractEventLoop
    store: Store
    alice: Chat
    bob_questions: list[int]
    closed_items: list[int]

    def run(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    def bob(self) -> tuple[object, ...]:
        async def snapshot() -> tuple[object, ...]:
            async with self.store.transaction() as uow:
                identity = await uow.identities.get("test", "bob")
                assert identity is not None
                assert identity.participant_id is not None
                me = await uow.participants.get(identity.participant_id)
                assert me is not None
                answers = await uow.answers.for_participant(me.id)
                return (
                    me.state,
                    dict(me.context),
                    tuple((a.question_id, a.text, a.revision) for a in answers),
                )

        result: tuple[object, ...] = self.run(snapshot())
        return result


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    loop = asyncio.new_event_loop()
    database = create_engine(database_url)
    store = Store(session_factory(database))
    clock = FixedClock(NOW)
    engine = Engine(
        store,
        clock=clock,
        files=FileStore(tmp_path / "files"),
        options=EngineOptions(max_text_chars=4000, max_document_bytes=1024 * 1024),
    )

    async def setup() -> World:
        await load_into(store, load_consultations(BUNDLED_CONSULTATIONS), clock)
        alice, bob = Chat(engine, "alice"), Chat(engine, "bob")
        await onboard(alice, await new_invite(store, clock, organisation="Alice NGO"))
        await onboard(bob, await new_invite(store, clock, organisation="Bob NGO"))
        await bob.press("Constructive dialogue 2027")
        async with store.transaction() as uow:
            items = list(await uow.consultations.items("wgic-18-2027"))
            closed = list(await uow.consultations.items("wgic-14-2023"))
            questions = [q.id for q in await uow.consultations.questions_of("wgic-18-2027")]
        item = items[-1]
        await bob.payload(f"item:{item.id}")
        await bob.press(bob.labels[0])  # The first choice of a choice question.
        await bob.say(SECRET)
        await alice.press("Constructive dialogue 2027")
        return World(loop, store, alice, questions, [i.id for i in closed])

    built = loop.run_until_complete(setup())
    yield built
    loop.run_until_complete(database.dispose())
    loop.close()


UNICODE = st.text(st.characters(codec=None, exclude_categories=["Cs"]), max_size=300)
SPECIAL = st.sampled_from(
    [
        "\u202eevil\u202c",  # right-to-left override
        "مرحبا بالعالم " * 3,
        "e\u0301\u0301\u0301" * 50,  # combining marks
        "👩‍👩‍👧‍👦🏳️‍🌈" * 20,
        "\x00\x01\x02\x1b[31m",
        "<b>bold</b> *star* _under_ `code` <script>alert(1)</script> &amp;",
        "/start",
        "/start AAAAAAAA",
        "/" + "x" * 5000,
        "ABCDEFGH",
        "x" * 1_000_000,  # a 1 MB text
    ]
)


def _payloads(world: World) -> st.SearchStrategy[str]:
    question = st.sampled_from(world.bob_questions)
    return st.one_of(
        st.builds(lambda q, v: f"ans:{q}:{v}", question, st.text(max_size=20)),
        st.builds(lambda q: f"back:{q}", question),
        st.builds(lambda q: f"done:{q}", question),
        st.builds(lambda q, v: f"tog:{q}:{v}", question, st.text(max_size=10)),
        st.builds(lambda i: f"item:{i}", st.sampled_from(world.closed_items)),
        st.builds(lambda i: f"resume:{i}", st.sampled_from(world.closed_items)),
        st.sampled_from(["cons:wgic-14-2023", "cons:nope", "submit:1", ":", "", "a" * 70]),
        st.text(max_size=64),
    )


def _event(world: World) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(lambda t: {"text": t}, st.one_of(UNICODE, SPECIAL)),
        st.builds(lambda p: {"payload": p}, _payloads(world)),
        st.builds(
            lambda name, body, size: {"document": (name, body, size)},
            st.sampled_from(["report.pdf", "report.docx", "evil.exe", "a.pdf.exe", "x.odt", ""]),
            st.sampled_from([b"MZ\x90\x00", b"%PDF-1.7 ok", b"PK\x03\x04zip", b""]),
            st.sampled_from([None, 50 * 1024 * 1024]),
        ),
    )


async def _send(chat: Chat, event: dict[str, Any]) -> list[Any]:
    if "document" in event:
        name, body, size = event["document"]
        return await chat.upload(name, body, size=size)
    if "text" in event:
        return await chat.say(event["text"])
    return await chat.payload(event["payload"])


def test_hostile_events_get_a_reply_and_leave_others_alone(world: World) -> None:
    before = world.bob()

    @HOSTILE
    @given(data=st.data())
    def attack(data: st.DataObject) -> None:
        event = data.draw(_event(world))
        replies = world.run(_send(world.alice, event))
        assert len(replies) >= 1
        assert all(SECRET not in reply.text for reply in replies)
        assert world.bob() == before

    attack()
