"""Apply Alembic migrations to the configured database.

Alembic (with Mako) is imported only when there is something to migrate or to ask it: a
process starting on a database already at the newest revision — every start but the first
after a release — reads the stored revision with one query and compares it with the newest
one named in the migration files, and never loads it (about 10 MB a process).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_ASSIGNED = re.compile(r"^(down_revision|revision)\s*(?::[^=\n]*)?=\s*(.+)$", re.MULTILINE)


def alembic_config() -> Config:
    """An Alembic configuration pointing at our migrations, independent of the cwd."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def newest_revision() -> str | None:
    """The one head revision, read from the `revision` and `down_revision` lines of the
    migration files without Alembic; None when they do not name exactly one head."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        assigned = dict(_ASSIGNED.findall(path.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(assigned["revision"])
            down = ast.literal_eval(assigned.get("down_revision", "None"))
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        parents.update([down] if isinstance(down, str) else down or ())
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _upgrade(connection: Connection) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def _stored_revision(engine: AsyncEngine) -> str | None:
    """The revision recorded in the database; None when there is none, or not one."""
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    except Exception:  # No table yet (a new database), or unreadable: Alembic decides.
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the database to the newest revision (without loading Alembic when it is)."""
    head = newest_revision()
    if head is not None and await _stored_revision(engine) == head:
        return
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def is_current(engine: AsyncEngine) -> bool:
    """True when the database is at the newest revision."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    async with engine.connect() as connection:
        return await connection.run_sync(_current) == head
