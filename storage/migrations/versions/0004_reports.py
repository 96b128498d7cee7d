"""backlash reports: cases, access, messages, audit

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:50:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _s(n: int) -> AutoString:
    return AutoString(length=n)


def _t() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "report_case",
        sa.Column("id", _s(32), nullable=False),
        sa.Column("ref", _s(16), nullable=False),
        sa.Column("category", _s(40), nullable=False),
        sa.Column("severity", _s(20), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("status", _s(16), nullable=False),
        sa.Column("created_at", _t(), nullable=False),
        sa.Column("ack_due", _t(), nullable=False),
        sa.Column("feedback_due", _t(), nullable=False),
        sa.Column("content_box", sa.LargeBinary(), nullable=False),
        sa.Column("reporter_box", sa.LargeBinary(), nullable=True),
        sa.Column("reporter_key", _s(64), nullable=True),
        sa.Column("receipt_id", _s(64), nullable=True),
        sa.Column("passphrase_hash", _s(200), nullable=True),
        sa.Column("acknowledged_at", _t(), nullable=True),
        sa.Column("first_feedback_at", _t(), nullable=True),
        sa.Column("resolved_at", _t(), nullable=True),
        sa.Column("outcome", _s(40), nullable=True),
        sa.Column("assignee_id", _s(32), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", _t(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_case_ref", "report_case", ["ref"], unique=True)
    op.create_index("ix_report_case_category", "report_case", ["category"])
    op.create_index("ix_report_case_status", "report_case", ["status"])
    op.create_index("ix_report_case_ack_due", "report_case", ["ack_due"])
    op.create_index("ix_report_case_reporter_key", "report_case", ["reporter_key"])
    op.create_index("ix_report_case_receipt_id", "report_case", ["receipt_id"], unique=True)
    op.create_index("ix_report_case_resolved_at", "report_case", ["resolved_at"])
    op.create_table(
        "case_access",
        sa.Column("case_id", _s(32), nullable=False),
        sa.Column("person_id", _s(32), nullable=False),
        sa.Column("kind", _s(16), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "person_id"),
    )
    op.create_table(
        "case_message",
        sa.Column("id", _s(32), nullable=False),
        sa.Column("case_id", _s(32), nullable=False),
        sa.Column("author", _s(16), nullable=False),
        sa.Column("box", sa.LargeBinary(), nullable=False),
        sa.Column("at", _t(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_message_case_id", "case_message", ["case_id"])
    op.create_table(
        "case_audit",
        sa.Column("id", _s(32), nullable=False),
        sa.Column("case_id", _s(32), nullable=False),
        sa.Column("actor", _s(32), nullable=False),
        sa.Column("action", _s(60), nullable=False),
        sa.Column("at", _t(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_audit_case_id", "case_audit", ["case_id"])


def downgrade() -> None:
    for table in ("case_audit", "case_message", "case_access", "report_case"):
        op.drop_table(table)
