"""Announcements to people who use the terminal chat: the message waits in the outbox and is
printed at their prompt, as every other notification to them is."""

from __future__ import annotations

from adapters.broadcast.engine import Result
from bot import entry
from bot.deps import Deps
from bot.features.announcements.model import Announcement
from bot.messages import Card, Notification
from bot.recipient import Job

PLATFORM = "console"


class ConsoleBroadcast:
    """The engine's console sender: one outbox row per recipient, on its own transaction."""

    platform = PLATFORM
    rate = 500.0  # rows in our own database: no platform limit
    per_conversation = 500.0
    addressed = True  # reaches those who have used the terminal chat: they left an address

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def send(self, job: Job, announcement: Announcement, card: Card) -> Result:
        await self._notify(job.address, card, announcement.title)
        return Result(ref=f"console|{job.id}")

    async def find(self, job: Job, announcement: Announcement) -> Result | None:
        # A delivered notice leaves the outbox once printed, so an earlier send cannot be
        # looked up: sent again (a crash in that instant prints the announcement twice).
        return None

    async def update(self, job: Job, card: Card) -> Result:
        """A corrected announcement is printed again, marked as corrected."""
        await self._notify(job.address, card, card.title)
        return Result(ref=job.message_ref or f"console|{job.id}")

    async def _notify(self, person_id: str, card: Card, title: str) -> None:
        await entry.notify(self.deps, Notification(person_id, card, f"Announcement: {title}"))
