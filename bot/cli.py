"""The `intersessional` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import export, invite_mail, invites, logs, reminders, runtime, shutdown, stats
from bot.app import App, build
from bot.digest import deliver as digest_deliver
from bot.digest import period as digest_period
from bot.digest import sample
from bot.digest import schedule as digest_schedule
from bot.shutdown import Stop
from config.consultation import load_consultations, missing_translations
from config.errors import ConfigError
from config.settings import Settings, load_settings
from handlers.features import admin as actions
from handlers.i18n import translator
from storage.models import Category

log = logging.getLogger("intersessional")

Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="intersessional",
        description="Collect stakeholder inputs between intergovernmental meetings.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="start every configured channel (the terminal when none is)")
    shell = sub.add_parser("shell", help="talk to the bot in the terminal")
    shell.add_argument("--user", default="terminal", help="who you are in this conversation")
    sub.add_parser("serve", help="the web process on $PORT (/healthz, webhooks)")

    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])

    consultations = sub.add_parser("consultations", help="list, validate or load consultations")
    consultations_sub = consultations.add_subparsers(dest="action", required=True)
    consultations_sub.add_parser("list", help="the loaded consultations")
    validate = consultations_sub.add_parser("validate", help="check consultation YAML files")
    validate.add_argument("path", type=Path)
    load = consultations_sub.add_parser("load", help="validate and load consultation YAML files")
    load.add_argument("path", type=Path)

    invite = sub.add_parser("invite", help="issue invites")
    invite_sub = invite.add_subparsers(dest="action", required=True)
    create = invite_sub.add_parser("create", help="create one invite")
    create.add_argument("--org", required=True, help="organisation name")
    create.add_argument("--category", required=True, help=", ".join(c.value for c in Category))
    create.add_argument("--country", default="", help="ISO 3166 code or name")
    create.add_argument("--consultation", default=None, help="consultation id (default: all)")
    create.add_argument("--max-uses", default="5")
    create.add_argument("--expires", default=None, help="e.g. 2027-05-31T23:59+02:00")
    importer = invite_sub.add_parser("import", help="create invites from a CSV file")
    importer.add_argument("file", type=Path)
    importer.add_argument(
        "--send-email",
        action="store_true",
        help="e-mail each invite with an email column its code and Telegram link (SMTP_URL)",
    )
    revoke = invite_sub.add_parser("revoke", help="withdraw an invite code")
    revoke.add_argument("code")
    listing = invite_sub.add_parser("list", help="the invites")
    listing.add_argument("--consultation", default=None)

    admins = sub.add_parser("admin", help="the secretariat's administrators")
    admins_sub = admins.add_subparsers(dest="action", required=True)
    for verb in ("add", "remove"):
        account = admins_sub.add_parser(verb, help=f"{verb} an administrator")
        account.add_argument("account", help="platform:user_id, e.g. telegram:12345")
    admins_sub.add_parser("list", help="the administrators")

    audit = sub.add_parser("audit", help="the audit log")
    audit.add_argument("--since", default=None, help="a date such as 2027-03-01 (UTC)")

    deadline = sub.add_parser("deadline", help="extend a consultation's deadline")
    deadline.add_argument("action", choices=["extend"])
    deadline.add_argument("date", help="2027-06-30 (23:59 there) or 2027-06-30T12:00")
    deadline.add_argument("--consultation", default=None)
    for verb in ("close", "reopen"):
        closing = sub.add_parser(verb, help=f"{verb} submissions (consultation or agenda item)")
        closing.add_argument("--consultation", default=None)
        closing.add_argument("--item", default=None, help="agenda item number, e.g. 2")
    hide = sub.add_parser("hide", help="hide an answer from digests and exports")
    hide.add_argument("answer", type=int)
    hide.add_argument("reason")
    unhide = sub.add_parser("unhide", help="show a hidden answer again")
    unhide.add_argument("answer", type=int)
    sub.add_parser("pending", help="registrations waiting for approval")
    for verb in ("approve", "reject"):
        decision = sub.add_parser(verb, help=f"{verb} a pending registration")
        decision.add_argument("participant", type=int)

    broadcast = sub.add_parser("broadcast", help="a message to a consultation's participants")
    broadcast.add_argument("message", help="the text to send (quote it)")
    broadcast.add_argument("--consultation", default=None, help="id (default: the open one)")
    broadcast.add_argument(
        "--missing-only", action="store_true", help="only participants with answers missing"
    )
    broadcast.add_argument(
        "--yes", action="store_true", help="send it (without: show the preview, send nothing)"
    )

    exporter = sub.add_parser("export", help="export answers")
    exporter.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
    exporter.add_argument("--consultation", default=None)
    exporter.add_argument("--out", type=Path, default=None)
    exporter.add_argument("--published", action="store_true", help="only what may be published")

    stats_parser = sub.add_parser("stats", help="participation figures")
    stats_parser.add_argument("--consultation", default=None)

    remind = sub.add_parser("remind", help="send the reminders due now")
    remind.add_argument("--dry-run", action="store_true", help="list them and send nothing")

    digest = sub.add_parser("digest", help="the secretariat's digest of a consultation")
    digest.add_argument("--consultation", default=None, help="id (default: the open one)")
    digest.add_argument("--format", choices=list(digest_deliver.FORMATS), default="md")
    digest.add_argument("--out", type=Path, default=None)
    digest.add_argument(
        "--since", default=None, help="mark answers new since this date (default: last digest)"
    )
    digest.add_argument(
        "--send", action="store_true", help="also deliver it to the consultation's destinations"
    )

    seed = sub.add_parser("seed-demo", help="store invented sample answers to try the digest")
    seed.add_argument("--consultation", default=sample.CONSULTATION)
    return parser


async def _with_app(
    settings: Settings,
    work: Callable[[App], Awaitable[int]],
    *,
    load: bool = True,
    sending: bool = False,
) -> int:
    app = await build(settings, load=load)
    try:
        if not sending:
            return await work(app)
        # A command that writes to participants needs the platforms' outboxes, which only
        # the long-running processes would otherwise register.
        async with runtime.sending_channels(app):
            return await work(app)
    finally:
        await app.close()


async def _until_stopped(settings: Settings, work: Callable[[App, Stop], Awaitable[int]]) -> int:
    """Run a long-running command; SIGINT and SIGTERM ask it to stop (`bot.shutdown`).

    The handlers are installed before the application is built, so a signal during start-up
    also ends in an orderly stop; the last line logged says the database is closed.
    """
    with shutdown.on_signals() as stop:
        code = await _with_app(settings, lambda app: work(app, stop))
    if stop.signum is not None:
        log.info("stopped (%s)", stop.signum.name)
    return code


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the configured channels; with none configured, the terminal."""
    return await _until_stopped(settings, lambda app, stop: runtime.run(app, stop=stop))


async def cmd_shell(args: argparse.Namespace, settings: Settings) -> int:
    """Talk to the bot on stdin/stdout."""

    async def work(app: App, stop: Stop) -> int:
        return await runtime.shell(app, user=args.user, stop=stop)

    return await _until_stopped(settings, work)


async def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve HTTP on $PORT."""
    return await _until_stopped(settings, lambda app, stop: runtime.serve(app, stop=stop))


async def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    """Apply migrations."""

    async def work(app: App) -> int:
        print("database is at the newest revision")
        return 0

    return await _with_app(settings, work, load=False)


async def cmd_consultations(args: argparse.Namespace, settings: Settings) -> int:
    """List, validate or load consultations."""
    if args.action == "validate":
        found = load_consultations(args.path)
        for consultation in found:
            print(f"{consultation.id}: valid")
            for language, count in missing_translations(consultation).items():
                print(f"  {count} texts fall back to English in {language}")
        return 0
    if args.action == "load":
        found = load_consultations(args.path)

        async def load(app: App) -> int:
            from bot.app import load_into

            await load_into(app.store, found, app.clock)
            for consultation in found:
                print(f"loaded {consultation.id}")
            return 0

        return await _with_app(settings, load, load=False)

    async def listing(app: App) -> int:
        async with app.store.transaction() as uow:
            for row in await uow.consultations.rows():
                title = row.definition.get("title", {}).get("en", "")
                window = f"{row.opens_at:%Y-%m-%d} → {row.effective_deadline:%Y-%m-%d %H:%M} UTC"
                print(f"{row.id}\t{window}\t{title}")
        return 0

    return await _with_app(settings, listing)


async def cmd_invite(args: argparse.Namespace, settings: Settings) -> int:
    """Create invites."""

    if args.action in ("revoke", "list"):
        t = translator("en")

        async def mirror(app: App, actor: actions.Actor) -> list[str]:
            async with app.store.transaction() as uow:
                if args.action == "revoke":
                    return [await actions.revoke_invite(uow, t, actor, args.code)]
                return await actions.invite_lines(uow, t, args.consultation)

        return await _act(settings, mirror)

    async def work(app: App) -> int:
        now = app.clock.now()
        if args.action == "create":
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
                invite = await invites.create(app.store, request, now=now, actor="cli")
            except ValueError as exc:
                print(f"intersessional: {exc}", file=sys.stderr)
                return 2
            print(invite.code)
            link = invites.deep_link(settings.telegram_bot_username, invite.code)
            if link:
                print(link)
            return 0
        try:
            text = args.file.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            print(f"intersessional: {args.file}: no such file", file=sys.stderr)
            return 2
        except UnicodeDecodeError:
            print(
                f"intersessional: {args.file}: not UTF-8 text; save the CSV as UTF-8 "
                "(in Excel: CSV UTF-8)",
                file=sys.stderr,
            )
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
        mailing = bool(getattr(args, "send_email", False))
        if mailing and (unready := invite_mail.unconfigured(settings)):
            print(f"intersessional: {unready}; no invites were created", file=sys.stderr)
            return 2
        created = []
        for request in requests:
            invite = await invites.create(app.store, request, now=now, actor="cli")
            link = invites.deep_link(settings.telegram_bot_username, invite.code) or ""
            print(f"{invite.code}\t{request.organisation}\t{link}".rstrip())
            created.append((invite.code, request))
        print(f"{len(requests)} invites created", file=sys.stderr)
        return await _mail_invites(app, settings, created, now) if mailing else 0

    return await _with_app(settings, work)


async def _mail_invites(
    app: App,
    settings: Settings,
    created: list[tuple[str, invites.InviteRequest]],
    now: datetime,
) -> int:
    """E-mail the invites just created; 1 when any e-mail failed (the invites stay)."""
    for code, request in created:
        if not request.email:
            print(f"{code}: no e-mail address for {request.organisation}", file=sys.stderr)
    outcomes = await invite_mail.announce(app.store, settings, created, now)
    for outcome in outcomes:
        state = "sent" if outcome.ok else f"failed: {outcome.error}"
        print(f"{outcome.code}: e-mail to {outcome.email} {state}", file=sys.stderr)
    failed = sum(not outcome.ok for outcome in outcomes)
    print(f"{len(outcomes) - failed} of {len(outcomes)} e-mails sent", file=sys.stderr)
    return 1 if failed else 0


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Export answers."""

    async def work(app: App) -> int:
        data = await export.rows(
            app.store, consultation=args.consultation, published=args.published
        )
        content = export.render(data, args.format, published=args.published)
        if args.out:
            args.out.write_bytes(content)
            print(f"{len(data)} answers written to {args.out}", file=sys.stderr)
        elif args.format == "xlsx":
            print("intersessional: --format xlsx needs --out FILE", file=sys.stderr)
            return 2
        else:
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
        return 0

    return await _with_app(settings, work)


async def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    """Print participation figures."""

    async def work(app: App) -> int:
        try:
            figures = await stats.collect(app.store, args.consultation)
        except ValueError as exc:
            print(f"intersessional: {exc}", file=sys.stderr)
            return 2
        for entry in figures:
            print("\n".join(entry.lines()))
        return 0

    return await _with_app(settings, work)


async def cmd_remind(args: argparse.Namespace, settings: Settings) -> int:
    """Send (or list) the reminders due now."""

    async def work(app: App) -> int:
        report = await reminders.sweep(app.store, app.outboxes, app.clock, dry_run=args.dry_run)
        for due in report.due:
            channel = due.recipient.channels[0].platform if due.recipient.channels else "-"
            print(
                f"{due.action.value}\t{due.consultation.id}\t{due.recipient.organisation}"
                f"\tparticipant {due.recipient.participant_id}"
                f"\tdue {due.slot.due_at:%Y-%m-%d %H:%M} UTC"
                f"\t{_offset(due.slot.offset.total_seconds())} before the deadline\t{channel}"
            )
        summary = report.summary()
        if args.dry_run:
            summary = "dry run, nothing was sent; " + summary.replace("sent:", "to send:", 1)
        print(summary, file=sys.stderr)
        return 0

    return await _with_app(settings, work, sending=not args.dry_run)


def _offset(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{rest // 60}m" if rest else "",
    ]
    return "".join(parts) or "0m"


def _since(value: str, zone: ZoneInfo) -> datetime:
    """A --since value: a date (its midnight) or a date-time, in the consultation's zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--since {value!r} is not a date such as 2027-03-01") from None
    if len(value) <= 10:
        moment = datetime.combine(date.fromisoformat(value), time(0))
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


async def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    """Build the digest of a consultation, write it, and optionally deliver it."""

    async def work(app: App) -> int:
        now = app.clock.now()
        async with app.store.transaction() as uow:
            rows = list(await uow.consultations.rows())
        if args.consultation is None:
            open_ones = [
                r for r in rows if not r.closed and r.opens_at <= now < r.effective_deadline
            ]
            if len(open_ones) != 1:
                ids = ", ".join(r.id for r in rows)
                print(
                    f"intersessional: name the consultation with --consultation ({ids})",
                    file=sys.stderr,
                )
                return 2
            args.consultation = open_ones[0].id
        row = next((r for r in rows if r.id == args.consultation), None)
        if row is None:
            print(
                f"intersessional: no consultation with id {args.consultation!r} is loaded",
                file=sys.stderr,
            )
            return 2
        try:
            since = _since(args.since, ZoneInfo(row.timezone)) if args.since else None
        except ValueError as exc:
            print(f"intersessional: {exc}", file=sys.stderr)
            return 2
        digest = await digest_period.next_digest(app.store, row.id, now=now, since=since)
        document = digest_deliver.document(digest, args.format)
        out = args.out
        if out is None and args.format in ("docx", "xlsx"):
            out = Path(document.filename)
        if out is not None:
            out.write_bytes(document.content)
            print(f"{digest.label} of {row.id} written to {out}", file=sys.stderr)
        else:
            sys.stdout.buffer.write(document.content)
            sys.stdout.flush()
        if not args.send:  # A digest sent records its period as it is sent.
            target = str(out) if out is not None else "standard output"
            await digest_period.record_written(app.store, digest, target=target, now=now)
            return 0
        run = await digest_schedule.send(
            app.store,
            app.outboxes,
            app.clock,
            settings,
            row.id,
            occasion=digest_schedule.Occasion.MANUAL,
            due_at=now,
            since=since,
        )
        if run.status is None:
            print("intersessional: this digest was just sent by another process", file=sys.stderr)
            return 1
        if not run.outcomes:
            print("no destinations are configured for this consultation", file=sys.stderr)
        for outcome in run.outcomes:
            result = "sent" if outcome.ok else f"FAILED ({outcome.error})"
            tries = "1 try" if outcome.attempts == 1 else f"{outcome.attempts} tries"
            print(
                f"{outcome.kind} {outcome.target}: {result} after {tries}",
                file=sys.stderr,
            )
        return 0 if all(outcome.ok for outcome in run.outcomes) else 1

    return await _with_app(settings, work, sending=args.send)


async def cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Store the invented sample stakeholders and answers."""

    async def work(app: App) -> int:
        try:
            report = await sample.seed(
                app.store, now=app.clock.now(), consultation_id=args.consultation
            )
        except LookupError as exc:
            print(f"intersessional: {exc}", file=sys.stderr)
            return 2
        print(
            f"{report.organisations} organisations, {report.participants} participants, "
            f"{report.answers} answers and {report.submissions} submissions stored"
            + (
                f"; {len(report.skipped)} organisations were already there"
                if report.skipped
                else ""
            )
        )
        return 0

    return await _with_app(settings, work)


def _cli_actor(app: App) -> actions.Actor:
    return actions.Actor("cli", "cli", app.clock.now())


async def _act(
    settings: Settings,
    work: Callable[[App, actions.Actor], Awaitable[list[str]]],
    *,
    sending: bool = False,
) -> int:
    """Run one admin action in a transaction; its lines to stdout, a refusal to stderr.

    With `sending`, the platforms' outboxes are registered so the action can write to
    participants.
    """

    async def go(app: App) -> int:
        try:
            lines = await work(app, _cli_actor(app))
        except actions.AdminError as exc:
            print(f"intersessional: {exc}", file=sys.stderr)
            return 2
        for line in lines:
            print(line)
        return 0

    return await _with_app(settings, go, sending=sending)


def _account(value: str) -> tuple[str, str]:
    from config.settings import parse_admins

    accounts = parse_admins(value)
    if len(accounts) != 1:
        raise ValueError(f"{value!r} is not one platform:user_id")
    return accounts[0]


async def cmd_admin(args: argparse.Namespace, settings: Settings) -> int:
    """Add, remove or list administrators."""
    if args.action in ("add", "remove"):
        try:
            platform, user_id = _account(args.account)
        except ValueError as exc:
            print(f"intersessional: {exc}", file=sys.stderr)
            return 2

    async def work(app: App, actor: actions.Actor) -> list[str]:
        async with app.store.transaction() as uow:
            if args.action == "list":
                return [
                    f"{a.platform}:{a.user_id}\tadded by {a.added_by}"
                    f"\t{a.created_at:%Y-%m-%d %H:%M} UTC"
                    for a in await uow.admins.all()
                ]
            if args.action == "add":
                changed = await uow.admins.add(
                    platform, user_id, added_by=actor.name, now=actor.now
                )
            else:
                changed = await uow.admins.remove(platform, user_id)
            if not changed:
                raise actions.AdminError(
                    f"{platform}:{user_id} "
                    + (
                        "is already an administrator"
                        if args.action == "add"
                        else "is no administrator"
                    )
                )
            uow.audit.record(
                actor=actor.name,
                action=f"admin.{'added' if args.action == 'add' else 'removed'}",
                channel=actor.channel,
                now=actor.now,
                platform=platform,
                user_id=user_id,
            )
            return [f"{platform}:{user_id} {'added' if args.action == 'add' else 'removed'}"]

    return await _act(settings, work)


async def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Print the audit log."""
    try:
        since = _since(args.since, ZoneInfo("UTC")) if args.since else None
    except ValueError as exc:
        print(f"intersessional: {exc}", file=sys.stderr)
        return 2

    async def work(app: App, actor: actions.Actor) -> list[str]:
        async with app.store.transaction() as uow:
            return [
                f"{e.at:%Y-%m-%d %H:%M:%S} UTC\t{e.actor}\t{e.channel}\t{e.action}"
                + "".join(f"\t{k}={v}" for k, v in e.detail.items() if v is not None)
                for e in await uow.audit.since(since)
            ]

    return await _act(settings, work)


async def cmd_mirror(args: argparse.Namespace, settings: Settings) -> int:
    """The secretariat's chat actions on the command line."""
    t = translator("en")

    async def work(app: App, actor: actions.Actor) -> list[str]:
        async with app.store.transaction() as uow:
            command = args.command
            if command == "deadline":
                row = await actions.consultation(uow, t, args.consultation, actor.now)
                when = actions.parse_deadline(t, args.date, ZoneInfo(row.timezone))
                return [await actions.extend_deadline(uow, t, actor, row, when)]
            if command in ("close", "reopen"):
                row = await actions.consultation(uow, t, args.consultation, actor.now)
                said = await actions.set_closed(
                    uow, t, actor, row, args.item, closed=command == "close"
                )
                return [said]
            if command in ("hide", "unhide"):
                reason = args.reason if command == "hide" else None
                return [await actions.hide_answer(uow, t, actor, args.answer, reason)]
            if command == "pending":
                return [
                    f"{p.id}\t{p.organisation.name if p.organisation else '-'}"
                    for p in await uow.participants.pending()
                ]
            said, notice = await actions.decide(
                uow, t, actor, args.participant, approve=command == "approve"
            )
        services = app.engine.services
        if services is not None:
            counts = await services.send([notice])
            said += (
                " The participant was told."
                if counts.delivered
                else " They will see the decision when they next write."
            )
        return [said]

    return await _act(settings, work, sending=args.command in ("approve", "reject"))


async def cmd_broadcast(args: argparse.Namespace, settings: Settings) -> int:
    """`/admin broadcast` on the command line: a preview, or with --yes the sending."""
    t = translator("en")
    text = args.message.strip()

    async def work(app: App) -> int:
        actor = _cli_actor(app)
        try:
            if not text:
                raise actions.AdminError(t._("Please add the message to send."))
            async with app.store.transaction() as uow:
                row = await actions.consultation(uow, t, args.consultation, actor.now)
                reached = await actions.audience(uow, row.id, only_missing=args.missing_only)
                messages = actions.broadcast_messages(reached, text)
                if args.yes:
                    actions.record_broadcast(
                        uow,
                        actor,
                        row.id,
                        missing=args.missing_only,
                        recipients=len(messages),
                        text=text,
                    )
        except actions.AdminError as exc:
            print(f"intersessional: {exc}", file=sys.stderr)
            return 2
        preview = t.n_(
            "This message will go to {count} participant of {id}:",
            "This message will go to {count} participants of {id}:",
            len(messages),
            id=row.id,
        )
        if not args.yes:
            print(f"{preview}\n\n{text}")
            print("Nothing was sent; add --yes to send it.", file=sys.stderr)
            return 0
        services = app.engine.services
        if services is None:  # build() always wires them; a partial App would not.
            print("intersessional: sending is not available", file=sys.stderr)
            return 1
        counts = await services.send(messages)
        print(actions.counts_text(t, counts, len(messages)))
        return 1 if counts.failed else 0

    return await _with_app(settings, work, sending=args.yes)


COMMANDS: dict[str, Handler] = {
    "run": cmd_run,
    "shell": cmd_shell,
    "serve": cmd_serve,
    "db": cmd_db,
    "consultations": cmd_consultations,
    "invite": cmd_invite,
    "export": cmd_export,
    "stats": cmd_stats,
    "remind": cmd_remind,
    "digest": cmd_digest,
    "seed-demo": cmd_seed_demo,
    "admin": cmd_admin,
    "audit": cmd_audit,
    "deadline": cmd_mirror,
    "close": cmd_mirror,
    "reopen": cmd_mirror,
    "hide": cmd_mirror,
    "unhide": cmd_mirror,
    "pending": cmd_mirror,
    "approve": cmd_mirror,
    "reject": cmd_mirror,
    "broadcast": cmd_broadcast,
}


def _converses(args: argparse.Namespace, settings: Settings) -> bool:
    """Whether the terminal channel holds the conversation: `shell`, or `run` with no
    platform configured. The terminal then shows the conversation only; the log goes to a
    file (`bot.logs.destination`)."""
    return args.command == "shell" or (
        args.command == "run" and not settings.has_telegram and not settings.has_slack
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        logs.configure(settings, conversation=_converses(args, settings))
        return asyncio.run(COMMANDS[args.command](args, settings))
    except ConfigError as exc:
        print("intersessional: configuration problem", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
