"""A button press: its reply does not wait for the button's answer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from bot.app import App
from handlers.ports import FixedClock
from tests.adapters.telegram.conftest import TelegramUser, onboard
from tests.conftest import new_invite
from tests.fakes.telegram_server import FakeTelegram

ALICE = 5230018431


async def test_the_reply_to_a_button_does_not_wait_for_the_button_to_be_answered(
    app: App, fake: FakeTelegram, clock: FixedClock, users: Callable[..., TelegramUser]
) -> None:
    alice = users(ALICE, "Amina")
    await onboard(alice, await new_invite(app.store, clock))
    answer = fake._methods["answerCallbackQuery"]
    replied = asyncio.Event()
    done: list[str] = []

    def answered(call: Any) -> None:
        if call.method in {"sendMessage", "editMessageText", "answerCallbackQuery"}:
            done.append(call.method)
        if call.method in {"sendMessage", "editMessageText"}:
            replied.set()

    fake.on_answered = answered

    async def slow_answer(call: Any) -> Any:
        # Telegram far away: the answer takes as long as the reply needs to go out (a bound
        # of 5 s, so that a bot that waits for the answer first fails rather than hangs).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(replied.wait(), 5.0)
        return await answer(call)

    fake._methods["answerCallbackQuery"] = slow_answer
    await alice.press("Constructive dialogue 2027")
    assert "Agenda item 2" in alice.text
    assert done[0] in {"sendMessage", "editMessageText"}
    assert done[-1] == "answerCallbackQuery"
    assert done.count("answerCallbackQuery") == 1
    assert fake.unanswered_callbacks() == []
