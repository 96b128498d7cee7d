"""Delivers outbox notifications (HR queue, answers, alerts) to Slack users as DMs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from adapters.slack.bot import UNREACHABLE, SlackChannel
from bot.ports import StoreUnavailable
from storage.outbox import OutboxMessenger
from storage.seen import SeenEvents

log = logging.getLogger("policybot.slack.delivery")
MAX_ATTEMPTS = 8
PRUNE_EVERY = 3600.0  # seconds between clean-ups of the seen-event register


class Delivery:
    """A background loop: woken after each handled message, and every few seconds."""

    def __init__(self, outbox: OutboxMessenger, seen: SeenEvents, interval: float = 2.0) -> None:
        self.outbox = outbox
        self.seen = seen
        self._pruned = 0.0
        self.interval = interval
        self.channel: SlackChannel | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Look at the outbox now."""
        self._wake.set()

    def start(self, channel: SlackChannel) -> None:
        """Start delivering through `channel`."""
        self.channel = channel
        self._task = asyncio.create_task(self._run(), name="slack-delivery")

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
                if time.monotonic() - self._pruned > PRUNE_EVERY:
                    self._pruned = time.monotonic()
                    await self.seen.forget_before(days=2)
            except StoreUnavailable:
                log.warning("outbox unavailable; will retry")
            except Exception as exc:  # the loop must survive anything
                log.error("delivery failed: %s", type(exc).__name__)

    async def drain(self) -> int:
        """Deliver what is due; returns how many were delivered."""
        assert self.channel is not None
        sent = 0
        for outbox_id, attempts, user_id, reply in await self.outbox.due("slack"):
            if attempts >= MAX_ATTEMPTS:
                await self.outbox.failed(outbox_id, "too many attempts")
                continue
            if not await self.outbox.claim(outbox_id, attempts):
                continue  # another replica has it
            error = await self.channel.post(user_id, [reply])
            if not error:
                await self.outbox.delivered([outbox_id])
                sent += 1
            elif error in UNREACHABLE:
                await self.outbox.failed(outbox_id, error)
        return sent
