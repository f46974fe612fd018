"""`invite create|import|revoke|list`: issuing invites one at a time or from a CSV file."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from bot import invite_mail, invites
from bot.app import App
from bot.cli.common import act_in_transaction, one, refuse, with_app
from bot.cli.progress import progress
from config.settings import Settings
from handlers.features.admin.invites import invite_lines, revoke_invite


async def create(args: argparse.Namespace, settings: Settings) -> int:
    """Create one invite; print its code and, when the bot's name is set, its link."""

    async def work(app: App) -> int:
        async with app.store.transaction() as uow:
            known = set(await uow.consultations.ids())
        try:
            request = invites.validate_request(
                organisation=args.org,
                category=args.category,
                country=args.country,
                consultation=args.consultation or "",
                max_uses=str(args.max_uses),
                expires=args.expires or "",
                known_consultations=known,
            )
            invite = await invites.create(app.store, request, now=app.clock.now(), actor="cli")
        except ValueError as exc:
            return refuse(str(exc))
        print(invite.code)
        link = invites.deep_link(settings.telegram_bot_username, invite.code)
        if link:
            print(link)
        return 0

    return await with_app(settings, work, args=args)


def _read(path: Path) -> str | None:
    """The CSV file's text; None (and said why) when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        refuse(f"{path}: no such file")
    except UnicodeDecodeError:
        refuse(f"{path}: not UTF-8 text; save the CSV as UTF-8 (in Excel: CSV UTF-8)")
    return None


async def import_csv(args: argparse.Namespace, settings: Settings) -> int:
    """Create one invite per row of a CSV file — all of them, or none when a row is wrong."""

    async def work(app: App) -> int:
        text = _read(args.file)
        if text is None:
            return 2
        async with app.store.transaction() as uow:
            known = set(await uow.consultations.ids())
        requests, problems = invites.parse_csv(text, known)
        if problems:
            for problem in problems:
                print(f"{args.file}: {problem}", file=sys.stderr)
            print(
                f"No invites were created: fix the {len(problems)} row(s) above and import "
                "the file again.",
                file=sys.stderr,
            )
            return 2
        if args.send_email and (unready := invite_mail.unconfigured(settings)):
            return refuse(f"{unready}; no invites were created")
        now = app.clock.now()
        created = []
        with progress("invites created", len(requests)) as tick:
            for request in requests:
                invite = await invites.create(app.store, request, now=now, actor="cli")
                link = invites.deep_link(settings.telegram_bot_username, invite.code) or ""
                print(f"{invite.code}\t{request.organisation}\t{link}".rstrip())
                created.append((invite.code, request))
                tick()
        print(f"{len(requests)} invites created", file=sys.stderr)
        return await _mail(app, settings, created, now) if args.send_email else 0

    return await with_app(settings, work)


async def _mail(
    app: App,
    settings: Settings,
    created: list[tuple[str, invites.InviteRequest]],
    now: datetime,
) -> int:
    """E-mail the invites just created; 1 when any e-mail failed (the invites stay)."""
    for code, request in created:
        if not request.email:
            print(f"{code}: no e-mail address for {request.organisation}", file=sys.stderr)
    addressed = sum(1 for _, request in created if request.email)
    with progress("e-mails sent", addressed) as tick:
        outcomes = await invite_mail.announce(app.store, settings, created, now, tick=tick)
    for outcome in outcomes:
        state = "sent" if outcome.ok else f"failed: {outcome.error}"
        print(f"{outcome.code}: e-mail to {outcome.email} {state}", file=sys.stderr)
    failed = sum(not outcome.ok for outcome in outcomes)
    print(f"{len(outcomes) - failed} of {len(outcomes)} e-mails sent", file=sys.stderr)
    return 1 if failed else 0


async def revoke(args: argparse.Namespace, settings: Settings) -> int:
    """Withdraw an invite code (`/admin invite revoke`)."""
    return await act_in_transaction(
        settings, lambda uow, t, actor: one(revoke_invite(uow, t, actor, args.code))
    )


async def listing(args: argparse.Namespace, settings: Settings) -> int:
    """Print the invites (`/admin invite list`)."""
    return await act_in_transaction(
        settings, lambda uow, t, actor: invite_lines(uow, t, args.consultation), args=args
    )
