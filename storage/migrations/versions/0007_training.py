"""micro-training: quiz cards, answers, module completions, attestations

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 15:30:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _s(n: int) -> AutoString:
    return AutoString(length=n)


def _t() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "quiz_card",
        sa.Column("person_id", _s(32), nullable=False),
        sa.Column("question_id", _s(64), nullable=False),
        sa.Column("box", sa.Integer(), nullable=False),
        sa.Column("due_at", _t(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "question_id"),
    )
    op.create_table(
        "quiz_answer",
        sa.Column("session_id", _s(32), nullable=False),
        sa.Column("question_id", _s(64), nullable=False),
        sa.Column("person_id", _s(32), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("at", _t(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "question_id"),
    )
    op.create_index("ix_quiz_answer_person_id", "quiz_answer", ["person_id"])
    op.create_table(
        "module_done",
        sa.Column("person_id", _s(32), nullable=False),
        sa.Column("module_id", _s(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", _t(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "module_id", "version"),
    )
    op.create_table(
        "attestation",
        sa.Column("person_id", _s(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", _t(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "version"),
    )


def downgrade() -> None:
    for table in ("attestation", "module_done", "quiz_answer", "quiz_card"):
        op.drop_table(table)
