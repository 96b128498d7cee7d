"""One recipient of an announcement, claimed for sending: what the broadcast records hand out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Job:
    """One claimed recipient."""

    id: str
    announcement_id: str
    person_id: str  # a person's id, or "#<channel>" for a post in a channel
    platform: str
    address: str
    attempts: int
    was_in_flight: bool  # a previous send's outcome is unknown: check before sending again
    message_ref: str = ""
