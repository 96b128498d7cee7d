"""proactive addresses (opaque platform conversation references)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 14:20:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "address",
        sa.Column("person_id", AutoString(length=32), nullable=False),
        sa.Column("platform", AutoString(length=16), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("person_id", "platform"),
    )


def downgrade() -> None:
    op.drop_table("address")
