"""The `intersessional` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot import export, invites, runtime, stats
from bot.app import App, build
from config.consultation import load_consultations, missing_translations
from config.errors import ConfigError
from config.settings import Settings, load_settings
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

    exporter = sub.add_parser("export", help="export answers")
    exporter.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
    exporter.add_argument("--consultation", default=None)
    exporter.add_argument("--out", type=Path, default=None)
    exporter.add_argument("--published", action="store_true", help="only what may be published")

    stats_parser = sub.add_parser("stats", help="participation figures")
    stats_parser.add_argument("--consultation", default=None)
    return parser


async def _with_app(
    settings: Settings, work: Callable[[App], Awaitable[int]], *, load: bool = True
) -> int:
    app = await build(settings, load=load)
    try:
        return await work(app)
    finally:
        await app.close()


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the configured channels; with none configured, the terminal."""
    return await _with_app(settings, runtime.run)


async def cmd_shell(args: argparse.Namespace, settings: Settings) -> int:
    """Talk to the bot on stdin/stdout."""

    async def work(app: App) -> int:
        return await runtime.shell(app, user=args.user)

    return await _with_app(settings, work)


async def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve HTTP on $PORT."""
    return await _with_app(settings, runtime.serve)


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
        for request in requests:
            invite = await invites.create(app.store, request, now=now, actor="cli")
            link = invites.deep_link(settings.telegram_bot_username, invite.code) or ""
            print(f"{invite.code}\t{request.organisation}\t{link}".rstrip())
        print(f"{len(requests)} invites created", file=sys.stderr)
        return 0

    return await _with_app(settings, work)


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Export answers."""

    async def work(app: App) -> int:
        data = await export.rows(
            app.store, consultation=args.consultation, published=args.published
        )
        content = export.render(data, args.format)
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


COMMANDS: dict[str, Handler] = {
    "run": cmd_run,
    "shell": cmd_shell,
    "serve": cmd_serve,
    "db": cmd_db,
    "consultations": cmd_consultations,
    "invite": cmd_invite,
    "export": cmd_export,
    "stats": cmd_stats,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(
            level=settings.log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        logging.getLogger("alembic").setLevel(logging.WARNING)
        return asyncio.run(COMMANDS[args.command](args, settings))
    except ConfigError as exc:
        print("intersessional: configuration problem", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
