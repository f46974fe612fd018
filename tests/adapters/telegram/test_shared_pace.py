"""One pace for every message of a bot, whichever process sends it: three processes' sweeps
fan reminders out while the elected sender sends replies to the same chats, against the
fake Bot API enforcing (lowered) limits.

Each "process" is an `App` of its own — its own engine, connections, limiter and channel —
on one database, so what they share goes through PostgreSQL for real. Real time: the
windows are the database's clock and the fake's, which nothing injects; the limits are
lowered (4 messages in 0.5 s overall, 1 a second per chat) so a run takes a few seconds.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select, update

from bot import reminders
from bot.adapters.telegram.channel import TelegramChannel, from_settings
from bot.adapters.telegram.limiter import Limiter, Limits, Window
from bot.app import App, build
from config.settings import Settings
from handlers.events import Destination, Reply, outbox_body
from handlers.ports import FixedClock
from storage.models import DeliveryStatus, Identity, Participant
from storage.relay_models import OutboxItem
from tests.conftest import Chat, database_kind, new_invite, onboard
from tests.fakes.telegram_server import FakeTelegram
from tests.scheduler.conftest import SLOT_14D

OVERALL = Window(4, 0.5)
PER_CHAT = Window(1, 1.0)
PEOPLE = 9
FIRST_CHAT = 5_100_000
BOUND = 60.0


async def participants(app: App, clock: FixedClock, count: int) -> list[int]:
    """`count` people onboarded on Telegram (chat id = user id), nothing answered."""
    chats = [FIRST_CHAT + n for n in range(count)]
    for chat_id in chats:
        code = await new_invite(app.store, clock, organisation=f"Organisation {chat_id}")
        await onboard(Chat(app.engine, str(chat_id), "telegram"), code)
    async with app.store.transaction() as uow:
        await uow.session.execute(
            update(Identity)
            .where(Identity.platform == "telegram")
            .values(chat_id=Identity.platform_user_id)
        )
    return chats


async def process(
    settings: Settings, clock: FixedClock, *, shared: bool
) -> tuple[App, TelegramChannel]:
    """One process and its channel: it relays (workers, and a candidate for the sender's
    lease)."""
    app = await build(settings, clock=clock)
    limiter = Limiter(Limits(overall=OVERALL, private=PER_CHAT))
    channel = from_settings(settings, app.engine, limiter=limiter)
    await channel.start()
    if not shared:
        channel.limiter.share(None, "")
    return app, channel


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The most arrivals within any `seconds` (half-open, as the fake counts)."""
    times = sorted(times)
    return max(
        (sum(1 for t in times if start <= t < start + seconds) for start in times), default=0
    )


async def fan_out(
    app: App,
    fake: FakeTelegram,
    clock: FixedClock,
    chats: list[int],
    *,
    processes: int,
    shared: bool,
) -> list[reminders.SweepReport]:
    """Each chat gets a reminder (from any process's sweep) and, but the last, a reply at
    the same time (through the outbox: a reply to a blocked chat would mark it unreachable
    before or after the sweep reads who is reachable, as it happens)."""
    running = [await process(app.settings, clock, shared=shared) for _ in range(processes)]
    channels = [channel for _, channel in running]
    try:
        fake.enforce_limits(
            time.monotonic,
            overall=(OVERALL.count, OVERALL.seconds),
            private=(PER_CHAT.count, PER_CHAT.seconds),
        )
        now = clock.now()
        for chat_id in chats[:-1]:
            body = outbox_body([Reply(f"Reply to {chat_id}")], Destination(str(chat_id), {}))
            await app.store.relay.enqueue("telegram", str(chat_id), body, now)
        clock.set(SLOT_14D)
        async with asyncio.timeout(BOUND):
            reports = await asyncio.gather(
                *(
                    reminders.sweep(c.engine.store, {"telegram": c}, c.engine.clock)  # type: ignore[dict-item]
                    for c in channels
                )
            )
            for channel in channels:
                await channel.settle()
        return list(reports)
    finally:
        for other, channel in running:
            await channel.close()
            await other.close()


@pytest.mark.skipif(database_kind() != "postgresql", reason="processes share PostgreSQL only")
async def test_three_processes_keep_one_pace_and_send_each_reminder_once(
    app: App, fake: FakeTelegram, clock: FixedClock
) -> None:
    chats = await participants(app, clock, PEOPLE)
    blocked = chats[-1]
    fake.blocked.add(blocked)
    reports = await fan_out(app, fake, clock, chats, processes=3, shared=True)

    assert fake.floods == 0
    assert fake.limits is not None
    arrivals = [at for at, _ in fake.limits.accepted]
    assert len(arrivals) == 2 * (PEOPLE - 1)  # A reply and a reminder each but the blocked.
    assert most_in_any_window(arrivals, OVERALL.seconds) <= OVERALL.count
    for chat_id in chats[:-1]:
        to_chat = [at for at, chat in fake.limits.accepted if chat == chat_id]
        assert len(to_chat) == 2
        assert abs(to_chat[1] - to_chat[0]) >= PER_CHAT.seconds - 0.01
    # Sent by whichever process claimed it, each once; the blocked person marked.
    assert sum(r.sent for r in reports) == PEOPLE - 1
    assert sum(r.unreachable for r in reports) == 1
    assert sum(r.taken_elsewhere for r in reports) == 2 * PEOPLE
    await check_ledger(app, blocked)


async def test_one_process_keeps_the_pace_on_its_own(
    app: App, fake: FakeTelegram, clock: FixedClock
) -> None:
    """SQLite (and PostgreSQL with one process): the same code, the process's own windows."""
    chats = await participants(app, clock, 6)
    blocked = chats[-1]
    fake.blocked.add(blocked)
    [report] = await fan_out(app, fake, clock, chats, processes=1, shared=True)
    assert fake.floods == 0
    assert fake.limits is not None
    arrivals = [at for at, _ in fake.limits.accepted]
    assert len(arrivals) == 2 * 5
    assert most_in_any_window(arrivals, OVERALL.seconds) <= OVERALL.count
    assert (report.sent, report.unreachable) == (5, 1)
    await check_ledger(app, blocked)


@pytest.mark.skipif(database_kind() != "postgresql", reason="processes share PostgreSQL only")
async def test_without_the_shared_pace_three_processes_go_too_fast(
    app: App, fake: FakeTelegram, clock: FixedClock
) -> None:
    """The check above can fail: each process pacing alone, together they exceed the limit."""
    chats = await participants(app, clock, PEOPLE)
    await fan_out(app, fake, clock, chats, processes=3, shared=False)
    assert fake.floods > 0


async def check_ledger(app: App, blocked: int) -> None:
    """One ledger row per person: sent, or failed as unreachable for the blocked one, who is
    marked unreachable; every reply marked sent."""
    async with app.store.transaction() as uow:
        rows = list(await uow.deliveries.everything())
        by_chat: dict[str, tuple[DeliveryStatus, str | None]] = {}
        for row in rows:
            identity = await uow.session.scalar(
                select(Identity).where(Identity.participant_id == row.participant_id)
            )
            assert identity is not None
            assert identity.chat_id is not None
            by_chat[identity.chat_id] = (row.status, row.detail.get("reason"))
        participant = await uow.session.scalar(
            select(Participant).join(Identity).where(Identity.chat_id == str(blocked))
        )
        outcomes = {
            row.chat_id: row.outcome for row in await uow.session.scalars(select(OutboxItem))
        }
    assert len(rows) == len(by_chat)
    assert by_chat.pop(str(blocked)) == (DeliveryStatus.FAILED, "unreachable")
    assert set(by_chat.values()) == {(DeliveryStatus.SENT, None)}
    assert participant is not None
    assert participant.unreachable
    assert str(blocked) not in outcomes
    assert set(outcomes.values()) == {"sent"}


async def test_the_overall_pace_comes_from_the_settings(app: App, settings: Settings) -> None:
    assert from_settings(settings, app.engine).limiter.limits.overall == Window(30, 1.0)
    paced = settings.model_copy(update={"telegram_messages_per_second": 12})
    assert from_settings(paced, app.engine).limiter.limits.overall == Window(12, 1.0)
