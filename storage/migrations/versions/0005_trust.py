"""trust: wrong codes counted per account (the cool-down after guessing); a lockable row
per stored file, so that erasing one participant's document never removes a file another
participant's document shares

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_failures",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("platform_user_id", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("blocked_until", storage.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("platform", "platform_user_id", name=op.f("pk_code_failures")),
    )
    blobs = op.create_table(
        "blobs",
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("doomed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_blobs")),
    )
    # Every file stored so far gets its row.
    documents = sa.table("documents", sa.column("storage_path", sa.String()))
    op.execute(
        sa.insert(blobs).from_select(
            ["path", "doomed"], sa.select(documents.c.storage_path, sa.false()).distinct()
        )
    )


def downgrade() -> None:
    op.drop_table("blobs")
    op.drop_table("code_failures")
