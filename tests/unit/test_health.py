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
