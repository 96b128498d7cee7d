"""Announcement broadcasts on a task queue (taskiq): in-process by default, Redis to scale out.

`Broadcaster` ties the pieces together: the broker (taskiq's in-memory broker, or a Redis
stream when TASK_BROKER_URL is set), the shared rate limiter (in memory, or in Redis), the
platform senders, and the engine. The app runs a `Broadcaster` when its worker is on; a
separate `policybot worker` process runs one that only consumes tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from adapters.broadcast.engine import Engine, Sender
from adapters.broadcast.limiter import Limiter, MemoryLimiter, RedisLimiter

if TYPE_CHECKING:
    from aiohttp import web

    from adapters.channel import Channel
    from adapters.ports import Broadcasts
    from bot.settings import Settings

log = logging.getLogger("policybot.broadcast")
TASK = "policybot.broadcast.run"
TICK_SECONDS = 1.0


class Core(Protocol):
    """What a broadcaster is given: the settings, the records, and the channels that are on
    (in order: someone on several gets an announcement on the first)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def broadcasts(self) -> Broadcasts: ...

    @property
    def channels(self) -> Mapping[str, Channel]: ...


def senders(core: Core) -> dict[str, Sender]:
    """The sender of each channel that is on, by platform, in the channels' order."""
    return {name: channel.broadcast() for name, channel in core.channels.items()}


def make_broker(url: str | None) -> Any:
    """taskiq's in-memory broker, or a Redis stream shared by every worker."""
    if url is None:
        from taskiq import InMemoryBroker

        return InMemoryBroker(max_async_tasks=50)
    from taskiq_redis import RedisStreamBroker

    # Unacknowledged tasks of a dead worker are claimed by another after idle_timeout; the
    # engine's own leases recover sooner, so this is a second line of defence.
    return RedisStreamBroker(
        url,
        queue_name="policybot:broadcast",
        consumer_group_name="policybot-workers",
        idle_timeout=120_000,
    )


class Broadcaster:
    """The broker, limiter, senders and engine of one process."""

    def __init__(self, core: Core, found: dict[str, Sender] | None = None) -> None:
        settings = core.settings
        self.broker = make_broker(settings.task_broker_url)
        self.limiter: Limiter = (
            RedisLimiter(settings.task_broker_url) if settings.task_broker_url else MemoryLimiter()
        )
        self.engine = Engine(
            core.broadcasts,
            senders(core) if found is None else found,
            self.limiter,
            lease=timedelta(seconds=settings.broadcast_lease),
        )
        engine = self.engine

        async def run_broadcast(announcement_id: str) -> int:
            """Work on one announcement until no recipient is left to claim."""
            return await engine.run(announcement_id)

        self.task = self.broker.register_task(run_broadcast, task_name=TASK)
        self.engine.enqueue = self._enqueue
        self._ticker: asyncio.Task[None] | None = None
        self.external = settings.task_broker_url is not None

    async def _enqueue(self, announcement_id: str) -> None:
        await self.task.kiq(announcement_id)

    async def start(self, tick: bool = True) -> None:
        """Connect the broker; with `tick`, also start and revive broadcasts every second."""
        await self.broker.startup()
        if tick:
            self._ticker = asyncio.create_task(self._tick_loop(), name="broadcast-tick")
        log.info(
            "broadcasts: %s, platforms: %s",
            "Redis task queue" if self.external else "in-process task queue",
            ", ".join(self.engine.senders) or "none configured",
        )

    async def _tick_loop(self) -> None:
        while True:
            try:
                await self.engine.tick()
            except Exception as exc:  # keep ticking: a broadcast must not stay queued
                log.error("broadcast tick failed: %s", type(exc).__name__)
            await asyncio.sleep(TICK_SECONDS)

    async def stop(self) -> None:
        """Stop ticking and disconnect (unfinished work stays in the database)."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self.engine.cancel_running()  # no database work may outlive the process's pool
        for sender in self.engine.senders.values():
            close = getattr(sender, "close", None)  # senders holding HTTP connections
            if close is not None:
                await close()
        await self.broker.shutdown()
        await self.limiter.close()

    async def consume(self) -> None:
        """Run as a worker: execute tasks from the queue until cancelled."""
        from taskiq.api import run_receiver_task

        await run_receiver_task(self.broker, max_async_tasks=32, run_startup=False)


BROKER_RETRY_SECONDS = 10


async def _start_later(broadcaster: Broadcaster) -> None:
    while True:
        await asyncio.sleep(BROKER_RETRY_SECONDS)
        try:
            await broadcaster.start(tick=True)
        except Exception as exc:
            log.warning("task queue still unreachable (%s)", type(exc).__name__)
            continue
        log.info("task queue reachable again: broadcasts resume")
        return


def running(core: Core) -> Callable[[web.Application], AsyncIterator[None]]:
    """Announcement broadcasts for as long as `app` runs (its cleanup context): started when
    due, sent through the task queue. Without the queue, chat keeps working and broadcasts
    wait in the database while the queue is tried again."""

    async def context(_: web.Application) -> AsyncIterator[None]:
        broadcaster = Broadcaster(core)
        retrying: asyncio.Task[None] | None = None
        try:
            await broadcaster.start(tick=True)
        except Exception as exc:
            if not broadcaster.external:
                raise
            log.error(
                "task queue unreachable (%s): check TASK_BROKER_URL; retrying every %d s",
                type(exc).__name__,
                BROKER_RETRY_SECONDS,
            )
            retrying = asyncio.create_task(_start_later(broadcaster), name="broker-retry")
        yield
        if retrying is not None:
            retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retrying
        await broadcaster.stop()

    return context
