"""Text no database stores, sent through Telegram: answered once, never a redelivery loop."""

from __future__ import annotations

from collections.abc import Callable

from bot.app import App
from tests.adapters.telegram.conftest import TelegramUser, onboard
from tests.conftest import new_invite


async def test_trust_11_nul_in_a_telegram_message_is_answered_and_stored(
    users: Callable[..., TelegramUser], app: App
) -> None:
    # Before the fix, PostgreSQL refused the NUL: 500, no reply, the same failure at every
    # redelivery of the webhook update (and the polling offset stuck behind it).
    code = await new_invite(app.store, app.clock)
    amina = users(4201, "Amina\x00")
    await onboard(amina, code)
    await amina.press("Constructive dialogue 2027")
    await amina.press("Agenda item 2")
    await amina.press("We contributed")
    await amina.press("Yes")
    await amina.say("A written round\x00 before each meeting, in all six languages.")
    assert amina.text.startswith("Your message held invisible control characters")
    assert "Review — Agenda item 2" in amina.text
    async with app.store.transaction() as uow:
        texts = [record.answer.text for record in await uow.reports.answers()]
    assert texts[-1] == "A written round before each meeting, in all six languages."
