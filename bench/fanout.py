"""Reminder fan-out through the real Telegram channel to a fake Bot API enforcing 30 msg/s.

Real time: the limit is a physical ceiling, so 1,000 messages take about 35 s whatever the
machine. The fake answers 429 to any message over Telegram's limits (30 a second overall,
one a second per private chat); the channel's limiter must provoke none.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bot.adapters.telegram.channel import from_settings
from bot.adapters.telegram.limiter import Limiter, Limits, Window
from bot.app import build
from config.settings import load_settings
from handlers.events import Button, Reply
from tests.fakes import serve_loopback
from tests.fakes.telegram_server import TOKEN, FakeTelegram

FIRST_CHAT = 7_000_000_000
REMINDER = Reply(
    "Reminder: Constructive dialogue 2027 closes on 31 May 2027. "
    "Still open for you: agenda items 2 and 3.",
    buttons=((Button("Agenda item 2", "item:2"), Button("Agenda item 3", "item:3")),),
)


async def measure(
    workdir: Path, participants: int, *, concurrent: bool, overall: Window | None = None
) -> dict[str, Any]:
    """Deliver one reminder to each of `participants` private chats; the achieved rate.

    Args:
        workdir: Where the SQLite database and files go.
        participants: How many chats get a reminder.
        concurrent: All deliveries at once (the limiter spaces them), or one after another
            as `bot.reminders.sweep` does (each waits for the previous to be sent).
        overall: The limiter's overall window instead of the product's (an experiment).
    """
    fake = FakeTelegram(max_poll_wait=1.0)
    async with serve_loopback(fake.app) as url:
        fake.url = url
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{workdir}/fanout.db",
            files_dir=workdir / "files",
            telegram_bot_token=TOKEN,
            telegram_base_url=f"{url}/bot",
        )
        app = await build(settings)
        limiter = Limiter(Limits(overall=overall)) if overall is not None else None
        channel = from_settings(settings, app.engine, limiter=limiter)
        await channel.start()
        fake.enforce_limits(time.monotonic)
        chats = [str(FIRST_CHAT + n) for n in range(participants)]
        try:
            started = time.perf_counter()
            if concurrent:
                await asyncio.gather(*(channel.deliver(chat, [REMINDER]) for chat in chats))
            else:
                for chat in chats:
                    await channel.deliver(chat, [REMINDER])
            elapsed = time.perf_counter() - started
        finally:
            await channel.close()
            await app.close()
            fake.close()
    delivered = sum(1 for chat in chats if fake.messages.get(int(chat)))
    rate = delivered / elapsed
    return {
        "participants": participants,
        "mode": "concurrent" if concurrent else "sequential",
        "limiter": f"{window.count}/{window.seconds:g}s" if (window := overall) else "product",
        "delivered": delivered,
        "seconds": round(elapsed, 2),
        "msg/s": round(rate, 1),
        "% of 30/s": round(100 * rate / 30, 1),
        "429s": fake.floods,
    }
