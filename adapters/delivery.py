"""Delivers outbox notifications (HR queue, answers, alerts) to people on one platform."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from adapters.ports import OutboxQueue
from bot.messages import Reply
from bot.ports import StoreUnavailable

log = logging.getLogger("policybot.delivery")
MAX_ATTEMPTS = 8
FAILING_LIMIT = 120.0  # seconds of nothing but failed attempts before the channel is degraded


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one delivery attempt."""

    sent: bool = False
    permanent_error: str = ""  # the platform will never accept it: record, do not retry
    skip: bool = False  # not deliverable yet (no conversation with the person): keep waiting


Deliver = Callable[[str, str, Reply], Awaitable[Outcome]]


class Delivery:
    """A background loop: woken when a notification is queued, and every few seconds."""

    def __init__(
        self,
        outbox: OutboxQueue,
        platform: str,
        deliver: Deliver,
        interval: float = 2.0,
    ) -> None:
        self.outbox = outbox
        self.platform = platform
        self.deliver = deliver
        self.interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failing_since: float | None = None  # first failed attempt since the last success

    def wake(self) -> None:
        """Look at the outbox now."""
        self._wake.set()

    def start(self) -> None:
        """Start the loop."""
        self._task = asyncio.create_task(self._run(), name=f"{self.platform}-delivery")

    async def health(self) -> dict[str, Any]:
        """The channel's health check: is the loop running, and does the platform accept what
        it sends? Degraded after FAILING_LIMIT seconds of failed attempts and no success."""
        running = self._task is not None and not self._task.done()
        failing = 0.0 if self._failing_since is None else time.monotonic() - self._failing_since
        ok = running and failing < FAILING_LIMIT
        body: dict[str, Any] = {"status": "ok" if ok else "degraded", "delivery": running}
        if failing:
            body["failing_seconds"] = round(failing, 1)
        return body

    async def stop(self) -> None:
        """Stop the loop (pending notifications stay in the outbox)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()
            try:
                await self.drain()
            except StoreUnavailable:
                log.warning("outbox unavailable; will retry")
            except Exception as exc:  # the loop must survive anything
                log.error("%s delivery failed: %s", self.platform, type(exc).__name__)

    async def drain(self) -> int:
        """Deliver what is due; returns how many were delivered."""
        sent = 0
        for outbox_id, attempts, user_id, person_id, reply in await self.outbox.due_for(
            self.platform
        ):
            if attempts >= MAX_ATTEMPTS:
                await self.outbox.failed(outbox_id, "too many attempts")
                continue
            if not await self.outbox.claim(outbox_id, attempts):
                continue  # another replica has it
            outcome = await self.deliver(user_id, person_id, reply)
            if outcome.sent or outcome.permanent_error:
                self._failing_since = None  # the platform answers
            elif not outcome.skip and self._failing_since is None:
                self._failing_since = time.monotonic()
            if outcome.sent:
                await self.outbox.delivered([outbox_id])
                sent += 1
            elif outcome.permanent_error:
                await self.outbox.failed(outbox_id, outcome.permanent_error)
            elif outcome.skip:
                await self.outbox.unclaim(outbox_id, attempts + 1)
        return sent
