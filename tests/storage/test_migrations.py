"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
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
