"""The card HR reviews a story on: when it is shared, and in the moderation queue."""

from __future__ import annotations

from bot.features.stories.model import Story
from bot.messages import Button, Card
from bot.model import Person


def review_card(story: Story, author: Person | None) -> Card:
    """The story, who shared it, its link and whether it may be shown, with HR's buttons."""
    facts = [("From", author.display_name if author else "someone who has left")]
    if story.link:
        facts.append(("Link", story.link))
    facts.append(("May be shown to staff", "yes" if story.share_ok else "no, HR only"))
    return Card(
        f"Story {story.id}: {story.title}",
        story.body,
        tuple(facts),
        (
            Button("Approve", "story_approve", story.id, "primary"),
            Button("Decline", "story_decline", story.id, "danger"),
        ),
    )
