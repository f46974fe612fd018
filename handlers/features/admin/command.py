"""How `/admin` reads a message against the table of actions (`table.ACTIONS`) and runs one.

An action is found by its verb and sub-verb, then its parameters take the words that
follow, in order (`read`). The first action whose words fit is run; none fitting shows the
list of commands. What an action needs around the engine is checked before it runs, so an
engine without the bot's services says so and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from handlers.conversation import Context
from handlers.features.admin.common import Actor, AdminError, Unavailable
from handlers.i18n import Translator
from handlers.ports import AdminServices
from storage.repositories import UnitOfWork

LARGEST_ID = 2**31 - 1
"""Ids are 32-bit columns: a longer number names nothing and is read as a mistake."""


class Kind(StrEnum):
    """What one parameter of an action takes from the words typed."""

    CONSULTATION = "consultation"
    """The next word when it is a loaded consultation's id; else none is named."""
    WORD = "word"
    NUMBER = "number"
    """A word of digits: an answer's or a participant's id."""
    WORDS = "words"
    """Every word left, joined by single spaces."""
    TEXT = "text"
    """The rest of the message exactly as typed, line breaks included (may be empty)."""


@dataclass(frozen=True)
class Param:
    """One parameter of an action: its name, what it takes, whether it may be left out."""

    name: str
    kind: Kind = Kind.WORD
    optional: bool = False
    choices: tuple[str, ...] = ()
    """For a word: the values it may have (compared in lower case, given in lower case)."""


class Need(StrEnum):
    """What an action needs from around the engine."""

    NOTHING = "nothing"
    SERVICES = "services"
    """The bot's `AdminServices` (figures, digests, reminders, sending to participants)."""


@dataclass(frozen=True)
class Request:
    """One `/admin` action to run: the conversation, the arguments read, the services."""

    ctx: Context
    args: Mapping[str, str]
    optional_services: AdminServices | None

    @property
    def t(self) -> Translator:
        """The administrator's translator."""
        return self.ctx.t

    @property
    def uow(self) -> UnitOfWork:
        """The transaction the action runs in."""
        return self.ctx.uow

    @property
    def actor(self) -> Actor:
        """The administrator, as the audit log records them."""
        return Actor.of(self.ctx)

    @property
    def services(self) -> AdminServices:
        """The bot's services; `Unavailable` when the engine runs without them."""
        if self.optional_services is None:
            raise Unavailable
        return self.optional_services


Run = Callable[[Request], Awaitable[None]]


@dataclass(frozen=True)
class AdminAction:
    """One row of the `/admin` table."""

    verb: str
    sub: str | None
    params: tuple[Param, ...]
    run: Run
    usage: str | None = None
    """Its line in the list of commands (None: shown on a neighbour's line, or not at all)."""
    needs: Need = Need.NOTHING
    more_words: bool = False
    """Whether words beyond its parameters are ignored rather than a mistake."""


@dataclass(frozen=True)
class Typed:
    """A message's words with where each ends, so a text parameter keeps what was typed."""

    text: str
    words: tuple[str, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Typed:
        """The words of a message (split on whitespace, as `str.split` does)."""
        found = list(re.finditer(r"\S+", text))
        return cls(text, tuple(m.group() for m in found), tuple(m.end() for m in found))

    def after(self, count: int) -> str:
        """Everything typed after the first `count` words, without surrounding blanks."""
        return self.text[self.ends[count - 1] :].strip() if count else self.text.strip()


def read(
    params: tuple[Param, ...], typed: Typed, start: int, consultations: Collection[str]
) -> tuple[dict[str, str], int] | None:
    """The arguments of `params` from the words from `start` on, and where they stopped;
    None when the words do not fit."""
    words, at = typed.words, start
    args: dict[str, str] = {}
    for param in params:
        if param.kind == Kind.CONSULTATION:
            if at < len(words) and words[at] in consultations:
                args[param.name], at = words[at], at + 1
            continue
        if param.kind == Kind.TEXT:
            args[param.name], at = typed.after(at), len(words)
            continue
        if at >= len(words):
            if param.optional:
                continue
            return None
        word = words[at]
        if param.kind == Kind.WORDS:
            args[param.name], at = " ".join(words[at:]), len(words)
            continue
        if param.kind == Kind.NUMBER and not (word.isdecimal() and int(word) <= LARGEST_ID):
            return None
        if param.choices and word.lower() not in param.choices:
            return None
        args[param.name] = word.lower() if param.choices else word
        at += 1
    return args, at


def find(
    actions: tuple[AdminAction, ...], typed: Typed, consultations: Collection[str]
) -> tuple[AdminAction, dict[str, str]] | None:
    """The first action whose verb, sub-verb and parameters fit the words, with its arguments."""
    words = typed.words
    verb = words[0].lower() if words else ""
    for action in actions:
        start = 1
        if action.verb != verb:
            continue
        if action.sub is not None:
            if words[1:2] != (action.sub,):
                continue
            start = 2
        found = read(action.params, typed, start, consultations)
        if found is not None and (action.more_words or found[1] == len(words)):
            return action, found[0]
    return None


def usage(t: Translator, actions: tuple[AdminAction, ...]) -> str:
    """The list of /admin commands."""
    lines = [action.usage for action in actions if action.usage]
    return "\n".join([t._("Secretariat commands:"), *lines])


async def dispatch(
    ctx: Context, argument: str, services: AdminServices | None, actions: tuple[AdminAction, ...]
) -> None:
    """Run the action the words of `/admin …` name; the list of commands when none fits."""
    t = ctx.t
    found = find(actions, Typed.of(argument), await ctx.uow.consultations.ids())
    if found is None:
        ctx.say(usage(t, actions))
        return
    action, args = found
    try:
        if action.needs == Need.SERVICES and services is None:
            raise Unavailable
        await action.run(Request(ctx, args, services))
    except AdminError as exc:
        ctx.say(str(exc))
    except Unavailable:
        ctx.say(t._("This action is not available here; use the command line."))
