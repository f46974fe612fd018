"""The `intersessional` command line as data: each command, its help, its arguments and the
function that runs it; the parser is built from this table."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import logs
from bot.cli import console, consultations, digest, invites, processes, reports, secretariat
from bot.digest import deliver as digest_deliver
from bot.digest import sample
from config.errors import ConfigError
from config.settings import Settings, load_settings
from storage.models import Category

Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


@dataclass(frozen=True)
class Arg:
    """One argument of a command: its name or flags, and `add_argument`'s options."""

    names: tuple[str, ...]
    options: Mapping[str, Any]


def arg(*names: str, **options: Any) -> Arg:
    """An argument, written as it would be given to `ArgumentParser.add_argument`."""
    return Arg(names, options)


@dataclass(frozen=True)
class Command:
    """One command: its help, its arguments, and either its function or its sub-commands."""

    help: str
    run: Handler | None = None
    args: tuple[Arg, ...] = ()
    actions: Mapping[str, Command] = field(default_factory=dict)
    """Sub-commands (`invite create`, `invite list`…), chosen by the word after the command."""


CONSULTATION = arg("--consultation", default=None, help="id (default: the open one)")
ITEM = arg("--item", default=None, help="agenda item number, e.g. 2")

COMMANDS: dict[str, Command] = {
    "run": Command("start every configured channel (the terminal when none is)", processes.run),
    "shell": Command(
        "talk to the bot in the terminal",
        processes.shell,
        (arg("--user", default="terminal", help="who you are in this conversation"),),
    ),
    "serve": Command("the web process on $PORT (/healthz, webhooks)", processes.serve),
    "db": Command("database maintenance", processes.db, (arg("action", choices=["upgrade"]),)),
    "consultations": Command(
        "list, validate or load consultations",
        actions={
            "list": Command("the loaded consultations", consultations.listing),
            "validate": Command(
                "check consultation YAML files", consultations.validate, (arg("path", type=Path),)
            ),
            "load": Command(
                "validate and load consultation YAML files",
                consultations.load,
                (arg("path", type=Path),),
            ),
        },
    ),
    "invite": Command(
        "issue invites",
        actions={
            "create": Command(
                "create one invite",
                invites.create,
                (
                    arg("--org", required=True, help="organisation name"),
                    arg("--category", required=True, help=", ".join(c.value for c in Category)),
                    arg("--country", default="", help="ISO 3166 code or name"),
                    arg("--consultation", default=None, help="consultation id (default: all)"),
                    arg("--max-uses", default="5"),
                    arg("--expires", default=None, help="e.g. 2027-05-31T23:59+02:00"),
                ),
            ),
            "import": Command(
                "create invites from a CSV file",
                invites.import_csv,
                (
                    arg("file", type=Path),
                    arg(
                        "--send-email",
                        action="store_true",
                        help="e-mail each invite with an email column its code and Telegram "
                        "link (SMTP_URL)",
                    ),
                ),
            ),
            "revoke": Command("withdraw an invite code", invites.revoke, (arg("code"),)),
            "list": Command("the invites", invites.listing, (arg("--consultation", default=None),)),
        },
    ),
    "admin": Command(
        "the secretariat's administrators",
        actions={
            "add": Command(
                "add an administrator",
                secretariat.add_admin,
                (arg("account", help="platform:user_id, e.g. telegram:12345"),),
            ),
            "remove": Command(
                "remove an administrator",
                secretariat.remove_admin,
                (arg("account", help="platform:user_id, e.g. telegram:12345"),),
            ),
            "list": Command("the administrators", secretariat.admins),
        },
    ),
    "console": Command(
        "the secretariat's web console (served by `serve` under /console)",
        actions={
            "link": Command(
                "print a one-time sign-in link (PUBLIC_URL) for an administrator",
                console.link,
                (arg("account", help="platform:user_id, e.g. telegram:12345"),),
            ),
            "logout": Command(
                "sign console sessions out",
                console.logout,
                (arg("--all", action="store_true", help="every session"),),
            ),
        },
    ),
    "audit": Command(
        "the audit log",
        secretariat.audit,
        (arg("--since", default=None, help="a date such as 2027-03-01 (UTC)"),),
    ),
    "deadline": Command(
        "extend a consultation's deadline",
        secretariat.deadline,
        (
            arg("action", choices=["extend"]),
            arg("date", help="2027-06-30 (23:59 there) or 2027-06-30T12:00"),
            arg("--consultation", default=None),
        ),
    ),
    "close": Command(
        "close submissions (consultation or agenda item)",
        secretariat.close,
        (arg("--consultation", default=None), ITEM),
    ),
    "reopen": Command(
        "reopen submissions (consultation or agenda item)",
        secretariat.reopen,
        (arg("--consultation", default=None), ITEM),
    ),
    "hide": Command(
        "hide an answer from digests and exports",
        secretariat.hide,
        (arg("answer", type=int), arg("reason")),
    ),
    "unhide": Command("show a hidden answer again", secretariat.unhide, (arg("answer", type=int),)),
    "pending": Command("registrations waiting for approval", secretariat.pending),
    "approve": Command(
        "approve a pending registration", secretariat.approve, (arg("participant", type=int),)
    ),
    "reject": Command(
        "reject a pending registration", secretariat.reject, (arg("participant", type=int),)
    ),
    "broadcast": Command(
        "a message to a consultation's participants",
        secretariat.broadcast,
        (
            arg("message", help="the text to send (quote it)"),
            CONSULTATION,
            arg(
                "--missing-only", action="store_true", help="only participants with answers missing"
            ),
            arg(
                "--yes",
                action="store_true",
                help="send it (without: show the preview, send nothing)",
            ),
        ),
    ),
    "export": Command(
        "export answers",
        reports.export_answers,
        (
            arg("--format", choices=["json", "csv", "xlsx"], default="json"),
            arg("--consultation", default=None),
            arg("--out", type=Path, default=None),
            arg("--published", action="store_true", help="only what may be published"),
        ),
    ),
    "stats": Command(
        "participation figures", reports.figures, (arg("--consultation", default=None),)
    ),
    "remind": Command(
        "send the reminders due now",
        reports.remind,
        (arg("--dry-run", action="store_true", help="list them and send nothing"),),
    ),
    "digest": Command(
        "the secretariat's digest of a consultation: a file per format",
        digest.digest,
        (
            CONSULTATION,
            arg(
                "--format",
                action="append",
                default=None,
                help=f"{', '.join(digest_deliver.FORMATS)}, or several separated by commas "
                "(default: every format)",
            ),
            arg("--out", default=None, help="one file for one format; - for standard output"),
            arg(
                "--out-dir",
                type=Path,
                default=None,
                help="the folder of the files (default: the working directory)",
            ),
            arg(
                "--since",
                default=None,
                help="mark answers new since this date (default: last digest)",
            ),
            arg("--states-parties", default=None, help="States parties at the dialogue"),
            arg("--igos", default=None, help="intergovernmental organizations at the dialogue"),
            arg(
                "--attendance",
                default=None,
                help="stakeholders at the dialogue by category, e.g. "
                "ngo=69,academia=2,private_sector=4",
            ),
            arg(
                "--send",
                action="store_true",
                help="also deliver it to the consultation's destinations",
            ),
        ),
    ),
    "seed-demo": Command(
        "store invented sample answers to try the digest",
        reports.seed_demo,
        (arg("--consultation", default=sample.CONSULTATION),),
    ),
}
"""Every command of `intersessional`, in the order `--help` lists them."""


def _add(parser: argparse.ArgumentParser, command: Command) -> None:
    for argument in command.args:
        parser.add_argument(*argument.names, **argument.options)
    if command.actions:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, action in command.actions.items():
            _add(sub.add_parser(name, help=action.help), action)


def parser() -> argparse.ArgumentParser:
    """The argument parser of `COMMANDS`."""
    built = argparse.ArgumentParser(
        prog="intersessional",
        description="Collect stakeholder inputs between intergovernmental meetings.",
    )
    sub = built.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        _add(sub.add_parser(name, help=command.help), command)
    return built


def handler(args: argparse.Namespace) -> Handler:
    """The function of the command (or sub-command) the arguments name."""
    command = COMMANDS[args.command]
    if command.actions:
        command = command.actions[args.action]
    assert command.run is not None, "a command without sub-commands has a function"
    return command.run


def _converses(args: argparse.Namespace, settings: Settings) -> bool:
    """Whether the terminal channel holds the conversation: `shell`, or `run` with no
    platform configured. The terminal then shows the conversation only; the log goes to a
    file (`bot.logs.destination`)."""
    return args.command == "shell" or (
        args.command == "run" and not settings.has_telegram and not settings.has_slack
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        logs.configure(settings, conversation=_converses(args, settings))
        return asyncio.run(handler(args)(args, settings))
    except ConfigError as exc:
        print("intersessional: configuration problem", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
