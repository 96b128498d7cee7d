"""The /healthz registry: every check at once, each within its deadline."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from adapters import health


async def test_a_slow_or_broken_check_degrades_without_holding_up_the_others() -> None:
    async def fine() -> dict[str, Any]:
        return {"status": "ok", "n": 1}

    async def slow() -> dict[str, Any]:
        await asyncio.sleep(10)
        return {"status": "ok"}

    async def broken() -> dict[str, Any]:
        raise ConnectionRefusedError

    started = time.monotonic()
    body = await health.run(
        {"fine": fine, "slow": slow, "broken": broken, "off": health.off("not configured")},
        deadline=0.2,
    )
    assert time.monotonic() - started < 1.0
    assert body == {
        "status": "degraded",
        "fine": {"status": "ok", "n": 1},
        "slow": {"status": "unavailable", "error": "timeout"},
        "broken": {"status": "unavailable", "error": "ConnectionRefusedError"},
        "off": {"status": "off", "reason": "not configured"},
    }


async def test_ok_and_off_are_healthy() -> None:
    async def fine() -> dict[str, Any]:
        return {"status": "ok"}

    body = await health.run({"fine": fine, "teams": health.off("not configured")})
    assert body["status"] == "ok"


async def test_a_slow_check_runs_to_its_end_once_instead_of_being_cancelled() -> None:
    """Cancelling a database check mid-query would tear its connection down in the middle of
    its rollback: a slow check finishes in the background, and a second request meanwhile
    waits for the same run instead of starting another."""
    runs: list[str] = []

    async def slow() -> dict[str, Any]:
        runs.append("started")
        await asyncio.sleep(0.3)
        runs.append("finished")
        return {"status": "ok"}

    first = await health.run({"db": slow}, deadline=0.05)
    second = await health.run({"db": slow}, deadline=0.05)
    assert first["db"] == second["db"] == {"status": "unavailable", "error": "timeout"}
    await asyncio.sleep(0.4)
    assert runs == ["started", "finished"]  # one run, never cancelled
    assert (await health.run({"db": slow}, deadline=1.0))["db"] == {"status": "ok"}
