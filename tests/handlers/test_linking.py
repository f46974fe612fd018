"""One participant, two platforms: linking a Slack account to a Telegram registration."""

from __future__ import annotations

from datetime import timedelta

from handlers.engine import Engine
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import Chat, onboard


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
    assert "within 15 minutes" in telegram.text

    slack = Chat(engine, "U0ABC", platform="slack")
    await slack.say(f"/link {code.lower()}")
    assert "Linked. This account now shares the profile and answers of" in slack.text
    assert "Question 2 of 3" in slack.text  # exactly where Telegram left off
    await slack.press("Yes")
    await telegram.say("/status")
    assert ": 2/3 · not submitted" in telegram.text

    async with store.transaction() as uow:
        first = await uow.identities.get("telegram", "100")
        second = await uow.identities.get("slack", "U0ABC")
        assert first is not None
        assert second is not None
        assert first.participant_id == second.participant_id
        assert [e.action for e in await uow.audit.since()][-1] == "identity.linked"

    reuse = Chat(engine, "U0XYZ", platform="slack")
    await reuse.say(f"/link {code}")
    assert reuse.unique_reply().text.startswith("This link code is not valid any more.")


async def test_expired_or_foreign_codes_link_nothing(
    engine: Engine, invite: str, store: Store, clock: FixedClock
) -> None:
    telegram = Chat(engine, "100", platform="telegram")
    await onboard(telegram, invite)
    await telegram.say("/link")
    code = code_in(telegram.text)
    clock.set(clock.now() + timedelta(minutes=16))
    slack = Chat(engine, "U0ABC", platform="slack")
    await slack.say(f"/link {code}")
    assert slack.unique_reply().text.startswith("This link code is not valid any more.")
    await slack.say("/link NOTACODE")
    assert slack.unique_reply().text.startswith("This link code is not valid any more.")
    await telegram.say("/link SOMECODE")
    assert "already registered, so there is nothing to link" in telegram.text
    async with store.transaction() as uow:
        identity = await uow.identities.get("slack", "U0ABC")
        assert identity is not None
        assert identity.participant_id is None
