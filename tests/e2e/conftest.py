"""Helpers to run the real `policybot` command and server as subprocesses."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def run_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment pointing the bot at a private data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYBOT_", "DATABASE_"))}
    env.update(POLICYBOT_DATA_DIR=str(tmp_path / "data"), LOG_LEVEL="INFO", PYTHONUNBUFFERED="1")
    if os.environ.get("TEST_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
        env["POLICYBOT_SECRET_KEY"] = "k" * 43
    env.update(extra)
    return env


def policybot(
    *args: str, env: dict[str, str], stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `policybot ARGS` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=Path(__file__).resolve().parents[2],
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _reset_postgres(url: str) -> None:
    from sqlalchemy import text

    from storage.db import make_engine
    from tests.conftest import TERMINATE_OTHERS

    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(TERMINATE_OTHERS))
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Environment for a subprocess; on PostgreSQL, a freshly emptied and upgraded database."""
    env = run_env(tmp_path)
    if "DATABASE_URL" in env:
        try:
            asyncio.run(_reset_postgres(env["DATABASE_URL"]))
        except OSError as exc:
            if os.environ.get("REQUIRE_TEST_DATABASE"):
                raise
            pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {exc}")
        result = policybot("db", "upgrade", env=env)
        assert result.returncode == 0, result.stderr
    return env
