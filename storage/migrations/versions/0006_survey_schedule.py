"""survey campaigns remember whether invitations and the reminder went out

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 15:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_campaign") as batch:
        batch.add_column(
            sa.Column("invited", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("reminded", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_campaign") as batch:
        batch.drop_column("reminded")
        batch.drop_column("invited")
