"""Success stories as staff meet them: sharing one, and voting in a recognition round.

`share` and `vote` make their change in the caller's unit of work (neither commits); `share`
tells HR through the outbox. `ballot` is what a round shows: only approved stories whose
author agreed to them being shown. They raise `Invalid` or `Refused` instead of answering.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot import errors
from bot.deps import Deps
from bot.features.stories.admin import Refused as Refused  # the feature's one refusal
from bot.features.stories.card import review_card
from bot.features.stories.model import Round, Story, StoryStatus
from bot.messages import Notification
from bot.model import Person, Role, new_ref
from bot.ports import UnitOfWork
from bot.text import clean, is_https_url

log = logging.getLogger(__name__)
TITLE_MAX, BODY_MAX = 120, 1500
GONE = "That round no longer exists."
STALE = "That vote button no longer works."


class Invalid(errors.Invalid):
    """The story form has problems: `errors` by field."""


@dataclass(frozen=True, slots=True)
class Shown:
    """A story on a ballot, with its place among the round's entries (from 1)."""

    number: int
    story: Story


@dataclass(frozen=True, slots=True)
class Ballot:
    """An open round and the entries that may be shown, in the round's order."""

    round: Round
    entries: tuple[Shown, ...]


@dataclass(frozen=True, slots=True)
class Voted:
    """A vote recorded: whether it replaced the person's earlier one, the story's title and
    when the round closes."""

    changed: bool
    title: str
    closes_at: datetime


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


def _still_open(round_: Round, now: datetime) -> None:
    """Refused once `round_` is closed or its time is up."""
    if round_.closed or now >= round_.closes_at:
        raise Refused(f"Voting in \u201c{round_.title}\u201d has closed.")


async def current(uow: UnitOfWork) -> Round | None:
    """The newest round not closed yet, if any."""
    open_rounds = [r for r in await uow.stories.rounds() if not r.closed]
    return open_rounds[-1] if open_rounds else None


async def ballot(deps: Deps, uow: UnitOfWork, round_id: str) -> Ballot:
    """The entries of an open round that may be shown: approved, and shareable. Refused
    when the round is gone or closed."""
    round_ = await uow.stories.round(round_id)
    if round_ is None:
        raise Refused(GONE)
    _still_open(round_, deps.clock.now())
    shown = []
    for n, story_id in enumerate(round_.entries, 1):
        story = await uow.stories.get(story_id)
        if story is None or story.status != StoryStatus.APPROVED or not story.share_ok:
            continue  # only approved, shareable stories are ever shown
        shown.append(Shown(n, story))
    return Ballot(round_, tuple(shown))


async def vote(deps: Deps, uow: UnitOfWork, person: Person, round_id: str, story_id: str) -> Voted:
    """One vote per person per round: a later vote replaces the earlier one. Refused for a
    story that is not in the round (a stale or forged button) and once the round is closed."""
    round_ = await uow.stories.round(round_id)
    if round_ is None or story_id not in round_.entries:
        raise Refused(STALE)
    now = deps.clock.now()
    _still_open(round_, now)
    changed = await uow.stories.vote(round_.id, person.id, story_id, now)
    story = await uow.stories.get(story_id)
    return Voted(changed, story.title if story else story_id, round_.closes_at)
