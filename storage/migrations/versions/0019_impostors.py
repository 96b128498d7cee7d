"""reported fake accounts: sealed address and note, a keyed hash of the address, the day

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 20:50:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _s(length: int) -> AutoString:
    return AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "impostor",
        sa.Column("id", _s(32), nullable=False),
        sa.Column("ref", _s(12), nullable=False),
        sa.Column("platform", _s(32), nullable=False),
        sa.Column("url_key", _s(64), nullable=False),
        sa.Column("box", sa.LargeBinary(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("status", _s(16), nullable=False),
        sa.Column("handled_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    op.create_index("ix_impostor_url_key", "impostor", ["url_key"])
    op.create_index("ix_impostor_status", "impostor", ["status"])


def downgrade() -> None:
    op.drop_index("ix_impostor_status", table_name="impostor")
    op.drop_index("ix_impostor_url_key", table_name="impostor")
    op.drop_table("impostor")
