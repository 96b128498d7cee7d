"""suggestions on the policy; the review reminder of each version

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 16:55:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestion",
        sa.Column("id", AutoString(length=32), nullable=False),
        sa.Column("section_id", AutoString(length=100), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("box", sa.LargeBinary(), nullable=False),
        sa.Column("person_id", AutoString(length=32), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_suggestion_section_id", "suggestion", ["section_id"])
    op.create_index("ix_suggestion_day", "suggestion", ["day"])
    op.create_table(
        "review_reminder",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )


def downgrade() -> None:
    op.drop_table("review_reminder")
    op.drop_index("ix_suggestion_day", table_name="suggestion")
    op.drop_index("ix_suggestion_section_id", table_name="suggestion")
    op.drop_table("suggestion")
