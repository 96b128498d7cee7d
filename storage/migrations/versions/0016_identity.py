"""platform-neutral identity: each person's chat platform user ids in an identity table,
instead of one column per platform on the person

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:30:00
"""

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

COLUMNS = {"slack": ("slack_user_id", 64), "teams": ("teams_user_id", 200)}


def _s(length: int) -> AutoString:
    return AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "identity",
        sa.Column("person_id", _s(32), nullable=False),
        sa.Column("platform", _s(16), nullable=False),
        sa.Column("user_id", _s(200), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "platform"),
        sa.UniqueConstraint("platform", "user_id", name="uq_identity_platform_user"),
    )
    for platform, (column, _) in COLUMNS.items():
        op.execute(
            sa.text(
                "INSERT INTO identity (person_id, platform, user_id) "
                f"SELECT id, :platform, {column} FROM person WHERE {column} IS NOT NULL"
            ).bindparams(platform=platform)
        )
    with op.batch_alter_table("person") as batch:
        for column, _ in COLUMNS.values():
            batch.drop_index(f"ix_person_{column}")
            batch.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        for column, length in COLUMNS.values():
            batch.add_column(sa.Column(column, _s(length), nullable=True))
            batch.create_index(f"ix_person_{column}", [column], unique=True)
    for platform, (column, _) in COLUMNS.items():
        op.execute(
            sa.text(
                f"UPDATE person SET {column} = (SELECT user_id FROM identity "
                "WHERE identity.person_id = person.id AND identity.platform = :platform)"
            ).bindparams(platform=platform)
        )
    op.drop_table("identity")
