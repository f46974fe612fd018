"""Standard input line by line, without a thread: a terminal, a pipe or a file."""

from __future__ import annotations

import asyncio
import codecs
import os
import stat
from collections.abc import AsyncGenerator
from contextlib import ExitStack
from typing import TextIO

from bot.adapters.terminal.keys import LineEditor, keys_of


async def lines(stream: TextIO) -> AsyncGenerator[str, None]:
    """The lines of `stream` as they arrive.

    A terminal or a pipe is watched by the event loop (`add_reader`), not read in a thread:
    a thread blocked in `readline` would hold the process until Enter after Ctrl-C. A regular
    file (or an in-memory stream) never makes a reader wait, so it is read as it is.
    A terminal is read key by key (`bot.adapters.terminal.keys`), so that a paste longer
    than the 4,095 characters a terminal passes in one line arrives whole.
    """
    fd = _watchable(stream)
    loop = asyncio.get_running_loop()
    arrived: asyncio.Queue[bytes] = asyncio.Queue()

    def readable() -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            loop.remove_reader(fd)
        arrived.put_nowait(chunk)

    try:
        if fd < 0:
            raise PermissionError
        loop.add_reader(fd, readable)
    except (OSError, ValueError):  # not something epoll can watch (/dev/null, a file)
        for line in stream:
            yield line
        return
    decoder = codecs.getincrementaldecoder(getattr(stream, "encoding", None) or "utf-8")(
        errors="replace"
    )
    with ExitStack() as terminal:
        split = LineEditor(terminal.enter_context(keys_of(fd))) if os.isatty(fd) else _Split()
        try:
            while not split.ended:
                chunk = await arrived.get()
                for line in split.feed(decoder.decode(chunk, final=not chunk)):
                    yield line
                if not chunk:
                    if rest := split.rest():
                        yield rest
                    return
        finally:
            loop.remove_reader(fd)


class _Split:
    """A pipe's text cut into lines at each newline."""

    ended = False
    """A pipe ends when its writer closes it, never before."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, text: str) -> list[str]:
        """The lines `text` completes, each ending with a newline."""
        *complete, self._pending = (self._pending + text).split("\n")
        return [line + "\n" for line in complete]

    def rest(self) -> str:
        """The last line, when the input ended without a newline."""
        return self._pending


def _watchable(stream: TextIO) -> int:
    """The file descriptor of a terminal, pipe or socket behind `stream`; -1 for the rest."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return -1
    return -1 if stat.S_ISREG(os.fstat(fd).st_mode) else fd
