"""Standard input line by line, without a thread: a terminal, a pipe or a file."""

from __future__ import annotations

import asyncio
import codecs
import os
import stat
from collections.abc import AsyncGenerator
from typing import TextIO


async def lines(stream: TextIO) -> AsyncGenerator[str, None]:
    """The lines of `stream` as they arrive.

    A terminal or a pipe is watched by the event loop (`add_reader`), not read in a thread:
    a thread blocked in `readline` would hold the process until Enter after Ctrl-C. A regular
    file (or an in-memory stream) never makes a reader wait, so it is read as it is.
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
    pending = ""
    try:
        while True:
            chunk = await arrived.get()
            pending += decoder.decode(chunk, final=not chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                yield line + "\n"
            if not chunk:
                if pending:
                    yield pending
                return
    finally:
        loop.remove_reader(fd)


def _watchable(stream: TextIO) -> int:
    """The file descriptor of a terminal, pipe or socket behind `stream`; -1 for the rest."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return -1
    return -1 if stat.S_ISREG(os.fstat(fd).st_mode) else fd
