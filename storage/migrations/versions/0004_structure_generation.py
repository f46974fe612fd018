"""structure generation (tells a process its cached structure is stale); processed updates
found by age, to forget old ones

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 08:45:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "structure_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("changed_at", storage.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_structure_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "generation": 0, "changed_at": datetime.now(UTC)}])
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index("ix_processed_updates_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_processed_updates_created_at")
    op.drop_table("structure_generation")
