"""Helpers for end-to-end tests that run the real app in this process on a local port."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func
from sqlmodel import select

import app


async def serve(
    settings: Any, content: Any, faq: Any
) -> AsyncIterator[tuple[str, app.Services, aiohttp.ClientSession]]:
    """The app on a free local port: its URL, its services and a client session."""
    services = await app.bootstrap(settings, content=(content, faq))
    runner = web.AppRunner(app.web_app(services), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    (_, port) = runner.addresses[0]  # the port the system chose
    async with aiohttp.ClientSession() as http:
        yield f"http://127.0.0.1:{port}", services, http
    await runner.cleanup()


async def count(services: app.Services, table: Any) -> int:
    """Rows in a table."""
    async with services.store() as uow:
        return int((await uow.session.exec(select(func.count()).select_from(table))).one())


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 8.0) -> bool:
    """Poll an async check until it holds (work after a reply finishes a moment later)."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def task_queue() -> dict[str, str]:
    """On PostgreSQL, broadcasts run on Redis (a private, emptied database number), as they
    would with several replicas; on SQLite, on the in-process queue."""
    import os

    import pytest

    if not os.environ.get("TEST_DATABASE_URL"):
        return {}
    from redis.asyncio import Redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
    client = Redis.from_url(url)
    try:
        await client.flushdb()
    except OSError as exc:
        if os.environ.get("REQUIRE_TEST_REDIS"):
            raise
        pytest.skip(f"Redis at TEST_REDIS_URL is not reachable: {exc}")
    finally:
        await client.aclose()
    return {"TASK_BROKER_URL": url}


async def broadcasting(services: app.Services) -> AsyncIterator[Any]:
    """A broadcaster ticked by the test; with Redis, this process also consumes its tasks."""
    from adapters.broadcast import Broadcaster

    broadcaster = Broadcaster(services)
    await broadcaster.start(tick=False)
    consumer = asyncio.create_task(broadcaster.consume()) if broadcaster.external else None
    yield broadcaster
    if consumer is not None:
        consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer
    await broadcaster.stop()


_held: set[asyncio.Task[None]] = set()


async def hold_the_database(engine: Any, seconds: float) -> None:
    """Another process holds the write lock (SQLite) or locks the case table (PostgreSQL)."""
    if engine.dialect.name == "sqlite":
        import sqlite3
        import threading

        path = str(engine.url.database)
        locked = threading.Event()

        def hold() -> None:
            conn = sqlite3.connect(path, timeout=30)
            conn.execute("BEGIN IMMEDIATE")
            locked.set()
            time.sleep(seconds)
            conn.rollback()
            conn.close()

        threading.Thread(target=hold, daemon=True).start()
        await asyncio.to_thread(locked.wait, 10)
        return
    import asyncpg

    url = str(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
    conn = await asyncpg.connect(url)
    tx = conn.transaction()
    await tx.start()
    await conn.execute("LOCK TABLE report_case IN ACCESS EXCLUSIVE MODE")

    async def release() -> None:
        await asyncio.sleep(seconds)
        await tx.rollback()
        await conn.close()

    _held.add(asyncio.create_task(release()))
