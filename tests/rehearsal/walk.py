"""The rehearsal's journeys: each stakeholder invited by the service and walked through the
engine in their own language, button by button as a participant presses them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from handlers.engine import Engine
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import Chat, new_invite
from tests.rehearsal.roster import CREDITS, GENDERS, LANGUAGES, PANEL, REVIEW, Stakeholder

CONSULTATION = "wgic-14-2023"
OPEN = datetime(2023, 7, 10, 7, 0, tzinfo=UTC)
"""When the rehearsal starts answering: the 2023 consultation is open."""
ITEMS = ("2", "3", "4")
"""The agenda items, in the order of their buttons."""
SKIP = 1
"""The position of "Skip" under an optional question answered in words."""


async def press_at(chat: Chat, index: int) -> None:
    """Press the button at this position of the last replies (their labels are in the
    participant's language)."""
    buttons = [button for reply in chat.replies for button in reply.all_buttons()]
    await chat.payload(buttons[index].payload)


async def onboard(chat: Chat, who: Stakeholder, code: str) -> None:
    """From the invite to the consultation's agenda items."""
    await chat.say(f"/start {code}")
    await press_at(chat, LANGUAGES.index(who.language))
    await press_at(chat, 0)  # consent to processing
    if who.credit is None:
        await press_at(chat, 1)  # do not publish
    else:
        await press_at(chat, 0)
        await press_at(chat, CREDITS.index(who.credit))
        if who.credit == "named":
            await chat.say(who.person)
    await press_at(chat, 0)  # the profile is correct
    await press_at(chat, GENDERS.index(who.gender))
    await press_at(chat, 0)  # the one consultation open to them


async def item_2(chat: Chat, who: Stakeholder, index: int) -> None:
    await press_at(chat, who.scale - 1)
    await press_at(chat, index % 2)  # yes or no
    await press_at(chat, index % 4)  # the measure
    await chat.say(REVIEW[who.language])


async def item_3(chat: Chat, who: Stakeholder, index: int) -> None:
    _, first, second = PANEL[who.name]
    await press_at(chat, 0)  # rights at risk: privacy…
    await press_at(chat, 2)  # …and a fair trial
    await press_at(chat, 6)  # done
    await press_at(chat, index % 5)  # the priority safeguard
    if who.panel == 1:
        await chat.say(first)  # practices
    else:
        await press_at(chat, SKIP)
    await chat.say(second)  # victims
    await press_at(chat, who.scale - 1)  # trust
    await press_at(chat, index % 5)  # the condition for artificial intelligence
    await press_at(chat, 0)  # sex-disaggregated data: yes
    if who.panel == 2:
        await chat.say(first)  # partnerships
    else:
        await press_at(chat, SKIP)


async def item_4(chat: Chat, who: Stakeholder, index: int) -> None:
    await press_at(chat, index % 6)  # a capacity need
    await press_at(chat, 6)  # done
    await chat.say(who.suggestion)
    await press_at(chat, SKIP)  # activities
    await press_at(chat, SKIP)  # no document


ANSWER = {"2": item_2, "3": item_3, "4": item_4}


async def journey(
    store: Store, engine: Engine, clock: FixedClock, who: Stakeholder, index: int
) -> None:
    """Invite one stakeholder and walk them through their agenda items, submitting each."""
    code = await new_invite(
        store,
        clock,
        organisation=who.name,
        category=who.category,
        country=who.country,
        consultation=CONSULTATION,
    )
    chat = Chat(engine, f"rehearsal-{index}")
    await onboard(chat, who, code)
    for item in who.items:
        await press_at(chat, ITEMS.index(item))
        await ANSWER[item](chat, who, index)
        await press_at(chat, 0)  # submit
        receipt = chat.replies[0].text
        assert f"WGIC-14-2023-{item}-" in receipt, (who.name, item, chat.text)


async def walk(
    store: Store, engine: Engine, clock: FixedClock, people: list[Stakeholder], *, at_once: int
) -> None:
    """Everyone's journey, `at_once` participants talking to the bot at the same time (as
    they do), an hour apart for each group."""
    clock.set(OPEN)
    for start in range(0, len(people), at_once):
        clock.set(clock.now() + timedelta(hours=1))
        group = people[start : start + at_once]
        await asyncio.gather(
            *(journey(store, engine, clock, who, start + n) for n, who in enumerate(group))
        )
