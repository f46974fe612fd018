"""The channels of `run` and `serve`, driven as those processes drive them, without the
scheduler or the web server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot import runtime
from bot.adapters import Channel, Mode, registry
from bot.app import App


async def receiving(app: App, *, stop: asyncio.Event) -> None:
    """What `run` does with its channels: each started (its outbox registered), receiving
    until `stop`, then closed."""
    channels = await registry.channels(app, Mode.RUN)
    async with runtime.started(app, channels) as running:
        await asyncio.gather(*(channel.receive(stop) for channel in running))


@asynccontextmanager
async def serving(app: App) -> AsyncIterator[list[Channel]]:
    """The channels of `serve`, started (a webhook registered) and registered as outboxes."""
    async with runtime.started(app, await registry.channels(app, Mode.SERVE)) as running:
        yield running
