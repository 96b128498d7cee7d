"""anonymous surveys: campaigns, participation register, tallies, comments

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 15:00:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _s(n: int) -> AutoString:
    return AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        "survey_campaign",
        sa.Column("id", _s(32), nullable=False),
        sa.Column("survey_id", _s(64), nullable=False),
        sa.Column("audience", _s(200), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # On SQLite, WITHOUT ROWID keeps rows in key order (random keys) rather than in the order
    # people answered; a hidden rowid would reveal who answered after whom.
    sqlite = op.get_bind().dialect.name == "sqlite"
    options = {"sqlite_with_rowid": False} if sqlite else {}
    op.create_table(
        "survey_participant",
        sa.Column("key", _s(64), nullable=False),
        sa.Column("campaign_id", _s(32), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        **options,
    )
    op.create_index("ix_survey_participant_campaign_id", "survey_participant", ["campaign_id"])
    op.create_table(
        "survey_tally",
        sa.Column("campaign_id", _s(32), nullable=False),
        sa.Column("question_id", _s(64), nullable=False),
        sa.Column("department", _s(200), nullable=False),
        sa.Column("value", _s(200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "question_id", "department", "value"),
    )
    op.create_table(
        "survey_comment",
        sa.Column("id", _s(32), nullable=False),
        sa.Column("campaign_id", _s(32), nullable=False),
        sa.Column("question_id", _s(64), nullable=False),
        sa.Column("box", sa.LargeBinary(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        **options,
    )
    op.create_index("ix_survey_comment_campaign_id", "survey_comment", ["campaign_id"])


def downgrade() -> None:
    for table in ("survey_comment", "survey_tally", "survey_participant", "survey_campaign"):
        op.drop_table(table)
