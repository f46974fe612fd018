"""Alembic environment: runs on the connection storage.migrate hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import storage.console_models  # noqa: F401 - its tables join Base.metadata
from storage.models import Base
from storage.translations import Translation  # noqa: F401 - its table in the metadata

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `intersessional db upgrade`")
_run(connection)
