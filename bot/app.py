"""The composition root: builds settings, database, store and engine once, and closes them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.admin import Services, bootstrap
from bot.digest import translate
from config.consultation import Consultation, load_consultations
from config.errors import ConfigError, Problem
from config.settings import DOCX_TEMPLATE_FIX, Settings, redact_url
from handlers.conversation import EngineOptions
from handlers.engine import Engine
from handlers.ports import Clock, FileStore, Outbox, SystemClock
from storage import migrate
from storage.db import create_engine, session_factory
from storage.repositories import Store

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a process needs, built once."""

    settings: Settings
    database: AsyncEngine
    store: Store
    engine: Engine
    clock: Clock
    files: FileStore
    outboxes: dict[str, Outbox] = field(default_factory=dict)
    """Each running channel's outbox by platform; channels add theirs when they start,
    and reminders and digests go out through them."""
    translator: translate.LibreTranslate | None = None
    """The machine translation service of digests (`TRANSLATE_URL`), None when off."""

    async def keep(self, key: str, value: str) -> str:
        """The value kept under `key` (table `kv`), storing `value` when there is none: a
        value generated once for every process, like the Telegram webhook's secret."""
        async with self.store.transaction() as uow:
            return await uow.kv.setdefault(key, value, self.clock.now())

    async def close(self) -> None:
        """Release the database connections (the listener's and the pace's among them) and
        the translation service's client."""
        await self.store.relay.close()
        await self.store.pace.close()
        if self.translator is not None:
            await self.translator.aclose()
        await self.database.dispose()


async def check_database(database: AsyncEngine, url: str) -> None:
    """Fail with one clear message when the database cannot be reached."""
    try:
        async with database.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # Any driver error means the same thing to the operator.
        raise ConfigError(
            [
                Problem(
                    "DATABASE_URL",
                    redact_url(url),
                    f"cannot reach the database ({type(exc).__name__}: {str(exc)[:200]})",
                    "start the database server or correct DATABASE_URL",
                )
            ]
        ) from None


def check_docx_template(settings: Settings) -> None:
    """Fail with one clear message when DIGEST_DOCX_TEMPLATE names a file no digest can be
    written into: missing, not a Word document, or without its placeholders."""
    if settings.digest_docx_template is None:
        return
    from bot.digest import word_template  # lxml loads only when a template is to be checked

    try:
        word_template.check(settings.digest_docx_template)
    except word_template.TemplateError as exc:
        raise ConfigError(
            [Problem("environment", "DIGEST_DOCX_TEMPLATE", str(exc), DOCX_TEMPLATE_FIX)]
        ) from None


async def load_into(store: Store, consultations: list[Consultation], clock: Clock) -> None:
    """Store (or update) validated consultations."""
    async with store.transaction() as uow:
        for consultation in consultations:
            await uow.consultations.upsert(consultation, clock.now())


async def build(
    settings: Settings, *, clock: Clock | None = None, load: bool = True, upgrade: bool = True
) -> App:
    """Validate configuration, reach and migrate the database, load consultations."""
    clock = clock or SystemClock()
    consultations = load_consultations(settings.consultations_path) if load else []
    check_docx_template(settings)
    database = create_engine(settings.database_url)
    try:
        await check_database(database, settings.database_url)
        if upgrade:
            await migrate.upgrade(database)
        store = Store(session_factory(database))
        if consultations:
            await load_into(store, consultations, clock)
        if settings.admin_accounts:
            await bootstrap(store, settings.admin_accounts, clock.now())
    except BaseException:
        await database.dispose()
        raise
    files = FileStore(settings.files_dir)
    outboxes: dict[str, Outbox] = {}
    translator = translate.from_settings(settings)
    services = Services(
        store,
        outboxes,
        clock,
        bot_username=lambda: settings.telegram_bot_username,
        public_url=settings.public_url,
        translator=translator,
        docx_template=settings.digest_docx_template,
    )
    engine = Engine(
        store,
        clock=clock,
        files=files,
        options=EngineOptions(
            max_text_chars=settings.max_text_chars,
            max_document_bytes=settings.max_document_bytes,
        ),
        services=services,
    )
    return App(settings, database, store, engine, clock, files, outboxes, translator)
