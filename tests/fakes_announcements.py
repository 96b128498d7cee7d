"""In-memory fakes of the announcements' and the stories' repository ports; `deliver` stands in
for the broadcast engine."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.features.announcements.model import Announcement, BroadcastFigures
from bot.features.stories.model import Round, Story
from tests.fakes_features import FeatureData, Recipient, clone


class FakeAnnouncements:
    """The Announcements port in memory; `deliver` stands in for the broadcast engine."""

    def __init__(self, data: FeatureData) -> None:
        self.data = data

    def deliver(
        self, announcement_id: str, person_id: str, at: datetime, state: str = "delivered"
    ) -> None:
        """What the engine records once a recipient's message went out (or failed)."""
        recipients = self.data.recipients.setdefault(announcement_id, {})
        recipients[person_id] = Recipient(
            person_id, state, "" if state == "delivered" else "unreachable", at
        )

    async def add(self, announcement: Announcement) -> None:
        self.data.announcements[announcement.id] = clone(announcement)

    async def get(self, announcement_id: str) -> Announcement | None:
        found = self.data.announcements.get(announcement_id)
        return clone(found) if found else None

    async def recent(self, limit: int = 10) -> Sequence[Announcement]:
        found = sorted(self.data.announcements.values(), key=lambda a: a.created_at, reverse=True)
        return [clone(a) for a in found[:limit]]

    async def save(self, announcement: Announcement) -> None:
        self.data.announcements[announcement.id] = clone(announcement)

    async def acknowledge(
        self, announcement_id: str, person_id: str, version: int | None, at: datetime
    ) -> bool:
        if (announcement_id, person_id) in self.data.acks:
            return False
        self.data.acks[(announcement_id, person_id)] = at
        return True

    async def acknowledged(self, announcement_id: str, person_id: str) -> bool:
        return (announcement_id, person_id) in self.data.acks

    def _people(self, announcement_id: str) -> list[Recipient]:
        found = self.data.recipients.get(announcement_id, {}).values()
        return [r for r in found if not r.person_id.startswith("#")]

    async def figures(self, announcement_id: str, now: datetime) -> BroadcastFigures:
        every = list(self.data.recipients.get(announcement_id, {}).values())
        people = self._people(announcement_id)
        failed: dict[str, int] = {}
        for r in every:
            if r.state == "failed":
                failed[r.reason] = failed.get(r.reason, 0) + 1
        acked = [a for (a, _) in self.data.acks if a == announcement_id]
        acked_people = [r for r in people if (announcement_id, r.person_id) in self.data.acks]
        announcement = self.data.announcements.get(announcement_id)
        return BroadcastFigures(
            recipients=len(every),
            pending=sum(1 for r in every if r.state == "pending"),
            delivered=sum(1 for r in every if r.state == "delivered"),
            failed=failed,
            acknowledged=len(acked),
            outstanding=(
                len(people) - len(acked_people) if announcement and announcement.ack_required else 0
            ),
            channels=len(every) - len(people),
        )

    async def unacknowledged(
        self, announcement_id: str
    ) -> Sequence[tuple[str, datetime, int, datetime | None]]:
        return [
            (r.person_id, r.delivered_at, r.reminders, r.reminded_at)
            for r in self._people(announcement_id)
            if r.state == "delivered"
            and r.delivered_at is not None
            and (announcement_id, r.person_id) not in self.data.acks
        ]

    async def reminded(self, announcement_id: str, person_id: str, at: datetime) -> bool:
        recipient = self.data.recipients[announcement_id][person_id]
        recipient.reminders += 1
        recipient.reminded_at = at
        return True

    async def recipients(self, announcement_id: str) -> Sequence[dict[str, Any]]:
        return [
            {
                "name": r.person_id,
                "state": r.state,
                "reason": r.reason,
                "reminders": r.reminders,
                "acknowledged_at": (
                    at.isoformat(timespec="seconds")
                    if (at := self.data.acks.get((announcement_id, r.person_id)))
                    else ""
                ),
            }
            for r in self.data.recipients.get(announcement_id, {}).values()
        ]

    async def acknowledgement_times(self, announcement_id: str) -> Sequence[datetime]:
        mine = self.data.recipients.get(announcement_id, {})
        return [at for (a, p), at in self.data.acks.items() if a == announcement_id and p in mine]

    async def reached(self, announcement_id: str) -> dict[str, bool]:
        return {
            r.person_id: (announcement_id, r.person_id) in self.data.acks
            for r in self._people(announcement_id)
            if r.state == "delivered"
        }


class FakeStories:
    """The Stories port in memory: one vote a person a round, changeable."""

    def __init__(self, data: FeatureData) -> None:
        self.data = data

    async def add(self, story: Story) -> None:
        self.data.stories[story.id] = clone(story)

    async def get(self, story_id: str) -> Story | None:
        found = self.data.stories.get(story_id)
        return clone(found) if found else None

    async def save(self, story: Story) -> None:
        self.data.stories[story.id] = clone(story)

    async def with_status(self, status: str) -> Sequence[Story]:
        return [s for s in await self.all() if s.status == status]

    async def all(self) -> Sequence[Story]:
        return [clone(s) for s in sorted(self.data.stories.values(), key=lambda s: s.created_at)]

    async def add_round(self, round_: Round) -> None:
        self.data.rounds[round_.id] = clone(round_)

    async def round(self, round_id: str) -> Round | None:
        found = self.data.rounds.get(round_id)
        return clone(found) if found else None

    async def rounds(self) -> Sequence[Round]:
        return [clone(r) for r in sorted(self.data.rounds.values(), key=lambda r: r.opened_at)]

    async def save_round(self, round_: Round) -> None:
        stored = self.data.rounds[round_.id]
        stored.closed, stored.winner_id = round_.closed, round_.winner_id

    async def vote(self, round_id: str, person_id: str, story_id: str, at: datetime) -> bool:
        before = self.data.votes.get((round_id, person_id))
        self.data.votes[(round_id, person_id)] = story_id
        return before is not None and before != story_id

    async def votes(self, round_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for (r, _), story in self.data.votes.items():
            if r == round_id:
                counts[story] = counts.get(story, 0) + 1
        return counts
