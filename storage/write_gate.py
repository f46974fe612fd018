"""One writer at a time on SQLite, in the order they asked: the write gate.

SQLite lets one connection write at a time. A connection that finds the database locked
waits in SQLite's busy handler, which sleeps 1, 2, 5, 10, … up to 100 ms between looks and
serves nobody in order: with the webhook's inserts, four workers' units of work and the
sender's marks all writing, an insert of one row waited up to a second (p99 958 ms in
`bench/telegram.py`, docs/performance.md) while the database was free most of that time.

The gate is an `asyncio.Lock` per engine (locks serve waiters first come, first served): a
connection takes it just before its first INSERT, UPDATE, DELETE or REPLACE of a transaction
— where the driver itself begins the transaction — and gives it back once the transaction
has committed or rolled back, or when the connection is closed or dropped. A
waiting writer is then woken the moment the one before it ends, and never sleeps in SQLite's
busy handler (which stays, with its 30 s timeout, for other processes such as a command run
beside the bot). Reads take no gate: with WAL they never wait for a writer.

Only asyncio connections are gated (`AdaptedConnection.run_async` awaits the lock from the
driver's synchronous side).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, ExecutionContext
from sqlalchemy.ext.asyncio import AsyncEngine

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
"""The statements before which the SQLite driver begins a transaction (and so takes the
database's write lock)."""


class NestedWrite(RuntimeError):
    """A task that writes on one connection began writing on another: it would wait for
    itself."""


class WriteGate:
    """Lets one connection of an engine write at a time, in the order they asked."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._holder: Any = None
        self._task: asyncio.Task[Any] | None = None
        self.waits = 0
        """How many writes found the gate taken (a test reads it)."""

    async def _enter(self, dbapi_connection: Any) -> None:
        task = asyncio.current_task()
        if self._holder is not None and self._task is task:
            raise NestedWrite(
                "this task already writes on another connection; SQLite would make it wait "
                "for itself"
            )
        if self._lock.locked():
            self.waits += 1
        await self._lock.acquire()
        self._holder, self._task = dbapi_connection, task

    def enter(self, dbapi_connection: Any) -> None:
        """Wait for the gate (from the driver's synchronous side), unless `dbapi_connection`
        holds it already."""
        if self._holder is dbapi_connection:
            return
        dbapi_connection.run_async(lambda _driver: self._enter(dbapi_connection))

    def leave(self, dbapi_connection: Any) -> None:
        """Give the gate back if `dbapi_connection` holds it."""
        if dbapi_connection is not None and self._holder is dbapi_connection:
            self._holder = self._task = None
            self._lock.release()


_GATES: weakref.WeakKeyDictionary[Any, WriteGate] = weakref.WeakKeyDictionary()
"""Each gated engine's gate (by its synchronous engine)."""


def install(engine: AsyncEngine) -> WriteGate:
    """Gate the writes of `engine`'s connections (SQLite); the gate."""
    gate = WriteGate()
    sync_engine = engine.sync_engine
    _GATES[sync_engine] = gate

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(
        connection: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: ExecutionContext | None,
        _executemany: bool,
    ) -> None:
        if not statement.lstrip()[:7].upper().startswith(WRITES):
            return
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # Each statement commits by itself: nothing to give the gate back at.
        gate.enter(connection.connection.dbapi_connection)

    # The gate is given back once the driver's COMMIT or ROLLBACK is done, not at the
    # `commit` event, which comes before it: the next writer must find SQLite's lock free.
    # The dialect's own `do_commit` and `do_rollback` (the rollback of a connection going
    # back to the pool included) end every transaction, so they are wrapped, on this
    # engine's dialect alone.
    dialect = sync_engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            gate.leave(_driver_side(dbapi_connection))

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            gate.leave(_driver_side(dbapi_connection))

    setattr(dialect, "do_commit", do_commit)  # noqa: B010  # an instance's, not the class's
    setattr(dialect, "do_rollback", do_rollback)  # noqa: B010

    # A connection closed or dropped in a transaction gives it back too.
    @event.listens_for(sync_engine.pool, "checkin")
    @event.listens_for(sync_engine.pool, "close")
    @event.listens_for(sync_engine.pool, "detach")
    @event.listens_for(sync_engine.pool, "invalidate")
    def _released(dbapi_connection: Any, *_: Any) -> None:
        gate.leave(dbapi_connection)

    return gate


def gate_of(engine: AsyncEngine) -> WriteGate | None:
    """The gate of `engine` (None: its writes are not gated)."""
    return _GATES.get(engine.sync_engine)


def _driver_side(connection: Any) -> Any:
    """The adapted DBAPI connection, from the pool's proxy of it or from itself."""
    return getattr(connection, "dbapi_connection", connection)
