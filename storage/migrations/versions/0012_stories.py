"""success stories, recognition rounds and votes; an announcement's extra button

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 17:10:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _s(length: int) -> AutoString:
    return AutoString(length=length)


def upgrade() -> None:
    op.add_column(
        "announcement", sa.Column("action", _s(300), nullable=False, server_default="")
    )
    op.create_table(
        "story",
        sa.Column("id", _s(16), nullable=False),
        sa.Column("author_id", _s(32), nullable=False),
        sa.Column("title", _s(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", _s(500), nullable=False),
        sa.Column("share_ok", sa.Boolean(), nullable=False),
        sa.Column("status", _s(16), nullable=False),
        sa.Column("reason", _s(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_story_author_id", "story", ["author_id"])
    op.create_index("ix_story_status", "story", ["status"])
    op.create_table(
        "recognition_round",
        sa.Column("id", _s(16), nullable=False),
        sa.Column("title", _s(200), nullable=False),
        sa.Column("entries", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("winner_id", _s(16), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "vote",
        sa.Column("round_id", _s(16), nullable=False),
        sa.Column("person_id", _s(32), nullable=False),
        sa.Column("story_id", _s(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("round_id", "person_id"),
    )


def downgrade() -> None:
    op.drop_column("announcement", "action")
    op.drop_table("vote")
    op.drop_table("recognition_round")
    op.drop_index("ix_story_status", table_name="story")
    op.drop_index("ix_story_author_id", table_name="story")
    op.drop_table("story")
