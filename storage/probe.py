"""Can the database be read and written right now? Quick answers for start-up and /healthz.

The health checks use their own engine with short timeouts, so a check never queues
behind the bot's own transactions (SQLite has a single pooled connection) nor waits out a
write lock another process holds. A write is tried for real and rolled back: on SQLite in
WAL mode a read-only file still lets a transaction begin, and only a write shows it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from bot.ports import Cipher
from storage.db import make_engine, read_only
from storage.outbox_queue import OutboxQueue
from storage.uow import SqlStore

TIMEOUT = 0.3  # seconds a check waits for a lock or a connection
_TOUCH = text("UPDATE alembic_version SET version_num = version_num")


def check_engine(engine: AsyncEngine) -> AsyncEngine:
    """A second engine on the same database for health checks. Each check connects afresh,
    so it sees the database as a new connection would (a connection SQLite opened on a
    read-only file stays read-only, and one opened before stays writable)."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite":
        return make_engine(url, poolclass=NullPool, connect_args={"timeout": TIMEOUT})
    return make_engine(url, poolclass=NullPool, connect_args={"timeout": 1, "command_timeout": 1})


async def read(engine: AsyncEngine) -> None:
    """One small read from the database file."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT version_num FROM alembic_version"))


async def write(engine: AsyncEngine) -> None:
    """Take the write lock by touching one row, then roll back: nothing is changed."""
    async with engine.connect() as conn, conn.begin() as transaction:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"SET LOCAL lock_timeout = '{int(TIMEOUT * 1000)}ms'"))
        await conn.execute(_TOUCH)
        await transaction.rollback()


def problem(error: BaseException) -> str:
    """What went wrong, in a word or two and without any data: for logs and /healthz."""
    orig: Any = getattr(error, "orig", None) or error
    if read_only(error):
        return "read-only"
    name = str(getattr(orig, "sqlite_errorname", ""))
    message = str(orig).lower()
    if name == "SQLITE_BUSY" or "database is locked" in message:
        return "locked"
    if getattr(orig, "sqlstate", None) == "55P03":  # lock_not_available
        return "locked"
    if isinstance(error, (TimeoutError, asyncio.TimeoutError, sa_exc.TimeoutError)):
        return "timeout"
    return type(orig).__name__


async def status(engine: AsyncEngine) -> dict[str, Any]:
    """The database's health: read and write each "ok" or what stopped them, with timings."""

    async def timed(step: Any) -> tuple[str, float]:
        started = time.monotonic()
        try:
            await asyncio.wait_for(step(engine), timeout=TIMEOUT * 2)
            outcome = "ok"
        except Exception as exc:
            outcome = problem(exc)
        return outcome, round((time.monotonic() - started) * 1000, 1)

    (read_ok, read_ms), (write_ok, write_ms) = await asyncio.gather(timed(read), timed(write))
    ok = read_ok == write_ok == "ok"
    return {
        "status": "ok" if ok else "unavailable",
        "read": read_ok,
        "write": write_ok,
        "read_ms": read_ms,
        "write_ms": write_ms,
    }


def checks(
    engine: AsyncEngine, cipher: Cipher
) -> dict[str, Callable[[], Awaitable[dict[str, Any]]]]:
    """The /healthz checks of storage, on `engine` (from `check_engine`): the database (a read
    and a write) and the outbox's backlog."""
    outbox = OutboxQueue(SqlStore(engine, cipher))

    async def database() -> dict[str, Any]:
        return await status(engine)

    async def backlog() -> dict[str, Any]:
        return {"status": "ok", **await outbox.backlog()}

    return {"database": database, "outbox": backlog}
