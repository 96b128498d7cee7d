"""outbox delivery attempts and failures; seen platform events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:00:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("error", AutoString(length=200), nullable=True)
        )
    op.create_table(
        "seen_event",
        sa.Column("key", AutoString(length=200), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_seen_event_seen_at", "seen_event", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_seen_event_seen_at", table_name="seen_event")
    op.drop_table("seen_event")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("error")
        batch.drop_column("failed_at")
        batch.drop_column("attempts")
