"""The base of every repository, and the codes they make."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Invite code letters: no 0/O or 1/I, so a code read aloud or retyped survives."""


def new_code(length: int = 8) -> str:
    """A random code from the unambiguous alphabet."""
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(length))


class Repository:
    """Base: holds the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _insert(self, table: type[Any]) -> Any:
        """An INSERT with the database's ON CONFLICT clauses (PostgreSQL's or SQLite's)."""
        dialect = self.session.get_bind().dialect.name
        return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)


def changed(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE changed (0 for one that did nothing on
    conflict)."""
    # `Session.execute` is typed as returning a `Result`; DML gives a `CursorResult`.
    return int(getattr(result, "rowcount", 0) or 0)
