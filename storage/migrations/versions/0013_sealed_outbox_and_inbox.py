"""sealed outbox rows, deleted once delivered; the inbox of events recorded before their ack

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:30:00

Delivered and failed notifications are deleted: their content was kept in clear and nobody
needs it. Undelivered ones keep their clear payload until the server seals them at start-up
(the migration has no access to the secret key).
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _s(length: int) -> AutoString:
    return AutoString(length=length)


def upgrade() -> None:
    op.execute("DELETE FROM outbox WHERE delivered_at IS NOT NULL OR failed_at IS NOT NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("summary")
        batch.drop_column("delivered_at")
        batch.alter_column("person_id", existing_type=_s(32), nullable=True)
        batch.alter_column("payload", existing_type=sa.Text(), nullable=True)
        batch.add_column(sa.Column("platform", _s(16), nullable=False, server_default=""))
        batch.add_column(sa.Column("about", _s(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("box", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("sending_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_outbox_about", ["about"])
    op.create_table(
        "inbox",
        sa.Column("key", _s(200), nullable=False),
        sa.Column("platform", _s(16), nullable=False),
        sa.Column("box", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("inbox")
    op.execute("DELETE FROM outbox WHERE payload IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_about")
        batch.drop_column("sending_at")
        batch.drop_column("box")
        batch.drop_column("about")
        batch.drop_column("platform")
        batch.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("summary", _s(300), nullable=False, server_default=""))
