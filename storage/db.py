"""Database engine, URL handling and schema upgrades."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def async_url(url: str) -> str:
    """The SQLAlchemy async URL for a plain sqlite:// or postgresql:// URL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def default_url(data_dir: Path) -> str:
    """The embedded SQLite database inside the data folder."""
    return f"sqlite:///{(data_dir / 'policybot.db').resolve()}"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and foreign keys."""
    url = async_url(url)
    if url.startswith("sqlite"):
        if ":memory:" not in url and "poolclass" not in kwargs:
            # One connection: SQLite has a single writer, so transactions queue in the pool
            # (cheap, fair) instead of sleeping in SQLite's busy handler.
            kwargs.setdefault("pool_size", 1)
            kwargs.setdefault("max_overflow", 0)
            kwargs.setdefault("pool_timeout", 30)
        connect_args = kwargs.pop("connect_args", {"timeout": 30})
        engine = create_async_engine(url, connect_args=connect_args, **kwargs)
        _reconnect_when_read_only(engine)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("connect_args", {"timeout": 10, "command_timeout": 30})
    engine = create_async_engine(url, **kwargs)
    _reconnect_when_read_only(engine)
    return engine


def read_only(error: BaseException) -> bool:
    """True when the database refused a write because it (or the connection) is read-only."""
    orig: Any = getattr(error, "orig", None) or error
    if getattr(orig, "sqlstate", None) == "25006":  # PostgreSQL read_only_sql_transaction
        return True
    name = str(getattr(orig, "sqlite_errorname", ""))
    return name == "SQLITE_READONLY" or "readonly database" in str(orig).lower()


def _reconnect_when_read_only(engine: AsyncEngine) -> None:
    """A connection that found the database read-only is dropped, not reused: SQLite opens a
    read-only file read-only for good, and a PostgreSQL session keeps the read-only default it
    started with. The next transaction connects afresh and sees the database as it is now."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _dropped(context: Any) -> None:
        if read_only(context.original_exception):
            context.is_disconnect = True


def _config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (idempotent)."""

    def run(connection: Connection) -> None:
        command.upgrade(_config(connection), revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the schema back to `revision`, moving data back where a migration says how."""

    def run(connection: Connection) -> None:
        command.downgrade(_config(connection), revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema revision the database is at, or None before the first upgrade."""
    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        return await asyncio.wait_for(conn.run_sync(read), timeout=10)


def head_revision() -> str | None:
    """The newest migration shipped with this code."""
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()
