"""The interview's typed step contexts, read from what the participant row holds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from handlers.places import AgendaPlace, QuestionPlace, ReviewPlace
from storage.models import Participant
from storage.repositories import Store
from tests.conftest import Chat, onboard
from tests.handlers.replies import CONSULTATIONS, comment_question, review_2


def test_a_question_place_is_stored_as_rows_were_before() -> None:
    place = QuestionPlace("wgic-18-2027", 4, 17, type="multi_choice")
    assert place.stored() == {
        "consultation": "wgic-18-2027",
        "item": 4,
        "question": 17,
        "type": "multi_choice",
    }
    chosen = place.toggled("privacy").toggled("gender").toggled("privacy")
    assert chosen.selection == ("gender",)
    assert QuestionPlace.read(chosen.stored()) == chosen
    back = QuestionPlace("c", 1, 2, review=True)
    assert back.stored()["review"] is True
    assert QuestionPlace.read(back.stored()) == back


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"consultation": "c", "item": 1},
        {"consultation": "c", "item": 1, "question": "x"},
        {"consultation": "c", "item": 1, "question": -3},
        {"consultation": "c", "item": 1, "question": True},
        {"consultation": "", "item": 1, "question": 2},
        {"consultation": 7, "item": 1, "question": 2},
    ],
)
def test_a_context_that_holds_no_question_reads_as_none(data: dict[str, Any]) -> None:
    assert QuestionPlace.read(data) is None


def test_older_rows_are_read() -> None:
    # Digits as text and a selection holding something else than choice ids.
    old = {"consultation": "c", "item": "3", "question": "9", "selection": ["a", 5, "b"]}
    assert QuestionPlace.read(old) == QuestionPlace("c", 3, 9, selection=("a", "b"))
    assert ReviewPlace.read({"consultation": "c", "item": "3"}) == ReviewPlace("c", 3)
    assert AgendaPlace.read({"consultation": "c", "item": 3}) == AgendaPlace("c")
    assert AgendaPlace.read({"item": 3}) is None


async def at_text_question(chat: Chat, invite: str) -> None:
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 2")
    await chat.press("We contributed")
    await chat.press("Yes")
    assert chat.texts == [comment_question()]


async def set_context(store: Store, **context: Any) -> None:
    async with store.transaction() as uow:
        await uow.session.execute(update(Participant).values(context=context))


async def test_a_question_stored_without_its_type_still_takes_a_typed_answer(
    chat: Chat, invite: str, store: Store
) -> None:
    # Rows written before the place recorded the question's type.
    await at_text_question(chat, invite)
    async with store.transaction() as uow:
        [me] = await uow.reports.participants()
        context = dict(me.context)
    context.pop("type")
    await set_context(store, **context)
    await chat.say("A written round before each meeting, in all six languages.")
    assert chat.texts == [
        review_2(
            "Yes",
            "not submitted",
            comment="A written round before each meeting, in all six languages.",
        )
    ]


async def test_a_damaged_context_goes_back_to_the_consultations(
    chat: Chat, invite: str, store: Store
) -> None:
    await at_text_question(chat, invite)
    await set_context(store, consultation="wgic-18-2027", item="two", question=None)
    await chat.say("A written round before each meeting, in all six languages.")
    assert chat.texts == [CONSULTATIONS]
