"""The console from the command line: a sign-in link for an administrator, and signing
every session out."""

from __future__ import annotations

import argparse

from bot.app import App
from bot.cli.common import act, act_in_transaction, refuse
from bot.console.links import sign_in_url
from config.settings import Settings, parse_admins
from handlers.features.admin.common import Actor
from handlers.features.admin.console import LINK_LIFETIME, issue_link, sign_out_everyone
from handlers.i18n import Translator, translator
from storage.repositories import UnitOfWork


async def link(args: argparse.Namespace, settings: Settings) -> int:
    """Print a one-time sign-in link for an administrator's account."""
    try:
        accounts = parse_admins(args.account)
    except ValueError as exc:
        return refuse(str(exc))
    if len(accounts) != 1:
        return refuse(f"{args.account!r} is not one platform:user_id")
    if not settings.public_url:
        return refuse("set PUBLIC_URL to where `serve` is reached, e.g. https://bot.example.org")
    platform, user_id = accounts[0]

    async def work(app: App, actor: Actor) -> list[str]:
        async with app.store.transaction() as uow:
            token = await issue_link(uow, translator("en"), actor, platform, user_id)
        minutes = int(LINK_LIFETIME.total_seconds() // 60)
        return [
            str(sign_in_url(settings.public_url, token)),
            f"(works once, within {minutes} minutes)",
        ]

    return await act(settings, work)


async def logout(args: argparse.Namespace, settings: Settings) -> int:
    """Sign every console session out."""
    if not args.all:
        return refuse("add --all: every console session is signed out")

    async def work(uow: UnitOfWork, t: Translator, actor: Actor) -> list[str]:
        count = await sign_out_everyone(uow, actor)
        return [f"{count} console session(s) signed out"]

    return await act_in_transaction(settings, work)
