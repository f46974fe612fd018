"""pace: the places of the outbound windows every process shares, so that the messages of
one bot keep one pace whichever process sends them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 13:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pace",
        sa.Column("key", sa.String(length=140), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("free_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", "slot", name=op.f("pk_pace")),
    )


def downgrade() -> None:
    op.drop_table("pace")
