"""Alembic environment: runs on the connection handed over by storage.db.upgrade."""

from alembic import context
from sqlmodel import SQLModel

from storage.repositories import discover

discover()  # every storage module imported: every table on SQLModel.metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations with `policybot db upgrade`")
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
