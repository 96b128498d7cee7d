"""Success stories as staff meet them: sharing one.

`share` makes its change in the caller's unit of work (it does not commit), tells HR through
the outbox, and raises `Invalid` instead of answering.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.deps import Deps
from bot.features.stories.card import review_card
from bot.features.stories.model import Story
from bot.messages import Notification
from bot.model import Person, Role, new_ref
from bot.ports import UnitOfWork
from bot.text import clean, is_https_url

log = logging.getLogger(__name__)
TITLE_MAX, BODY_MAX = 120, 1500


class Invalid(ValueError):
    """The story form has problems: `errors` by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def _check(fields: Mapping[str, str]) -> tuple[dict[str, str], str, str, str]:
    title, body, link = (clean(fields.get(k, "")) for k in ("title", "text", "link"))
    errors = {}
    if not title or len(title) > TITLE_MAX:
        errors["title"] = f"Give it a title of up to {TITLE_MAX} characters."
    if not body or len(body) > BODY_MAX:
        errors["text"] = f"Tell the story in up to {BODY_MAX} characters."
    if link and not is_https_url(link):
        errors["link"] = "Use a full https:// address, or leave it empty."
    return errors, title, body, link


async def share(deps: Deps, uow: UnitOfWork, person: Person, fields: Mapping[str, str]) -> Story:
    """A story someone shared, stored for HR to curate; every HR person is sent it to review.
    Raises Invalid with the problems."""
    errors, title, body, link = _check(fields)
    if errors:
        raise Invalid(errors)
    story = Story(
        new_ref("S"),
        person.id,
        title,
        body,
        deps.clock.now(),
        link=link,
        share_ok=fields.get("share", "yes") != "no",
    )
    await uow.stories.add(story)
    for hr in await uow.people.with_role(Role.HR):
        await uow.outbox.add(Notification(hr.id, review_card(story, person), "A story to review"))
    log.info("story %s submitted", story.id)
    return story
