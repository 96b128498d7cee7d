"""training: modules HR requires per version, question of the day, manager digests

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 16:35:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_required",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("modules", sa.Text(), nullable=False),
        sa.Column("set_by", AutoString(length=32), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "daily_question",
        sa.Column("person_id", AutoString(length=32), nullable=False),
        sa.Column("opted_in", sa.Boolean(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "manager_digest",
        sa.Column("manager_id", AutoString(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("manager_id", "version"),
    )


def downgrade() -> None:
    op.drop_table("manager_digest")
    op.drop_table("daily_question")
    op.drop_table("training_required")
