"""announcements, their recipients and acknowledgements

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 16:10:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _s(length: int) -> AutoString:
    return AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "announcement",
        sa.Column("id", _s(16), nullable=False),
        sa.Column("title", _s(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("link", _s(500), nullable=False),
        sa.Column("author_id", _s(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("ack_required", sa.Boolean(), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("status", _s(16), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kicked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("problem", _s(300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_announcement_status", "announcement", ["status"])
    op.create_index("ix_announcement_send_at", "announcement", ["send_at"])
    op.create_table(
        "announcement_recipient",
        sa.Column("id", _s(32), nullable=False),
        sa.Column("announcement_id", _s(16), nullable=False),
        sa.Column("person_id", _s(32), nullable=False),
        sa.Column("platform", _s(16), nullable=False),
        sa.Column("address", _s(200), nullable=False),
        sa.Column("state", _s(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("in_flight", sa.Boolean(), nullable=False),
        sa.Column("reason", _s(64), nullable=False),
        sa.Column("message_ref", _s(400), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("announcement_id", "person_id", name="uq_recipient"),
    )
    op.create_index("ix_recipient_work", "announcement_recipient", ["announcement_id", "state"])
    op.create_table(
        "announcement_ack",
        sa.Column("announcement_id", _s(16), nullable=False),
        sa.Column("person_id", _s(32), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("announcement_id", "person_id"),
    )


def downgrade() -> None:
    op.drop_table("announcement_ack")
    op.drop_index("ix_recipient_work", table_name="announcement_recipient")
    op.drop_table("announcement_recipient")
    op.drop_index("ix_announcement_send_at", table_name="announcement")
    op.drop_index("ix_announcement_status", table_name="announcement")
    op.drop_table("announcement")
