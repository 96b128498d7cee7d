"""HR's changes to the FAQ from the dashboard (new phrasings and entries), with their history

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 16:30:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _s(length: int) -> AutoString:
    return AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "faq_change",
        sa.Column("id", _s(32), nullable=False),
        sa.Column("kind", _s(16), nullable=False),
        sa.Column("faq_id", _s(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("section", _s(100), nullable=False),
        sa.Column("phrasings", sa.Text(), nullable=False),
        sa.Column("source", _s(100), nullable=False),
        sa.Column("author_id", _s(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", _s(32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_faq_change_faq_id", "faq_change", ["faq_id"])


def downgrade() -> None:
    op.drop_index("ix_faq_change_faq_id", table_name="faq_change")
    op.drop_table("faq_change")
