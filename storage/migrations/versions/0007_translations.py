"""translations: machine translations of answers, one per answer revision and target
language, so a digest sends each text to the translation service once

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_translations_answer_id_answers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translations")),
        sa.UniqueConstraint(
            "answer_id", "revision", "target", name=op.f("uq_translations_answer_id")
        ),
    )
    op.create_index(op.f("ix_translations_answer_id"), "translations", ["answer_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_translations_answer_id"), table_name="translations")
    op.drop_table("translations")
