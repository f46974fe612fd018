"""The terminal channel: the same conversation as Telegram and Slack, on stdin and stdout."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from contextlib import aclosing
from functools import partial
from pathlib import Path
from typing import TextIO

from starlette.routing import BaseRoute

from bot import invites, logs
from bot.adapters import Capabilities
from bot.adapters.terminal.lines import lines
from bot.adapters.terminal.translate import PLATFORM, render, to_event
from bot.app import App
from bot.shutdown import unless_stopped
from handlers.engine import Engine
from handlers.events import Button, Reply
from storage.models import Category

PROMPT = "> "
"""Where a person at a terminal types."""
CAPABILITIES = Capabilities(
    edits=False, checkboxes=False, forms=False, max_text=None, unprompted=False
)
"""Text and numbered buttons, each reply printed as it is made. It answers only the person
typing, when they type: a reminder printed meanwhile would cut into their line."""


class TerminalChannel:
    """One person at the terminal, talking to the engine line by line."""

    platform = PLATFORM
    capabilities = CAPABILITIES
    routes: Sequence[BaseRoute] = ()

    def __init__(
        self,
        engine: Engine,
        *,
        user: str,
        stdin: TextIO = sys.stdin,
        write: Callable[[str], None] | None = None,
        downloads: Path = Path("downloads"),
        greeting: str | None = None,
        welcome: Callable[[], Awaitable[str]] | None = None,
        prompt: str = "",
    ) -> None:
        """The channel for one person.

        Args:
            engine: The engine.
            user: The person's account name (`shell --user`).
            stdin: Where the lines come from.
            downloads: Where documents the bot sends are saved.
            write: Where text goes (stdout by default).
            greeting: Said first.
            welcome: Makes the greeting when the channel starts (a person at a terminal).
            prompt: Shown where the person types, before each line is read (a terminal's
                "> ").
        """
        self.engine = engine
        self.user = user
        self.stdin = stdin
        self.downloads = downloads
        self.greeting = greeting
        self.prompt = prompt
        self._write = write
        self._welcome = welcome
        self._buttons: list[Button] = []

    def _emit(self, text: str, end: str = "\n") -> None:
        if self._write is not None:
            self._write(text)
        else:
            print(text, end=end, flush=True)

    async def start(self) -> None:
        """Prepare the greeting (a trial invite for a newcomer at a terminal)."""
        if self._welcome is not None:
            self.greeting = await self._welcome()

    async def receive(self, stop: asyncio.Event) -> None:
        """Read lines until end of input or `stop`, printing each reply as soon as it is made.

        A stop asked while a line is handled lets it finish: its answer is committed and its
        replies printed before this returns.
        """
        if self.greeting:
            self._emit(self.greeting)
        async with aclosing(lines(self.stdin)) as typed:
            while not stop.is_set():
                if self.prompt:
                    self._emit(self.prompt, end="")
                line = await unless_stopped(stop, anext(typed, None))
                if line is None:
                    return
                replies = await self.engine.handle(to_event(line, self._buttons, user=self.user))
                await self.deliver(self.user, replies)

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Print replies; their buttons, numbered on from one reply to the next, are the ones a
        number or label presses."""
        if replies:
            self._buttons = [b for reply in replies for b in reply.all_buttons()]
        number = 1
        for reply in replies:
            self._emit(render(reply, self.downloads, first=number) + "\n")
            number += len(reply.all_buttons())

    async def close(self) -> None:
        """Nothing to release."""


async def trial_greeting(app: App, *, user: str) -> str:
    """For an unregistered terminal user, a local invite so the journey can be tried at once.

    Whoever runs the terminal channel can already issue invites from the command line,
    so this grants nothing new; it is audited like any other invite.
    """
    if await app.engine.registered(PLATFORM, user):
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


async def _welcome(app: App, user: str) -> str:
    greeting = await trial_greeting(app, user=user)
    where = logs.destination(app.settings, conversation=True)
    return greeting + f"\n(The log is written to {where}; type after the > sign.)"


def channel_for(app: App, *, user: str) -> TerminalChannel:
    """The terminal channel for `user` on stdin and stdout: a person at a terminal is greeted
    (with a trial invite when new) and prompted; a script is read as it is."""
    if not sys.stdin.isatty():
        return TerminalChannel(app.engine, user=user)
    welcome = partial(_welcome, app, user)
    return TerminalChannel(app.engine, user=user, welcome=welcome, prompt=PROMPT)
