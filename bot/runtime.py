"""Long-running processes: `run` (channels and scheduler), `serve` (the web app), `shell`, and
the channels a sending command opens. Which channels, and how, the registry decides."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress

from bot.adapters import Channel, Mode, registry
from bot.app import App
from bot.scheduler import scheduled
from bot.shutdown import Stop
from config.errors import ConfigError
from handlers import profiles
from handlers.ports import Outbox

log = logging.getLogger(__name__)


@asynccontextmanager
async def started(
    app: App, channels: Sequence[Channel], *, leave_out: bool = False
) -> AsyncIterator[list[Channel]]:
    """The channels started, each that reaches participants unprompted registered as its
    platform's outbox in `app.outboxes`; unregistered and closed on exit, in reverse.

    Args:
        app: The application.
        channels: From the registry, not started.
        leave_out: Log a channel that cannot start and go on without it (a sending
            command); otherwise its error (a ConfigError for refused credentials) stops all.

    Yields:
        The channels that started.
    """
    running: list[Channel] = []
    async with AsyncExitStack() as stack:
        for channel in channels:
            # Closed even when start fails: its connections may be half open.
            stack.push_async_callback(channel.close)
            try:
                await channel.start()
            except Exception as exc:
                if not leave_out:
                    raise
                _left_out(channel, exc)
                continue
            running.append(channel)
            if channel.capabilities.unprompted:
                _register(app, channel, stack)
        yield running


def _left_out(channel: Channel, exc: Exception) -> None:
    name = channel.platform.capitalize()
    if isinstance(exc, ConfigError):  # Its message names the variable, never the secret.
        log.warning("%s: cannot send from this command (%s)", name, exc)
    else:  # The operator reads why; the other platforms still send.
        log.warning("%s: cannot send from this command (%s)", name, type(exc).__name__)


def _register(app: App, outbox: Outbox, stack: AsyncExitStack) -> None:
    app.outboxes[outbox.platform] = outbox
    stack.callback(app.outboxes.pop, outbox.platform, None)


def load_language_profiles(app: App) -> threading.Thread:
    """Load the language profiles in a thread of their own while the process starts, so
    the first typed answer finds them, rather than stalling every chat to load them.

    From the packed file of CACHE_DIR this takes a few milliseconds; when there is none
    (the first start, another langdetect, a fresh container) a child process packs it, and
    this thread waits for the child (about a second) where the event loop would have held up
    every conversation in hand. Safe in a thread: the loading reads files and runs its child
    with `subprocess.run` (which waits for that child itself, not through asyncio), shares
    nothing with the loop until the factory is published under a lock (a detection asking
    before waits for it), and the factory is only read after.
    """
    profiles.use_cache(app.settings.cache_dir)
    thread = threading.Thread(target=profiles.compact_factory, name="language-profiles")
    thread.daemon = True  # a process stopping meanwhile does not wait for it
    thread.start()
    return thread


async def freeze_start_up(loading: threading.Thread) -> None:
    """Once start-up is over (the language profiles loaded by `loading` included), keep what
    it made out of the garbage collector's full collections: the modules, the consultations,
    the profiles — hundreds of thousands of objects that live as long as the process.

    A full collection looks at every object that may hold others; over a started process it
    held the event loop 30–60 ms each time, every few seconds of traffic, and that was the
    slowest first replies (`docs/performance.md`). Frozen (`gc.freeze`), they are not looked
    at again; what conversations make is collected as before. Garbage is collected once
    first, so none is frozen with them.
    """
    # A thread's end cannot be awaited; `to_thread(loading.join)` could not be cancelled,
    # and a process stopping would wait for the profiles it is about to drop.
    while loading.is_alive():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    gc.collect()
    gc.freeze()
    log.debug("start-up frozen: %d objects out of the collector's sight", gc.get_freeze_count())


@asynccontextmanager
async def started_up(loading: threading.Thread) -> AsyncIterator[None]:
    """`freeze_start_up` in the background while the block runs."""
    freezing = asyncio.create_task(freeze_start_up(loading))
    try:
        yield
    finally:
        freezing.cancel()
        with suppress(asyncio.CancelledError):
            await freezing


async def run(app: App, *, stop: Stop | None = None) -> int:
    """Every channel whose credentials are set, receiving, and the scheduler; with none, the
    terminal channel.

    Every channel starts (its credentials checked) before the scheduler, so a token a
    platform refuses stops start-up with its one message (a ConfigError) and nothing else.

    Args:
        app: The application.
        stop: Ends the channels (each finishing its event in hand), then the scheduler.

    Returns:
        The exit code: 0, or 130 when SIGINT stopped it.
    """
    stop = stop or Stop()
    loading = load_language_profiles(app)
    channels = await registry.channels(app, Mode.RUN)
    async with started(app, channels) as running, scheduled(app), started_up(loading):
        await asyncio.gather(*(channel.receive(stop.event) for channel in running))
    return stop.exit_code


@asynccontextmanager
async def sending_channels(app: App) -> AsyncIterator[dict[str, Outbox]]:
    """Each configured platform's outbox in `app.outboxes`, for a command that only sends.

    Nothing is received: no polling, no webhook change, no Socket Mode connection, so a
    running `run` or `serve` process keeps its updates. A platform whose channel cannot start
    is logged and left out; its participants are then counted as having no running channel.

    Args:
        app: the application; its outboxes are registered on entry and removed on exit.

    Yields:
        `app.outboxes`, with the channels that started.
    """
    channels = await registry.channels(app, Mode.SEND)
    async with started(app, channels, leave_out=True):
        yield app.outboxes


async def shell(app: App, *, user: str, stop: Stop | None = None) -> int:
    """The terminal channel on stdin and stdout for `user`, until end of input or `stop`.

    Returns:
        The exit code: 0, or 130 when SIGINT stopped it.
    """
    stop = stop or Stop()
    load_language_profiles(app)
    async with started(app, [registry.local(app, user=user)]) as [channel]:
        await channel.receive(stop.event)
    return stop.exit_code


async def serve(app: App, *, stop: Stop | None = None) -> int:
    """The web process on $PORT, until `stop` (uvicorn also handles the signals itself):
    the routes of every channel the platforms reach over HTTP, and the scheduler.

    Returns:
        The exit code: 0, or 130 when SIGINT stopped it.
    """
    # Imported here: only `serve` serves HTTP, and `run`, `shell` and the sending commands
    # import this module (uvicorn and its supervisors, multiprocessing among them: 1.5 MB).
    import uvicorn

    from bot.web import create_web_app

    stop = stop or Stop()
    loading = load_language_profiles(app)
    channels = await registry.channels(app, Mode.SERVE)
    async with started(app, channels) as running:
        config = uvicorn.Config(
            create_web_app(app, running),
            host="0.0.0.0",  # noqa: S104 - a PaaS routes traffic to $PORT on every interface
            port=app.settings.port,
            log_level=app.settings.log_level.lower(),  # One setting for our logs and its own.
            # Its records go through our handler: one line each (a request path can carry an
            # encoded newline), secrets redacted.
            log_config=None,
        )
        server = uvicorn.Server(config)

        async def stop_serving() -> None:
            await stop.wait()
            server.should_exit = True  # uvicorn's own way to shut down gracefully

        async with scheduled(app), started_up(loading):
            watcher = asyncio.create_task(stop_serving())
            try:
                await server.serve()
            finally:
                watcher.cancel()
    return stop.exit_code
