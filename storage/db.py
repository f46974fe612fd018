"""Engine and session factory construction; SQLite gets WAL and foreign keys."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, orm
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import write_gate
from storage.models import STRUCTURE, StructureGeneration


class _NoData(logging.Filter):
    """Drops DEBUG records, which hold the data: aiosqlite's name each statement with its
    parameters, SQLAlchemy's show the rows read."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


_QUIET = _NoData()
_DATA_LOGGERS = ("aiosqlite", "sqlalchemy.engine.Engine")


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for `url`, configured for how we use each database.

    SQL parameters and rows hold answers, names and codes: `hide_parameters` keeps the
    parameters out of the log (`echo` included) and out of every exception's text, and the
    records that show them or the rows read are dropped at every level.
    """
    # No log level may show them, so the loggers drop those records themselves rather than
    # rely on a level that a LOG_LEVEL or an `echo` changes.
    for name in _DATA_LOGGERS:
        logger = logging.getLogger(name)
        if _QUIET not in logger.filters:
            logger.addFilter(_QUIET)
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, echo=echo, hide_parameters=True, connect_args={"timeout": 30}
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        write_gate.install(engine)
        return engine
    return create_async_engine(
        url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10
    )


STRUCTURE_CHANGED = "structure_changed"
"""Key in `Session.info`: this transaction changed a consultation, agenda item or question."""


class Session(orm.Session):
    """A session that records, in the same transaction, any change to the structure."""


@event.listens_for(Session, "before_flush")
def _record_structure_change(session: orm.Session, _context: object, _objects: object) -> None:
    # Every change to consultations, agenda items or questions goes through the ORM; the
    # generation is incremented in the same transaction and commits (or rolls back) with it,
    # so processes that cache the structure see a new generation exactly when the change is
    # visible. The increment is SQL (`generation + 1`): the row lock orders concurrent
    # changes, and each of them counts.
    if session.info.get(STRUCTURE_CHANGED):
        return
    pending = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, STRUCTURE) for obj in pending):
        session.info[STRUCTURE_CHANGED] = True
        now = datetime.now(UTC)
        row = session.get(StructureGeneration, 1)
        if row is None:
            session.add(StructureGeneration(id=1, generation=1, changed_at=now))
        else:
            row.generation = StructureGeneration.generation + 1
            row.changed_at = now


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit and record structure changes."""
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=Session)
