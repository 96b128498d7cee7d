"""The tables every feature shares (people and their identities, conversations, the outbox and
the inbox, delivered events, addresses) and the column helpers; each feature keeps its own
tables beside its repository (`storage/<feature>.py`). Column changes need an Alembic
migration (storage/migrations)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def utc_column(**kwargs: object) -> object:
    """A timezone-aware datetime column."""
    return Field(sa_column=Column(DateTime(timezone=True), **kwargs))  # type: ignore[arg-type]


class PersonRow(SQLModel, table=True):
    """A person in the directory."""

    __tablename__ = "person"

    id: str = Field(primary_key=True, max_length=32)
    display_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320, unique=True, index=True)
    department: str | None = Field(default=None, max_length=200, index=True)
    manager_id: str | None = Field(default=None, max_length=32, index=True)
    timezone: str | None = Field(default=None, max_length=64)
    roles: str = Field(default="employee", max_length=200)


class IdentityRow(SQLModel, table=True):
    """A person's user id on one chat platform: one per person and platform, and a platform's
    user belongs to one person."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_identity_platform_user"),)

    person_id: str = Field(primary_key=True, max_length=32)
    platform: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(max_length=200)


class ConversationRow(SQLModel, table=True):
    """The flow one platform user is in the middle of."""

    __tablename__ = "conversation_state"

    user_key: str = Field(primary_key=True, max_length=300)
    flow: str = Field(max_length=64)
    step: str = Field(max_length=64)
    data: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]


class OutboxRow(SQLModel, table=True):
    """A notification or reply waiting for delivery; deleted once delivered.

    What it says (and to which conversation) is sealed in `box`; a permanently failed row
    keeps its error code and loses its content.
    """

    __tablename__ = "outbox"

    id: str = Field(primary_key=True, max_length=32)
    person_id: str | None = Field(default=None, max_length=32, index=True)
    platform: str = Field(default="", max_length=16)
    about: str = Field(default="", max_length=32, index=True)
    box: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    payload: str | None = Field(default=None, sa_column=Column(Text))  # before sealing (0013)
    created_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]
    attempts: int = Field(default=0)
    sending_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
    failed_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
    error: str | None = Field(default=None, max_length=200)


class InboxRow(SQLModel, table=True):
    """A platform event recorded before it is acknowledged; deleted once it is answered."""

    __tablename__ = "inbox"

    key: str = Field(primary_key=True, max_length=200)
    platform: str = Field(max_length=16)
    box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    received_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]
    attempts: int = Field(default=0)
    lease_until: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]


class SeenEventRow(SQLModel, table=True):
    """A platform event already processed: retries and duplicate deliveries are dropped."""

    __tablename__ = "seen_event"

    key: str = Field(primary_key=True, max_length=200)
    seen_at: datetime = utc_column(nullable=False, index=True)  # type: ignore[assignment]


class AddressRow(SQLModel, table=True):
    """Where a person can be reached proactively on a platform: an opaque reference."""

    __tablename__ = "address"

    person_id: str = Field(primary_key=True, max_length=32)
    platform: str = Field(primary_key=True, max_length=16)
    reference: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]
    unreachable_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
