"""One participant on Telegram and Slack: linked by a one-time code, one set of answers."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.app import App
from handlers.ports import FixedClock
from tests.adapters.slack.conftest import SlackUser
from tests.adapters.slack.test_journey import answers_of
from tests.conftest import Chat, new_invite, onboard
from tests.fakes.slack_server import FakeSlack
from tests.handlers.replies import (
    CONSULTATION,
    DEADLINE,
    ITEM_2,
    ITEM_3,
    ITEM_4,
    LINKED,
    ONE,
    PLATFORM,
    review_2,
    step,
)


async def test_a_telegram_participant_links_slack_and_sees_the_same_answers(
    app: App, fake: FakeSlack, clock: FixedClock, users: Callable[..., SlackUser]
) -> None:
    # Registered on Telegram (the engine with platform "telegram"), one answer given there.
    telegram = Chat(app.engine, "5230018431", platform="telegram")
    await onboard(telegram, await new_invite(app.store, clock))
    await telegram.press("Constructive dialogue 2027")
    await telegram.press("Agenda item 2")
    await telegram.press("We were not aware of it")
    await telegram.say("/link")
    code = re.search(r"/link (\w+)", telegram.text)
    assert code is not None

    # On Slack, the code typed as words in the DM links the account.
    amina = users("U0AMINA001", "Amina")
    await amina.say(f"link {code.group(1)}")
    assert amina.texts == [LINKED, step(ITEM_2, "Question 2 of 3 · required", PLATFORM, ONE)]

    # Slack shows Telegram's answer, and answers the rest of the item.
    await amina.open_home()
    assert "1 of 3 questions answered · not submitted" in str(fake.homes["U0AMINA001"])
    await amina.say("status")
    assert (
        "Agenda item 2: Briefing on the developments and outcomes of the review process: 1/3"
        in (amina.text)
    )
    await amina.press("Yes")
    await amina.say("Through the national review focal point.")
    comment = "Through the national review focal point."
    unaware = "We were not aware of it"
    assert amina.texts == [review_2("Yes", "not submitted", comment=comment, familiarity=unaware)]
    await amina.press("Submit")

    # Back on Telegram: the same participant, the same answers, submitted.
    await telegram.say("/status")
    assert telegram.texts[0] == (
        f"{CONSULTATION}\nDeadline: {DEADLINE}\n"
        f"• {ITEM_2}: 3/3 · submitted\n"
        f"• {ITEM_3}: 0/4 · not submitted\n"
        f"• {ITEM_4}: 0/4 · not submitted"
    )
    assert await answers_of(app, "U0AMINA001") == await answers_of(
        app, "5230018431", platform="telegram"
    )
    async with app.store.transaction() as uow:
        slack = await uow.identities.get("slack", "U0AMINA001")
        other = await uow.identities.get("telegram", "5230018431")
        assert slack is not None
        assert other is not None
        assert slack.participant_id == other.participant_id
