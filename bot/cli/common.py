"""What every command shares: the application around a command, refusals, admin actions."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Awaitable, Callable

from bot import runtime, shutdown
from bot.app import App, build
from bot.digest.period import since as since
from bot.shutdown import Stop
from config.settings import Settings
from handlers.features.admin.common import Actor, AdminError, choose
from handlers.i18n import Translator, translator
from storage.repositories import UnitOfWork

log = logging.getLogger("intersessional")


def refuse(message: str) -> int:
    """Say on stderr why the command cannot be done; the exit status for bad input (2)."""
    print(f"intersessional: {message}", file=sys.stderr)
    return 2


async def unknown_ids(app: App, args: argparse.Namespace) -> str | None:
    """Why the `--consultation` or `--item` of a command names nothing loaded, listing the
    valid ids; None when they name something, or are not given.

    An `--item` without `--consultation` is looked up in the only open consultation; when
    not exactly one is open the command itself asks for `--consultation`.
    """
    consultation_id: str | None = getattr(args, "consultation", None)
    number: str | None = getattr(args, "item", None)
    if not consultation_id and not number:
        return None
    async with app.store.transaction() as uow:
        rows = await uow.consultations.rows()
        known = [row.id for row in rows]
        if consultation_id and consultation_id not in known:
            return (
                f"--consultation {consultation_id}: no such consultation is loaded; "
                f"the consultations are {', '.join(known) or 'none (load one first)'}"
            )
        if not number:
            return None
        try:
            row = choose(rows, consultation_id, app.clock.now())
        except LookupError:
            return None
        numbers = [item.number for item in await uow.consultations.items(row.id)]
    if number in numbers:
        return None
    return f"--item {number}: {row.id} has no such agenda item; its items are {', '.join(numbers)}"


async def with_app(
    settings: Settings,
    work: Callable[[App], Awaitable[int]],
    *,
    load: bool = True,
    sending: bool = False,
    args: argparse.Namespace | None = None,
) -> int:
    """Build the application, run `work` in it, close it.

    Args:
        settings: The validated settings.
        work: What the command does; its exit status.
        load: Load the configured consultations first.
        sending: Open the platforms' outboxes for the command's length (it writes to
            participants, which only the long-running processes would otherwise allow).
        args: The command's arguments: a `--consultation` or `--item` that names nothing
            loaded is refused before `work` runs, with the valid ids (`unknown_ids`).
    """
    app = await build(settings, load=load)
    try:
        problem = await unknown_ids(app, args) if args is not None else None
        if problem is not None:
            return refuse(problem)
        if not sending:
            return await work(app)
        async with runtime.sending_channels(app):
            return await work(app)
    finally:
        await app.close()


async def until_stopped(settings: Settings, work: Callable[[App, Stop], Awaitable[int]]) -> int:
    """Run a long-running command; SIGINT and SIGTERM ask it to stop (`bot.shutdown`).

    The handlers are installed before the application is built, so a signal during start-up
    also ends in an orderly stop; the last line logged says the database is closed.
    """
    with shutdown.on_signals() as stop:
        code = await with_app(settings, lambda app: work(app, stop))
    if stop.signum is not None:
        log.info("stopped (%s)", stop.signum.name)
    return code


def cli_actor(app: App) -> Actor:
    """The command line as the audit log records it."""
    return Actor("cli", "cli", app.clock.now())


AdminWork = Callable[[App, Actor], Awaitable[list[str]]]
Action = Callable[[UnitOfWork, Translator, Actor], Awaitable[list[str]]]


async def act(
    settings: Settings,
    work: AdminWork,
    *,
    sending: bool = False,
    args: argparse.Namespace | None = None,
) -> int:
    """Run one admin action; its lines to stdout, a refusal (AdminError) to stderr.

    With `sending`, the platforms' outboxes are registered so the action can write to
    participants; `args` as for `with_app`.
    """

    async def go(app: App) -> int:
        try:
            lines = await work(app, cli_actor(app))
        except AdminError as exc:
            return refuse(str(exc))
        for line in lines:
            print(line)
        return 0

    return await with_app(settings, go, sending=sending, args=args)


async def act_in_transaction(
    settings: Settings, action: Action, *, args: argparse.Namespace | None = None
) -> int:
    """Run one of the secretariat's actions in one transaction, worded in English (`args` as
    for `with_app`)."""

    async def work(app: App, actor: Actor) -> list[str]:
        async with app.store.transaction() as uow:
            return await action(uow, translator("en"), actor)

    return await act(settings, work, args=args)


async def one(said: Awaitable[str]) -> list[str]:
    """An action's one sentence as the command's output."""
    return [await said]
