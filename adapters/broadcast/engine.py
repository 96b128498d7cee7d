"""The broadcast engine: sends each announcement to every recipient exactly once.

The database is the source of truth (one row per recipient, see storage/broadcasts.py); the
task queue only carries "work on announcement X" messages, so a lost or repeated task message
costs nothing. `tick` starts announcements whose time has come and re-enqueues work for any
broadcast nobody has touched within a lease, which is how a restart or a killed worker is
recovered from.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from adapters.broadcast.limiter import Limiter
from adapters.ports import Broadcasts
from bot.features.announcements.card import message
from bot.features.announcements.model import Announcement, AnnouncementStatus
from bot.messages import Card
from bot.recipient import Job

log = logging.getLogger("policybot.broadcast")
MAX_TRIES = 6  # per claim; then the row goes back to the queue for later


@dataclass(frozen=True, slots=True)
class Result:
    """What the platform said about one send."""

    ref: str = ""  # where the message is (to update or find it later); set when sent
    retry_after: float | None = None  # 429: wait this long, everyone
    permanent: str = ""  # will never work: "blocked", "deactivated", "user left", ...
    transient: str = ""  # try again later; the message may or may not have arrived

    @property
    def sent(self) -> bool:
        return bool(self.ref)


class Sender(Protocol):
    """One platform's way of sending, finding and updating an announcement message."""

    platform: str
    rate: float  # requests per second, the platform's documented limit for this app
    per_conversation: float  # requests per second into one conversation
    addressed: bool  # reaches only people who used the channel (they left an address)

    async def send(self, job: Job, announcement: Announcement, card: Card) -> Result: ...

    async def find(self, job: Job, announcement: Announcement) -> Result | None:
        """An earlier send of this announcement: Result(ref=...) where it landed; None when it
        did not land (or the platform cannot tell); another Result when it cannot be checked
        now."""
        ...

    async def update(self, job: Job, card: Card) -> Result: ...


Enqueue = Callable[[str], Awaitable[None]]


class Engine:
    """Claims recipient rows, paces sends through the shared limiter, records outcomes."""

    def __init__(
        self,
        broadcasts: Broadcasts,
        senders: dict[str, Sender],
        limiter: Limiter,
        lease: timedelta = timedelta(seconds=60),
        batch: int = 20,
        parallel: int = 4,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.broadcasts = broadcasts
        self.senders = senders
        self.limiter = limiter
        self.lease = lease
        self.batch = batch
        self.parallel = parallel
        self.now = clock
        self.enqueue: Enqueue | None = None  # set by the task queue glue
        self._running: set[asyncio.Task[object]] = set()

    async def cancel_running(self) -> None:
        """Stop the sends in progress in this process (their rows' leases run out and
        another worker, or this one after a restart, takes them over)."""
        tasks = [t for t in self._running if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _kick(self, announcement_id: str) -> None:
        assert self.enqueue is not None, "the engine has no task queue"
        for _ in range(self.parallel):
            await self.enqueue(announcement_id)

    async def _materialize(self, announcement_id: str) -> int:
        addressed = [name for name, sender in self.senders.items() if sender.addressed]
        return await self.broadcasts.materialize(
            announcement_id, list(self.senders), self.now(), addressed
        )

    async def tick(self) -> int:
        """Start due announcements and revive stalled ones; returns how many were kicked."""
        kicked = 0
        for announcement_id in await self.broadcasts.due(self.now()):
            log.info("announcement %s: starting", announcement_id)
            await self._materialize(announcement_id)
            await self.broadcasts.kick_due(announcement_id, self.now(), timedelta(0))
            await self._kick(announcement_id)
            kicked += 1
        for announcement_id in await self.broadcasts.sending():
            if await self.broadcasts.kick_due(announcement_id, self.now(), self.lease):
                await self._kick(announcement_id)
                kicked += 1
        return kicked

    async def run(self, announcement_id: str) -> int:
        """The task: work on one announcement until no row is left to claim."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        return await self._run(announcement_id)

    async def _run(self, announcement_id: str) -> int:
        announcement = await self.broadcasts.announcement(announcement_id)
        if announcement is None or announcement.status not in (
            AnnouncementStatus.SENDING,
            AnnouncementStatus.SENT,
        ):
            return 0
        await self._materialize(announcement_id)
        card = message(announcement)
        done = 0
        while jobs := await self.broadcasts.claim(
            announcement_id, self.now(), self.lease, self.batch
        ):
            for job in jobs:
                done += await self._deliver(job, announcement, card)
            await self.broadcasts.progress(announcement_id, self.now())
        if announcement.revision > 1:
            done += await self._correct(announcement, card)
        if (
            announcement.status == AnnouncementStatus.SENDING
            and await self.broadcasts.finish_if_done(announcement_id, self.now())
        ):
            log.info("announcement %s: every recipient done", announcement_id)
        return done

    async def _deliver(self, job: Job, announcement: Announcement, card: Card) -> int:
        sender = self.senders.get(job.platform)
        if sender is None:
            await self.broadcasts.release(
                job, self.now() + self.lease, f"{job.platform} is not configured on this worker"
            )
            return 0
        unsure = job.was_in_flight
        for attempt in range(1, MAX_TRIES + 1):
            if unsure:
                # A send whose outcome was never recorded (a worker died, a timeout): look
                # before sending again, so nobody gets the message twice.
                found = await sender.find(job, announcement)
                if found is not None and found.sent:
                    await self.broadcasts.delivered(
                        job, found.ref, announcement.revision, self.now()
                    )
                    return 1
                if found is not None and found.permanent:
                    await self.broadcasts.failed(job, found.permanent, self.now())
                    return 1
                if found is not None:
                    # The history cannot be read now: wait rather than risk a second copy.
                    later = found.retry_after if found.retry_after is not None else 30.0
                    why = found.transient or "rate limited"
                    await self.broadcasts.release(
                        job,
                        self.now() + timedelta(seconds=later),
                        f"{job.platform}: cannot check an earlier send yet ({why})",
                    )
                    return 0
                unsure = False
            wait = await self.limiter.reserve(
                job.platform, sender.rate, f"{job.platform}:{job.address}", sender.per_conversation
            )
            if wait > 0:
                await asyncio.sleep(wait)
            if not await self.broadcasts.in_flight(job, self.now() + self.lease):
                return 0  # the lease ran out and someone else has the row now
            result = await sender.send(job, announcement, card)
            if result.sent:
                await self.broadcasts.delivered(job, result.ref, announcement.revision, self.now())
                return 1
            if result.permanent:
                log.info(
                    "announcement %s: a recipient failed: %s", job.announcement_id, result.permanent
                )
                await self.broadcasts.failed(job, result.permanent, self.now())
                return 1
            if result.retry_after is not None:
                rate = await self.limiter.slow(job.platform, sender.rate, result.retry_after)
                log.info(
                    "%s answered 429: waiting %.1fs, rate now %.1f/s",
                    job.platform,
                    result.retry_after,
                    rate,
                )
                continue  # the reservation waits out the pause
            unsure = True
            await asyncio.sleep(min(30.0, 0.5 * 2**attempt * (0.5 + random.random())))
        await self.broadcasts.release(
            job, self.now() + timedelta(seconds=30), f"{job.platform}: {result.transient}"
        )
        return 0

    async def _correct(self, announcement: Announcement, card: Card) -> int:
        """Update delivered messages that still show an older revision."""
        done = 0
        while jobs := await self.broadcasts.outdated(
            announcement.id, announcement.revision, self.now(), self.lease, 50
        ):
            progressed = False
            for job in jobs:
                sender = self.senders.get(job.platform)
                if sender is None or not job.message_ref:
                    await self.broadcasts.updated(job, announcement.revision)  # cannot update
                    continue
                wait = await self.limiter.reserve(
                    job.platform,
                    sender.rate,
                    f"{job.platform}:{job.address}",
                    sender.per_conversation,
                )
                if wait > 0:
                    await asyncio.sleep(wait)
                result = await sender.update(job, card)
                if result.retry_after is not None or result.transient:
                    await self.broadcasts.unlease(job)
                    if result.retry_after is not None:
                        await self.limiter.slow(job.platform, sender.rate, result.retry_after)
                    continue
                await self.broadcasts.updated(job, announcement.revision)
                progressed = True
                done += 1
            if not progressed:
                break  # try again at the next kick
        return done
