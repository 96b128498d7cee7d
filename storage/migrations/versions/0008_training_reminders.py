"""training reminders per person and policy version

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 15:45:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_reminder",
        sa.Column("person_id", AutoString(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("person_id", "version"),
    )


def downgrade() -> None:
    op.drop_table("training_reminder")
