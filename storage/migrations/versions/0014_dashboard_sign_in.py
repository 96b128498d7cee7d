"""one-time sign-in links to the web dashboard, kept as keyed hashes of their tokens

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:00:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _s(length: int) -> AutoString:
    return AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "sign_in",
        sa.Column("token_hash", _s(64), nullable=False),
        sa.Column("person_id", _s(32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_sign_in_expires_at", "sign_in", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_expires_at", table_name="sign_in")
    op.drop_table("sign_in")
