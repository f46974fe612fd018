"""Stopping the long-running processes: SIGINT and SIGTERM handled in the event loop.

`run`, `serve` and `shell` install the handlers here, in one place (`on_signals`). A signal
only asks to stop: each channel finishes the event in hand (its transaction commits, its
replies go out), the scheduler lets a sweep in progress end, the database is closed, and the
process exits 0 after SIGTERM (a supervisor's normal stop) or 130 after SIGINT (Ctrl-C, by
the shell's convention, so `intersessional shell < script && next` does not go on).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 0}
"""The exit code after a stop asked by each signal (README, "Stopping")."""


@dataclass
class Stop:
    """A request to stop, and the signal that made it."""

    event: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once a stop is asked: what channels and loops wait on."""
    signum: signal.Signals | None = None
    """The signal that asked first."""

    def ask(self, signum: signal.Signals) -> None:
        """Ask to stop (the first signal is the one that counts)."""
        if self.signum is None:
            self.signum = signum
            log.info("%s: finishing the work in hand, then stopping", signum.name)
        self.event.set()

    def is_set(self) -> bool:
        """Whether a stop was asked."""
        return self.event.is_set()

    async def wait(self) -> None:
        """Return once a stop is asked."""
        await self.event.wait()

    @property
    def exit_code(self) -> int:
        """What the process exits with: 0, or 130 when Ctrl-C stopped it."""
        return EXIT_CODES.get(self.signum, 0) if self.signum is not None else 0


@contextmanager
def on_signals() -> Iterator[Stop]:
    """SIGINT and SIGTERM ask the returned `Stop`, for the life of the block.

    The handlers belong to the running loop (`loop.add_signal_handler`), so a signal wakes
    the loop whatever it waits on, and nothing is interrupted half-way. uvicorn installs its
    own handlers while it serves and raises the signal again when it is done: it then reaches
    these, which only ask again.
    """
    loop = asyncio.get_running_loop()
    stop = Stop()
    for signum in SIGNALS:
        loop.add_signal_handler(signum, stop.ask, signum)
    try:
        yield stop
    finally:
        for signum in SIGNALS:
            loop.remove_signal_handler(signum)


async def unless_stopped(stop: asyncio.Event, work: Awaitable[T]) -> T | None:
    """`work`'s result, or None as soon as `stop` is set (the work is then cancelled)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        stopped.cancel()
        return task.result()
    task.cancel()
    with suppress(asyncio.CancelledError, Exception):
        await task
    return None
