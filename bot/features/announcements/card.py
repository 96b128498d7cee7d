"""What each recipient of an announcement sees: the card, with its "I have read it" button."""

from __future__ import annotations

from bot.features.announcements.model import Announcement
from bot.messages import (
    Button,
    Card,
)

ACK = "announcement_ack"


def message(announcement: Announcement, preview: bool = False, reminder: bool = False) -> Card:
    """What each recipient sees; with an "I have read it" button when acknowledgement counts."""
    facts: list[tuple[str, str]] = []
    if announcement.policy_version is not None:
        facts.append(("Policy version", str(announcement.policy_version)))
    if announcement.link:
        facts.append(("Read more", announcement.link))
    if announcement.ack_required:
        facts.append(("Please", "confirm below that you have read it"))
    buttons: tuple[Button, ...] = ()
    if announcement.ack_required and not preview:
        buttons = (Button("I have read it", ACK, announcement.id, "primary"),)
    if len(announcement.action) == 3 and not preview:
        label, action_id, value = announcement.action
        buttons += (Button(label, action_id, value, "primary"),)
    if announcement.policy_version is not None and not preview:
        # The section-by-section summary of what this version changed.
        buttons += (Button("What changed", "policy_changes", str(announcement.policy_version)),)
    title = announcement.title
    if reminder:
        title = f"Reminder: {title}"
    if announcement.revision > 1:
        title = f"{title} (corrected)"
    footer = f"Announcement {announcement.id} from HR"
    if preview:
        footer += " \u00b7 preview: only you can see this"
    return Card(title, announcement.summary, tuple(facts), buttons, footer)
