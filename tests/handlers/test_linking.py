"""One participant, two platforms: linking a Slack account to a Telegram registration."""

from __future__ import annotations

from datetime import timedelta

from handlers.engine import Engine
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import Chat, onboard
from tests.handlers.replies import (
    CONSULTATION,
    CONSULTATIONS,
    DEADLINE,
    ITEM_2,
    ITEM_3,
    ITEM_4,
    LINK_INVALID,
    LINK_OFFER,
    LINKED,
    ONE,
    PLATFORM,
    step,
)


def code_in(text: str) -> str:
    return text.split("/link ", 1)[1].split()[0]


async def test_link_shares_profile_and_answers(engine: Engine, invite: str, store: Store) -> None:
    telegram = Chat(engine, "100", platform="telegram")
    await onboard(telegram, invite)
    await telegram.press("Constructive dialogue 2027")
    await telegram.press("Agenda item 2")
    await telegram.press("We contributed")
    await telegram.say("/link")
    code = code_in(telegram.text)
    second_question = step(ITEM_2, "Question 2 of 3 · required", PLATFORM, ONE)
    assert telegram.texts == [LINK_OFFER.format(code=code), second_question]

    slack = Chat(engine, "U0ABC", platform="slack")
    await slack.say(f"/link {code.lower()}")
    assert slack.texts == [LINKED, second_question]  # exactly where Telegram left off
    await slack.press("Yes")
    await telegram.say("/status")
    assert telegram.texts[0] == (
        f"{CONSULTATION}\nDeadline: {DEADLINE}\n"
        f"• {ITEM_2}: 2/3 · not submitted\n"
        f"• {ITEM_3}: 0/4 · not submitted\n"
        f"• {ITEM_4}: 0/4 · not submitted"
    )

    async with store.transaction() as uow:
        first = await uow.identities.get("telegram", "100")
        second = await uow.identities.get("slack", "U0ABC")
        assert first is not None
        assert second is not None
        assert first.participant_id == second.participant_id
        assert [e.action for e in await uow.audit.since()][-1] == "identity.linked"

    reuse = Chat(engine, "U0XYZ", platform="slack")
    await reuse.say(f"/link {code}")
    assert reuse.unique_reply().text == LINK_INVALID


async def test_expired_or_foreign_codes_link_nothing(
    engine: Engine, invite: str, store: Store, clock: FixedClock
) -> None:
    telegram = Chat(engine, "100", platform="telegram")
    await onboard(telegram, invite)
    await telegram.say("/link")
    code = code_in(telegram.text)
    assert telegram.texts == [LINK_OFFER.format(code=code), CONSULTATIONS]
    clock.set(clock.now() + timedelta(minutes=16))
    slack = Chat(engine, "U0ABC", platform="slack")
    await slack.say(f"/link {code}")
    assert slack.unique_reply().text == LINK_INVALID
    await slack.say("/link NOTACODE")
    assert slack.unique_reply().text == LINK_INVALID
    await telegram.say("/link SOMECODE")
    assert telegram.texts == [
        "This account is already registered, so there is nothing to link here.",
        CONSULTATIONS,
    ]
    async with store.transaction() as uow:
        identity = await uow.identities.get("slack", "U0ABC")
        assert identity is not None
        assert identity.participant_id is None
