"""GET /healthz through the real server: a status per part, fast and honest when the database
is locked by another process or read-only, and recovery without a restart."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import load_settings
from tests.conftest import database_url
from tests.e2e.conftest import free_port
from tests.e2e.teams.conftest import Server, activity
from tests.e2e.teams.fake import FakeConnector
from tests.e2e.test_server import start, wait_up

SQLITE_ONLY = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's file and write lock"
)
ANSWER = "Nothing in this policy limits your right to discuss your pay"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def server(
    engine: object, connector: FakeConnector, tmp_path: Path, content: Any, faq: Any
) -> AsyncIterator[Server]:
    from tests.e2e.helpers import serve

    settings = load_settings(
        DATABASE_URL=database_url(tmp_path),
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        POLICYBOT_SECRET_KEY="k" * 43,
        POLICYBOT_WORKER="false",
        TEAMS_EMULATOR="true",
    )
    async for url, services, http in serve(settings, content, faq):
        yield Server(url, services, http)


async def healthz(server: Server) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    async with server.http.get(f"{server.url}/healthz") as response:
        body = await response.json()
    return response.status, body, time.monotonic() - started


def question(connector: FakeConnector, n: int) -> dict[str, Any]:
    """Sam's salary question, as a new activity each time."""
    return activity("message_personal.json", connector.url, id=f"health-{n}")


async def test_every_part_has_a_status(server: Server) -> None:
    status, body, _ = await healthz(server)
    assert status == 200, body
    assert body["status"] == "ok"
    assert body["database"]["read"] == body["database"]["write"] == "ok"
    assert body["outbox"]["waiting"] == 0
    assert body["content"]["status"] == "ok"
    assert body["teams"] == {"status": "ok", "delivery": True}
    assert body["slack"]["status"] == "off"


@SQLITE_ONLY
async def test_healthz_is_fast_and_honest_while_another_process_holds_the_write_lock(
    server: Server, connector: FakeConnector, tmp_path: Path
) -> None:
    hold = 6.0
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n",
        str(tmp_path / "test.db"),
        str(hold),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert (await holder.stdout.readline()).strip() == b"locked"
        # A message now holds the bot's only pooled connection, waiting for the lock.
        waiting = asyncio.create_task(server.post(question(connector, 1)))
        await asyncio.sleep(0.3)
        status, body, took = await healthz(server)
        assert took < 1.0, f"/healthz took {took:.1f}s during a {hold:.0f}s lock"
        assert status == 503
        assert body["status"] == "degraded"
        assert (body["database"]["read"], body["database"]["write"]) == ("ok", "locked")
        assert body["outbox"]["status"] == "ok"  # read beside the lock, not behind it
    finally:
        await asyncio.wait_for(holder.wait(), timeout=hold + 5)
    await waiting
    status, body, _ = await healthz(server)
    assert status == 200, body
    (reply,) = await connector.wait_for(1)
    assert ANSWER in reply.body.get("text", "") + str(reply.body.get("attachments"))


def _immutable(path: Path, on: bool) -> bool:
    """Make a file read-only even for its owner: chattr as root (permissions do not bind
    root), chmod otherwise. False if this system can do neither."""
    if os.geteuid() == 0:
        flag = "+i" if on else "-i"
        result = subprocess.run(["chattr", flag, str(path)], capture_output=True)
        return result.returncode == 0
    os.chmod(path, 0o444 if on else 0o644)
    return True


@pytest.fixture
def read_only() -> Iterator[list[Path]]:
    """Files the test made read-only; made writable again whatever happens."""
    files: list[Path] = []
    yield files
    for path in files:
        _immutable(path, False)


def _make_read_only(path: Path, files: list[Path]) -> None:
    if not _immutable(path, True):
        pytest.skip("cannot make a file read-only here (chattr refused)")
    files.append(path)


def _run_to_exit(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """Start the server and wait for it to exit (killed after a minute: it did not refuse)."""
    proc = start(env)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return proc, out


@SQLITE_ONLY
def test_server_refuses_to_start_on_a_read_only_database(
    env: dict[str, str], tmp_path: Path, read_only: list[Path]
) -> None:
    env = {**env, "PORT": str(free_port())}
    first = start(env)
    try:
        wait_up(f"http://127.0.0.1:{env['PORT']}/healthz", first)
    finally:
        first.terminate()
        first.communicate(timeout=20)
    _make_read_only(tmp_path / "data" / "policybot.db", read_only)
    proc, out = _run_to_exit(env)
    assert proc.returncode == 2, out
    assert "database is read-only" in out
    assert "Traceback" not in out


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_server_refuses_to_start_on_a_read_only_postgresql_database(
    env: dict[str, str],
) -> None:
    from sqlalchemy import make_url, text

    from storage.db import make_engine

    url = make_url(env["DATABASE_URL"])

    async def read_only(on: bool) -> None:
        # From the maintenance database: a read-only one could not be made writable again.
        maintenance = url.set(database="postgres").render_as_string(hide_password=False)
        engine = make_engine(maintenance)
        try:
            async with engine.connect() as conn:
                setting = f"default_transaction_read_only = {on}"
                await conn.execute(text(f'ALTER DATABASE "{url.database}" SET {setting}'))
                await conn.commit()
        finally:
            await engine.dispose()

    asyncio.run(read_only(True))
    try:
        proc, out = _run_to_exit({**env, "PORT": str(free_port())})
    finally:
        asyncio.run(read_only(False))
    assert proc.returncode == 2, out
    assert "database is read-only" in out


@SQLITE_ONLY
async def test_a_database_made_writable_again_recovers_without_a_restart(
    server: Server,
    connector: FakeConnector,
    tmp_path: Path,
    read_only: list[Path],
    engine: Any,
) -> None:
    assert (await server.post(question(connector, 1))).status in (200, 201)
    await connector.wait_for(1)
    await asyncio.sleep(0.5)  # the turn's last writes (the conversation reference) are done
    await engine.dispose()  # the test's own connection: SQLite would lend its file to others
    _make_read_only(tmp_path / "test.db", read_only)
    # The bot's connection was opened while the file was writable, and SQLite keeps writing
    # through it; a new connection (after any dropped one) opens the file read-only.
    await server.services.engine.dispose()
    status, body, took = await healthz(server)
    assert (status, body["database"]["write"]) == (503, "read-only"), body
    assert took < 1.0
    await server.post(question(connector, 2))
    replies = await connector.wait_for(2)
    assert ANSWER not in str([r.body for r in replies[1:]])  # nothing could be written

    _immutable(tmp_path / "test.db", False)
    status, body, _ = await healthz(server)
    assert status == 200, body
    before = len(connector.delivered())
    await server.post(question(connector, 3))
    replies = await connector.wait_for(before + 1)
    assert ANSWER in str([r.body for r in replies[before:]]), "still failing once writable"
