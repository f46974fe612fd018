"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage import migrate
from storage.db import create_engine
from storage.models import Base, UTCDateTime


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []
    assert await migrate.is_current(engine)
    await migrate.upgrade(engine)  # idempotent
    assert await migrate.is_current(engine)
    await engine.dispose()


def test_the_newest_revision_read_from_the_files_is_alembics_head() -> None:
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert migrate.newest_revision() == head is not None


UPGRADE = """
import asyncio, sys
from storage import migrate
from storage.db import create_engine
async def main():
    engine = create_engine(sys.argv[1])
    await migrate.upgrade(engine)
    await engine.dispose()
asyncio.run(main())
print(sorted(name for name in ("alembic", "mako") if name in sys.modules))
"""


def upgrade_in_a_process(url: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", UPGRADE, url], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


async def test_a_database_at_the_newest_revision_is_checked_without_loading_alembic(
    database_url: str,
) -> None:
    assert upgrade_in_a_process(database_url) == "[]"
    engine = create_engine(database_url)
    assert await migrate.is_current(engine)
    await engine.dispose()


async def test_a_database_one_revision_behind_is_upgraded_by_alembic(database_url: str) -> None:
    engine = create_engine(database_url)
    head = migrate.newest_revision()

    def downgrade(connection: Connection) -> None:
        config = migrate.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")

    async with engine.begin() as connection:
        await connection.run_sync(downgrade)
    assert not await migrate.is_current(engine)
    assert upgrade_in_a_process(database_url) == "['alembic', 'mako']"
    assert await migrate.is_current(engine)
    async with engine.connect() as connection:
        stored = await connection.execute(text("SELECT version_num FROM alembic_version"))
        assert stored.all() == [(head,)]
    await engine.dispose()


def test_utc_column_rejects_naive_and_normalises_aware() -> None:
    column = UTCDateTime()
    vienna = timezone(timedelta(hours=2))
    stored = column.process_bind_param(datetime(2027, 5, 31, 23, 59, tzinfo=vienna), None)  # type: ignore[arg-type]
    assert stored == datetime(2027, 5, 31, 21, 59)
    assert column.process_result_value(stored, None) == datetime(  # type: ignore[arg-type]
        2027, 5, 31, 21, 59, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="naive datetime"):
        column.process_bind_param(datetime(2027, 5, 31, 23, 59), None)  # type: ignore[arg-type]
