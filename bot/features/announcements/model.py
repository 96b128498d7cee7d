"""Announcements: what HR sends, to whom and when, and how far it has gone out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.model import Person


class AnnouncementStatus(StrEnum):
    """Where an announcement stands."""

    DRAFT = "draft"  # composed, previewed to its author, not yet sent
    SCHEDULED = "scheduled"  # waiting for its time (now, or later)
    SENDING = "sending"  # recipients are being messaged
    SENT = "sent"  # every recipient was messaged or recorded as failed
    CANCELLED = "cancelled"


@dataclass
class Announcement:
    """A message from HR to an audience, optionally to be acknowledged."""

    id: str
    title: str
    summary: str
    author_id: str
    created_at: datetime
    link: str = ""
    policy_version: int | None = None
    ack_required: bool = True
    audience: tuple[str, ...] = ("everyone",)  # "everyone", departments, "slack#C…" channels
    status: AnnouncementStatus = AnnouncementStatus.DRAFT
    send_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    revision: int = 1
    action: tuple[str, ...] = ()  # an extra button: (label, action id, value), e.g. "Vote"

    def includes(self, person: Person) -> bool:
        """True when `person` is in the audience."""
        return "everyone" in self.audience or (person.department or "") in self.audience

    @property
    def channels(self) -> tuple[tuple[str, str], ...]:
        """Channels it is also posted in: (platform, channel id)."""
        found = (a.partition("#") for a in self.audience if "#" in a)
        return tuple((platform, channel) for platform, _, channel in found)


@dataclass(frozen=True, slots=True)
class BroadcastFigures:
    """What became of an announcement's messages, from its recipient rows."""

    recipients: int = 0
    pending: int = 0
    delivered: int = 0
    failed: dict[str, int] = field(default_factory=dict)  # reason -> count
    acknowledged: int = 0
    outstanding: int = 0  # people it was for who have not acknowledged it (yet)
    channels: int = 0  # of the recipients, channels (never acknowledge, never reminded)
    problem: str = ""  # why a broadcast is not moving, when it is not
