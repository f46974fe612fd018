"""Guessing codes: wrong invite and link codes count per account, in the database, and five
of them in ten minutes make the account wait fifteen minutes before it may try again."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.engine import Engine
from handlers.ports import FixedClock
from storage.models import Invite
from storage.repositories import Store
from tests.conftest import NOW, Chat, new_invite, onboard
from tests.handlers.replies import CONSULTATIONS, LINKED

GUESSES = ["GUESS2AB", "GUESS3CD", "GUESS4EF", "GUESS5GH", "GUESS6JK"]
WELCOME = "Welcome! You were invited"


def cooling_fr(minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "Trop de codes erronés ont été envoyés depuis ce compte. "
        f"Veuillez réessayer dans {minutes} {unit}."
    )


async def test_trust_03_five_wrong_codes_make_the_account_wait(
    engine: Engine,
    second_engine: Engine,
    store: Store,
    clock: FixedClock,
    invite: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    here, there = Chat(engine, "guesser"), Chat(second_engine, "guesser", session="2")
    for n, guess in enumerate(GUESSES):
        # Two processes share the count: it is in the database, not in memory.
        clock.set(NOW + timedelta(minutes=n))
        await (here if n % 2 else there).say(f"/start {guess}", locale="fr")
    assert there.text.endswith(cooling_fr(15))  # told with the fifth wrong code

    clock.set(NOW + timedelta(minutes=5))
    await here.say(f"/start {invite}", locale="fr")  # the right code, while cooling down
    assert [r.text for r in here.replies] == [cooling_fr(14)]
    clock.set(NOW + timedelta(minutes=18))
    await there.say(invite, locale="fr")  # the same code, typed without /start
    assert [r.text for r in there.replies] == [cooling_fr(1)]
    async with store.transaction() as uow:
        used = await uow.session.scalar(select(Invite.uses).where(Invite.code == invite))
        assert used == 0  # not even looked up

    clock.set(NOW + timedelta(minutes=19))  # fifteen minutes after the fifth wrong code
    await here.say(f"/start {invite}", locale="fr")
    assert here.replies[0].text.startswith("Bienvenue\xa0! Vous avez reçu une invitation")

    logged = [record.getMessage() for record in caplog.records]
    assert not [line for line in logged if any(c in line for c in [*GUESSES, invite])]
    assert len([line for line in logged if "wrong invite code" in line]) == 5
    assert len([line for line in logged if "cooling down" in line]) == 2


async def test_trust_03_a_right_code_after_fewer_failures_works_and_resets_the_count(
    engine: Engine, store: Store, clock: FixedClock
) -> None:
    chat = Chat(engine, "typo")
    for guess in GUESSES[:4]:
        await chat.say(f"/start {guess}")
    await chat.say(f"/start {await new_invite(store, clock)}")
    assert chat.text.startswith(WELCOME)
    # The count started again: four more wrong link codes are allowed (registered accounts
    # cannot use link codes, so a second account tries them).
    other = Chat(engine, "typo-2")
    for guess in GUESSES[:4]:
        await other.say(f"/start {guess}")
    clock.set(NOW + timedelta(minutes=11))  # the window is over: the count starts again
    for guess in GUESSES[:4]:
        await other.say(f"/link {guess}")
        assert "Too many" not in other.text
    await other.say(f"/start {GUESSES[4]}")
    assert other.text.endswith(
        "Too many wrong codes were sent from this account. Please try again in 15 minutes."
    )


async def test_trust_03_link_codes_count_with_invite_codes(
    engine: Engine, store: Store, clock: FixedClock, invite: str
) -> None:
    slack = Chat(engine, "U0GUESS", platform="slack")
    for guess in GUESSES[:3]:
        await slack.say(f"/start {guess}")
    for guess in GUESSES[3:]:
        await slack.say(f"/link {guess}")
    assert slack.text.endswith("Please try again in 15 minutes.")

    clock.set(NOW + timedelta(minutes=1))
    registered = Chat(engine, "100", platform="telegram")
    await onboard(registered, invite)
    await registered.say("/link")
    code = registered.text.split("/link ", 1)[1].split()[0]
    await slack.say(f"/link {code}")  # the right link code, while cooling down
    assert [r.text for r in slack.replies] == [
        "Too many wrong codes were sent from this account. Please try again in 14 minutes."
    ]
    clock.set(NOW + timedelta(minutes=15))
    await slack.say(f"/link {code}")
    assert slack.texts == [LINKED, CONSULTATIONS]
