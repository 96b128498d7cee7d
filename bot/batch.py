"""Answers messages in batches, so a busy bot pays one transaction for many messages."""

from __future__ import annotations

import asyncio
import contextlib

from bot import dispatch
from bot.deps import Deps
from bot.directory import Profile
from bot.messages import Incoming, Reply, Text

Waiting = tuple[Incoming, Profile | None, "asyncio.Future[list[Reply]]"]


class Batcher:
    """Hands messages to `dispatch.handle_many` a batch at a time.

    Nothing waits to fill a batch: up to `workers` batches run at once, and a message that
    arrives while one is free is handled at once; messages that arrive while all are busy form
    the next batches. A quiet bot answers as fast as before, and a busy one does a fraction of
    the database work.
    """

    def __init__(self, deps: Deps, limit: int = 64, workers: int = 4, backlog: int = 256) -> None:
        self.deps = deps
        self.limit = limit
        self.workers = workers
        self.backlog = backlog
        self._room = asyncio.Event()
        self._room.set()
        self._waiting: list[Waiting] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = 0
        self._handling: dict[str, asyncio.Future[list[Reply]]] = {}
        self.batches = 0
        self.messages = 0

    async def handle(self, incoming: Incoming, profile: Profile | None = None) -> list[Reply]:
        """The replies to one message (as `dispatch.handle` gives them)."""
        delivery = incoming.delivery_id if isinstance(incoming, Text) else ""
        while delivery in self._handling:
            # A platform retry of a message still being handled here: let the first finish,
            # then this one finds it recorded (two batches holding the same delivery would
            # conflict, and one of them would have to run again).
            await asyncio.wait([self._handling[delivery]])
        future: asyncio.Future[list[Reply]] = asyncio.get_running_loop().create_future()
        if delivery:
            self._handling[delivery] = future
            future.add_done_callback(lambda _: self._handling.pop(delivery, None))
        self._waiting.append((incoming, profile, future))
        if self._running < self.workers:
            # Counted here and uncounted by the worker itself as it finds nothing waiting,
            # with no await in between: a message is never left waiting with no worker.
            self._running += 1
            task = asyncio.create_task(self._run(), name="batcher")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def room(self) -> None:
        """Wait while more than `backlog` messages are waiting (the caller holds new ones back:
        a bounded queue keeps the memory, and the time each message waits, bounded)."""
        while len(self._waiting) > self.backlog:
            self._room.clear()
            await self._room.wait()

    async def drain(self) -> None:
        """Wait until every message handed in so far has been answered."""
        while self._tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait(set(self._tasks))

    async def _run(self) -> None:
        try:
            await self._batches()
        finally:
            self._running -= 1

    async def _batches(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self.limit], self._waiting[self.limit :]
            if len(self._waiting) <= self.backlog:
                self._room.set()
            self.batches += 1
            self.messages += len(batch)
            try:
                results = await dispatch.handle_many(self.deps, [(m, p) for m, p, _ in batch])
            except BaseException as exc:  # cancelled: nobody may wait forever
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(
                            exc if isinstance(exc, Exception) else RuntimeError("stopped")
                        )
                raise
            for (_, _, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue  # the caller gave up waiting; the message was still handled
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)
