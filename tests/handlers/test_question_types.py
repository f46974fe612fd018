"""The question types behind their registry: stored values read and write exactly as the
JSON databases already hold, and every input a type does not take is refused."""

from __future__ import annotations

from typing import Any

import pytest

from handlers import questions
from handlers.conversation import EngineOptions
from handlers.i18n import translator
from storage.repositories import Store
from tests.conftest import Chat, onboard
from tests.handlers.replies import balance_question
from tests.handlers.test_bad_input import STALE, snapshot

STORED: list[dict[str, Any]] = [
    {"text": "Nous avons contribué."},
    {"choice": "contributed"},
    {"choices": ["delays", "language"]},
    {"yes": True},
    {"yes": False},
    {"scale": 4},
    {"document": 7, "filename": "Written submission.pdf", "sha256": "ab" * 32},
]


@pytest.mark.parametrize("stored", STORED, ids=lambda value: next(iter(value)))
def test_a_stored_value_reads_and_writes_back_the_same_json(stored: dict[str, Any]) -> None:
    value = questions.decode(stored)
    assert value is not None
    assert value.to_json() == stored


@pytest.mark.parametrize("stored", [{}, {"colour": "blue"}, {"choices": "a"}, {"scale": "4"}])
def test_a_value_no_type_stores_reads_as_nothing(stored: dict[str, Any]) -> None:
    assert questions.decode(stored) is None


@pytest.mark.parametrize("forged", ["--3", "²", "3.0", " 3", "99999", ""])
async def test_a_forged_scale_button_is_stale_and_changes_nothing(
    chat: Chat, invite: str, store: Store, forged: str
) -> None:
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 3")
    await chat.press("Lengthy mutual legal assistance procedures")
    await chat.press("Done")
    assert chat.texts == [balance_question()]
    real = chat.button("4").payload
    before = await snapshot(store)
    await chat.payload(real.rsplit(":", 1)[0] + ":" + forged)
    assert chat.explained(STALE).text == balance_question()
    assert await snapshot(store) == before


async def test_a_scale_s_anchors_are_said_with_its_numbers(
    chat: Chat, invite: str, store: Store
) -> None:
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 3")
    await chat.press("Lengthy mutual legal assistance procedures")
    await chat.press("Done")
    assert chat.texts == [balance_question()]  # "Choose a number from 1 (Not at all) to 5 (Fully)."
    assert chat.labels[:5] == ["1", "2", "3", "4", "5"]
    async with store.transaction() as uow:
        balance = next(
            q
            for q in await uow.consultations.questions_of("wgic-18-2027")
            if q.key == "ai3-balance"
        )
    spec = questions.definition(balance)
    field = questions.kind(spec.type).form_field(spec, None, translator("fr"), EngineOptions())
    assert [choice.label for choice in field.choices] == [
        "1 — Pas du tout",
        "2",
        "3",
        "4",
        "5 — Pleinement",
    ]
