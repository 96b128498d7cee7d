"""single-use links to the anonymous web intake, kept as keyed hashes of their tokens

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 16:50:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _s(length: int) -> AutoString:
    return AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "intake_token",
        sa.Column("token_hash", _s(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_intake_token_expires_at", "intake_token", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_intake_token_expires_at", table_name="intake_token")
    op.drop_table("intake_token")
