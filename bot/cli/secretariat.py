"""The secretariat on the command line: administrators, the audit log, and the chat's
`/admin` actions (deadline, close/reopen, hide/unhide, pending, approve/reject, broadcast),
which call the same service functions as the chat."""

from __future__ import annotations

import argparse
import sys
from zoneinfo import ZoneInfo

from bot.admin import tell
from bot.app import App
from bot.cli.common import act, act_in_transaction, cli_actor, one, refuse, since, with_app
from bot.cli.progress import progress
from config.settings import Settings, parse_admins
from handlers.features.admin.broadcast import (
    audience,
    broadcast_messages,
    preview_text,
    record_broadcast,
)
from handlers.features.admin.common import Actor, AdminError, consultation, counts_text
from handlers.features.admin.deadlines import extend_deadline, set_closed
from handlers.features.admin.moderation import decide, hide_answer
from handlers.i18n import Translator, translator
from storage.repositories import UnitOfWork


def _account(value: str) -> tuple[str, str]:
    accounts = parse_admins(value)
    if len(accounts) != 1:
        raise ValueError(f"{value!r} is not one platform:user_id")
    return accounts[0]


async def admins(args: argparse.Namespace, settings: Settings) -> int:
    """Print the administrators."""

    async def lines(uow: UnitOfWork, t: Translator, actor: Actor) -> list[str]:
        return [
            f"{a.platform}:{a.user_id}\tadded by {a.added_by}\t{a.created_at:%Y-%m-%d %H:%M} UTC"
            for a in await uow.admins.all()
        ]

    return await act_in_transaction(settings, lines)


async def add_admin(args: argparse.Namespace, settings: Settings) -> int:
    """Make a platform account an administrator."""
    return await _change_admin(args.account, settings, add=True)


async def remove_admin(args: argparse.Namespace, settings: Settings) -> int:
    """Take a platform account's administration away."""
    return await _change_admin(args.account, settings, add=False)


async def _change_admin(account: str, settings: Settings, *, add: bool) -> int:
    try:
        platform, user_id = _account(account)
    except ValueError as exc:
        return refuse(str(exc))

    async def change(uow: UnitOfWork, t: Translator, actor: Actor) -> list[str]:
        if add:
            changed = await uow.admins.add(platform, user_id, added_by=actor.name, now=actor.now)
        else:
            changed = await uow.admins.remove(platform, user_id)
        if not changed:
            raise AdminError(
                f"{platform}:{user_id} "
                + ("is already an administrator" if add else "is no administrator")
            )
        uow.audit.record(
            actor=actor.name,
            action=f"admin.{'added' if add else 'removed'}",
            channel=actor.channel,
            now=actor.now,
            platform=platform,
            user_id=user_id,
        )
        return [f"{platform}:{user_id} {'added' if add else 'removed'}"]

    return await act_in_transaction(settings, change)


async def audit(args: argparse.Namespace, settings: Settings) -> int:
    """Print the audit log (since a date)."""
    try:
        start = since(args.since, ZoneInfo("UTC")) if args.since else None
    except ValueError as exc:
        return refuse(str(exc))

    async def lines(uow: UnitOfWork, t: Translator, actor: Actor) -> list[str]:
        return [
            f"{e.at:%Y-%m-%d %H:%M:%S} UTC\t{e.actor}\t{e.channel}\t{e.action}"
            + "".join(f"\t{k}={v}" for k, v in e.detail.items() if v is not None)
            for e in await uow.audit.since(start)
        ]

    return await act_in_transaction(settings, lines)


async def deadline(args: argparse.Namespace, settings: Settings) -> int:
    """`/admin deadline extend`."""
    return await act_in_transaction(
        settings,
        lambda uow, t, actor: one(extend_deadline(uow, t, actor, args.consultation, args.date)),
        args=args,
    )


async def close(args: argparse.Namespace, settings: Settings) -> int:
    """`/admin close`."""
    return await _set_closed(args, settings, closed=True)


async def reopen(args: argparse.Namespace, settings: Settings) -> int:
    """`/admin reopen`."""
    return await _set_closed(args, settings, closed=False)


async def _set_closed(args: argparse.Namespace, settings: Settings, *, closed: bool) -> int:
    return await act_in_transaction(
        settings,
        lambda uow, t, actor: one(
            set_closed(uow, t, actor, args.consultation, args.item, closed=closed)
        ),
        args=args,
    )


async def hide(args: argparse.Namespace, settings: Settings) -> int:
    """`/admin hide`."""
    return await act_in_transaction(
        settings, lambda uow, t, actor: one(hide_answer(uow, t, actor, args.answer, args.reason))
    )


async def unhide(args: argparse.Namespace, settings: Settings) -> int:
    """`/admin unhide`."""
    return await act_in_transaction(
        settings, lambda uow, t, actor: one(hide_answer(uow, t, actor, args.answer, None))
    )


async def pending(args: argparse.Namespace, settings: Settings) -> int:
    """`/admin pending`: the registrations waiting for approval, one per line."""

    async def lines(uow: UnitOfWork, t: Translator, actor: Actor) -> list[str]:
        return [
            f"{p.id}\t{p.organisation.name if p.organisation else '-'}"
            for p in await uow.participants.pending()
        ]

    return await act_in_transaction(settings, lines)


async def approve(args: argparse.Namespace, settings: Settings) -> int:
    """`/admin approve`, and the participant told."""
    return await _decide(args.participant, settings, approve=True)


async def reject(args: argparse.Namespace, settings: Settings) -> int:
    """`/admin reject`, and the participant told."""
    return await _decide(args.participant, settings, approve=False)


async def _decide(participant_id: int, settings: Settings, *, approve: bool) -> int:
    t = translator("en")

    async def work(app: App, actor: Actor) -> list[str]:
        async with app.store.transaction() as uow:
            said, notice = await decide(uow, t, actor, participant_id, approve=approve)
        return [await tell(app.engine.services, said, notice)]

    return await act(settings, work, sending=True)


async def broadcast(args: argparse.Namespace, settings: Settings) -> int:
    """`/admin broadcast`: a preview, or with --yes the sending."""
    t = translator("en")
    text = args.message.strip()

    async def work(app: App) -> int:
        actor = cli_actor(app)
        try:
            if not text:
                raise AdminError(t._("Please add the message to send."))
            async with app.store.transaction() as uow:
                row = await consultation(uow, t, args.consultation, actor.now)
                reached = await audience(uow, row.id, only_missing=args.missing_only)
                messages = broadcast_messages(reached, text)
                if args.yes:
                    record_broadcast(
                        uow,
                        actor,
                        row.id,
                        missing=args.missing_only,
                        recipients=len(messages),
                        text=text,
                    )
        except AdminError as exc:
            return refuse(str(exc))
        if not args.yes:
            print(preview_text(t, row.id, len(messages), text))
            print("Nothing was sent; add --yes to send it.", file=sys.stderr)
            return 0
        services = app.engine.services
        if services is None:  # build() always wires them; a partial App would not.
            print("intersessional: sending is not available", file=sys.stderr)
            return 1
        with progress("participants reached", len(messages)) as tick:
            counts = await services.send(messages, tick=tick)
        print(counts_text(t, counts, len(messages)))
        return 1 if counts.failed else 0

    return await with_app(settings, work, sending=args.yes, args=args)
