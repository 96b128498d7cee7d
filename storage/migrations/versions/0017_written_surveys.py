"""a survey written on the dashboard is kept with its campaign

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_campaign") as batch:
        batch.add_column(sa.Column("definition", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_campaign") as batch:
        batch.drop_column("definition")
