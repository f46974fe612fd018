"""One pace for every message of a Slack app in its workspace, whichever process sends it:
three processes' sweeps send reminders while the elected sender sends replies to the same
DMs, against the fake Web API enforcing (lowered) limits per channel.

Each "process" is an `App` of its own — its own engine, connections, limiter and channel —
on one database, so what they share goes through PostgreSQL for real. Real time: the
windows are the database's clock and the fake's, which nothing injects; the limit is
lowered to one message in 2 s per channel (Slack allows about one a second) so that two
messages to one DM sent at once are always too close.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select, update

from bot import reminders
from bot.adapters.slack.channel import SlackChannel, from_settings
from bot.adapters.slack.limiter import Limiter, Limits
from bot.app import App, build
from config.settings import Settings
from handlers.events import Destination, Reply, outbox_body
from handlers.ports import FixedClock
from storage.models import DeliveryStatus, Identity
from storage.relay_models import OutboxItem
from tests.conftest import Chat, database_kind, new_invite, onboard
from tests.fakes.slack_server import TEAM, FakeSlack
from tests.scheduler.conftest import SLOT_14D

PER_CHANNEL = (1, 2.0)
PEOPLE = 8
BOUND = 60.0


async def participants(app: App, clock: FixedClock, count: int) -> list[str]:
    """`count` people onboarded on Slack, nothing answered; each one's DM is their user id."""
    users = [f"U{5_100_000 + n:09d}" for n in range(count)]
    for user in users:
        code = await new_invite(app.store, clock, organisation=f"Organisation {user}")
        await onboard(Chat(app.engine, user, "slack"), code)
    async with app.store.transaction() as uow:
        await uow.session.execute(
            update(Identity)
            .where(Identity.platform == "slack")
            .values(chat_id=Identity.platform_user_id)
        )
    return users


async def process(
    settings: Settings, clock: FixedClock, *, shared: bool
) -> tuple[App, SlackChannel]:
    """One process and its channel: it relays (workers, and a candidate for the sender's
    lease)."""
    app = await build(settings, clock=clock)
    limiter = Limiter(Limits(per_channel=PER_CHANNEL[0], window=PER_CHANNEL[1]))
    channel = from_settings(settings, app.engine, limiter=limiter)
    await channel.start()
    if not shared:
        channel.limiter.share(None, "")
    return app, channel


async def fan_out(
    app: App, fake: FakeSlack, clock: FixedClock, users: list[str], *, processes: int, shared: bool
) -> list[reminders.SweepReport]:
    """Each DM gets a reminder (from any process's sweep) and a reply (through the outbox,
    from the elected sender) at the same time."""
    running = [await process(app.settings, clock, shared=shared) for _ in range(processes)]
    channels = [channel for _, channel in running]
    try:
        fake.enforce_limits(time.monotonic, per_channel=PER_CHANNEL)
        now = clock.now()
        for user in users:
            body = outbox_body([Reply(f"Reply to {user}")], Destination(user, {}))
            await app.store.relay.enqueue("slack", user, body, now)
        clock.set(SLOT_14D)
        async with asyncio.timeout(BOUND):
            reports = await asyncio.gather(
                *(
                    reminders.sweep(c.engine.store, {"slack": c}, c.engine.clock)  # type: ignore[dict-item]
                    for c in channels
                )
            )
            for channel in channels:
                await channel.idle()
        return list(reports)
    finally:
        for other, channel in running:
            await channel.close()
            await other.close()


def posted(fake: FakeSlack) -> dict[str, list[float]]:
    """When each message the fake accepted arrived, by channel."""
    assert fake.limits is not None
    found: dict[str, list[float]] = {}
    for at, channel in fake.limits.accepted:
        found.setdefault(channel, []).append(at)
    return found


@pytest.mark.skipif(database_kind() != "postgresql", reason="processes share PostgreSQL only")
async def test_three_processes_keep_one_pace_per_channel_and_send_each_reminder_once(
    app: App, fake: FakeSlack, clock: FixedClock
) -> None:
    users = await participants(app, clock, PEOPLE)
    reports = await fan_out(app, fake, clock, users, processes=3, shared=True)

    assert fake.floods == 0
    arrivals = posted(fake)
    assert sorted(arrivals) == sorted(users)
    for user in users:
        first, second = arrivals[user]  # A reply and a reminder each.
        assert second - first >= PER_CHANNEL[1] - 0.01
    assert sum(r.sent for r in reports) == PEOPLE
    assert sum(r.taken_elsewhere for r in reports) == 2 * PEOPLE
    await check_ledger(app)


async def test_one_process_keeps_the_pace_on_its_own(
    app: App, fake: FakeSlack, clock: FixedClock
) -> None:
    """SQLite (and PostgreSQL with one process): the same code, the process's own windows."""
    users = await participants(app, clock, 3)
    [report] = await fan_out(app, fake, clock, users, processes=1, shared=True)
    assert fake.floods == 0
    for first, second in posted(fake).values():
        assert second - first >= PER_CHANNEL[1] - 0.01
    assert report.sent == 3
    await check_ledger(app)


@pytest.mark.skipif(database_kind() != "postgresql", reason="processes share PostgreSQL only")
async def test_without_the_shared_pace_three_processes_go_too_fast(
    app: App, fake: FakeSlack, clock: FixedClock
) -> None:
    """The check above can fail: each process pacing alone, a reminder from one and a reply
    from another reach one DM together."""
    users = await participants(app, clock, PEOPLE)
    await fan_out(app, fake, clock, users, processes=3, shared=False)
    assert fake.floods > 0


async def test_the_pace_is_the_workspace_s(app: App, fake: FakeSlack) -> None:
    """Slack's limits are per app and workspace: the windows are named by the team auth.test
    gives, the same in every process of the app."""
    channel = from_settings(app.settings, app.engine, relaying=False)
    await channel.start()
    assert channel.limiter._scope == f"slack:{TEAM}"
    assert [c.method for c in fake.calls] == ["auth.test"]
    await channel.start()  # Asked once.
    assert [c.method for c in fake.calls] == ["auth.test"]
    await channel.close()


async def check_ledger(app: App) -> None:
    """One ledger row per person, sent; every reply marked sent."""
    async with app.store.transaction() as uow:
        rows = list(await uow.deliveries.everything())
        outcomes = [row.outcome for row in await uow.session.scalars(select(OutboxItem))]
    assert {row.status for row in rows} == {DeliveryStatus.SENT}
    assert len({row.participant_id for row in rows}) == len(rows)
    assert set(outcomes) == {"sent"}
