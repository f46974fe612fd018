"""inbox and outbox: updates stored before they are acknowledged and handled by any process;
replies written with the effects of their update and sent by one elected process

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-02 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("update_key", sa.String(length=100), nullable=False),
        sa.Column("chat_key", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", storage.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("platform", "update_key", name=op.f("uq_inbox_platform")),
    )
    op.create_index("ix_inbox_platform_chat_key_id", "inbox", ["platform", "chat_key", "id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("done_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_platform_done_at_id", "outbox", ["platform", "done_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_platform_done_at_id", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_inbox_platform_chat_key_id", table_name="inbox")
    op.drop_table("inbox")
