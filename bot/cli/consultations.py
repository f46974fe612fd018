"""`consultations list|validate|load`: the consultations loaded, and checking or loading YAML."""

from __future__ import annotations

import argparse

from bot.app import App, load_into
from bot.cli.common import with_app
from config.consultation import load_consultations, missing_translations
from config.settings import Settings


async def listing(args: argparse.Namespace, settings: Settings) -> int:
    """Print the loaded consultations: id, window, English title."""

    async def work(app: App) -> int:
        async with app.store.transaction() as uow:
            for row in await uow.consultations.rows():
                title = row.definition.get("title", {}).get("en", "")
                window = f"{row.opens_at:%Y-%m-%d} → {row.effective_deadline:%Y-%m-%d %H:%M} UTC"
                print(f"{row.id}\t{window}\t{title}")
        return 0

    return await with_app(settings, work)


async def validate(args: argparse.Namespace, settings: Settings) -> int:
    """Check consultation YAML files, and say what falls back to English."""
    for consultation in load_consultations(args.path, named_by="the command line"):
        print(f"{consultation.id}: valid")
        for language, count in missing_translations(consultation).items():
            print(f"  {count} texts fall back to English in {language}")
    return 0


async def load(args: argparse.Namespace, settings: Settings) -> int:
    """Validate consultation YAML files and load them."""
    found = load_consultations(args.path, named_by="the command line")

    async def work(app: App) -> int:
        await load_into(app.store, found, app.clock)
        for consultation in found:
            print(f"loaded {consultation.id}")
        return 0

    return await with_app(settings, work, load=False)
