"""The terminal channel: the same conversation as Telegram and Slack, on stdin and stdout."""

from __future__ import annotations

import asyncio
import codecs
import os
import stat
import sys
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from pathlib import Path
from typing import TextIO

from bot import invites
from bot.app import App
from bot.shutdown import unless_stopped
from handlers.engine import Engine
from handlers.events import Button, Inbound, IncomingDocument, Reply
from storage.models import Category

PLATFORM = "terminal"
PROMPT = "> "
"""Where a person at a terminal types."""
_MIME = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
}


def render(reply: Reply, downloads: Path) -> str:
    """A reply as terminal text: buttons numbered, documents saved and named."""
    lines = [reply.text]
    number = 1
    for row in reply.buttons:
        cells = []
        for button in row:
            cells.append(f"[{number}] {button.label}")
            number += 1
        lines.append("  " + "   ".join(cells))
    if reply.document is not None:
        downloads.mkdir(parents=True, exist_ok=True)
        target = downloads / reply.document.filename
        target.write_bytes(reply.document.content)
        lines.append(f"📎 {reply.document.filename} → {target}")
    return "\n".join(lines)


def to_event(line: str, buttons: list[Button], *, user: str) -> Inbound:
    """A typed line as an event: a number or label presses a button, a file path sends it."""
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return Inbound(PLATFORM, user, user, payload=buttons[int(stripped) - 1].payload)
    for button in buttons:
        if stripped and button.label.casefold().removeprefix("✓ ") == stripped.casefold():
            return Inbound(PLATFORM, user, user, payload=button.payload)
    path = _existing_file(stripped)
    if path is not None:

        async def read() -> bytes:
            return path.read_bytes()

        document = IncomingDocument(
            filename=path.name,
            size=path.stat().st_size,
            mime_type=_MIME.get(path.suffix.lower()),
            read=read,
        )
        return Inbound(PLATFORM, user, user, document=document)
    return Inbound(PLATFORM, user, user, text=line.rstrip("\n"))


def _existing_file(text: str) -> Path | None:
    """The file a line names, when it names one: how a document is sent in the terminal."""
    if not text or len(text) > 1024 or "\x00" in text:
        return None
    path = Path(text).expanduser()
    try:
        return path if path.suffix and path.is_file() else None
    except OSError:
        return None


async def _lines(stream: TextIO) -> AsyncGenerator[str, None]:
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


async def converse(
    engine: Engine,
    *,
    user: str,
    stdin: TextIO = sys.stdin,
    write: Callable[[str], None] | None = None,
    downloads: Path = Path("downloads"),
    greeting: str | None = None,
    stop: asyncio.Event | None = None,
    prompt: str = "",
) -> None:
    """Read lines until end of input or `stop`, printing each reply as soon as it is made.

    A stop asked while a line is handled lets it finish: its answer is committed and its
    replies printed before this returns.

    Args:
        prompt: Shown where the person types, before each line is read (a terminal's "> ").
    """

    def emit(text: str, end: str = "\n") -> None:
        if write is not None:
            write(text)
        else:
            print(text, end=end, flush=True)

    if greeting:
        emit(greeting)
    buttons: list[Button] = []
    stop = stop or asyncio.Event()
    async with aclosing(_lines(stdin)) as lines:
        while not stop.is_set():
            if prompt:
                emit(prompt, end="")
            line = await unless_stopped(stop, anext(lines, None))
            if line is None:
                return
            event = to_event(line, buttons, user=user)
            replies = await engine.handle(event)
            if replies:
                buttons = [b for reply in replies for b in reply.all_buttons()]
            for reply in replies:
                emit(render(reply, downloads) + "\n")


async def trial_greeting(app: App, *, user: str) -> str:
    """For an unregistered terminal user, a local invite so the journey can be tried at once.

    Whoever runs the terminal channel can already issue invites from the command line,
    so this grants nothing new; it is audited like any other invite.
    """
    async with app.store.transaction() as uow:
        identity = await uow.identities.get(PLATFORM, user)
        registered = identity is not None and identity.participant_id is not None
    if registered:
        return "Welcome back. Send /start to continue, /help for the commands."
    invite = await invites.create(
        app.store,
        invites.InviteRequest(
            organisation="Local trial organisation",
            category=Category.NGO,
            country=None,
            consultation=None,
        ),
        now=app.clock.now(),
        actor=f"terminal:{user}",
    )
    return (
        "intersessional — terminal channel. Buttons are numbered: answer with the number "
        "or the label; send a document by typing its file path.\n"
        f"A local trial invite was created for you: send /start {invite.code}"
    )
