"""Success stories and recognition rounds as typed changes and figures, for HR: shared by the
chat and the dashboard.

`approve`, `decline`, `open_round` and `close_round` make their change in the caller's unit of
work (none commits), tell whom it concerns through the outbox, and raise `Invalid` or
`Refused` instead of answering; `board` is what HR reads. Only HR may do or see any of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.deps import Deps
from bot.directory import require
from bot.features.announcements.model import Announcement, AnnouncementStatus
from bot.features.stories.model import Round, Story, StoryStatus
from bot.messages import Notification, TextReply
from bot.model import Person, Role, new_ref
from bot.ports import UnitOfWork
from bot.text import clean, shorten

log = logging.getLogger(__name__)
DEFAULT_ROUND = "Best post of the month"
DECIDED = "That story was already decided."


class Invalid(ValueError):
    """A field has a problem: `field` names it, the message says what."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field


class Refused(Exception):
    """The change cannot be made (already decided, already closed...); the message says why."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """A story waiting for HR's decision."""

    story: Story
    author: str


@dataclass(frozen=True, slots=True)
class Entry:
    """A story in a round, with its votes."""

    story_id: str
    title: str
    votes: int


@dataclass(frozen=True, slots=True)
class RoundView:
    """A recognition round: its entries with their votes, and its winner once closed."""

    round: Round
    entries: tuple[Entry, ...]
    open: bool

    @property
    def votes(self) -> int:
        """Every vote cast in it."""
        return sum(e.votes for e in self.entries)

    @property
    def winner(self) -> str:
        """The winning story's title, or empty."""
        return next((e.title for e in self.entries if e.story_id == self.round.winner_id), "")


@dataclass(frozen=True, slots=True)
class StoryBoard:
    """The moderation queue, the decided stories' counts and the rounds, newest first."""

    viewer: str
    at: datetime
    waiting: tuple[Waiting, ...]  # oldest first
    approved: int
    shareable: int  # approved and shown to staff with their author's agreement
    declined: int
    eligible: int  # shareable stories in no round yet: a new round's entries
    rounds: tuple[RoundView, ...]


async def _eligible(uow: UnitOfWork) -> list[Story]:
    used = {e for r in await uow.stories.rounds() for e in r.entries}
    return [
        s
        for s in await uow.stories.with_status(StoryStatus.APPROVED.value)
        if s.share_ok and s.id not in used
    ]


async def board(deps: Deps, uow: UnitOfWork, viewer: Person) -> StoryBoard:
    """HR: what waits for a decision, and every round with its votes."""
    require(viewer, Role.HR)
    now = deps.clock.now()
    waiting = []
    for story in sorted(
        await uow.stories.with_status(StoryStatus.SUBMITTED.value), key=lambda s: s.created_at
    ):
        author = await uow.people.get(story.author_id)
        waiting.append(Waiting(story, author.display_name if author else "someone who has left"))
    approved = await uow.stories.with_status(StoryStatus.APPROVED.value)
    declined = await uow.stories.with_status(StoryStatus.DECLINED.value)
    rounds = []
    for r in sorted(await uow.stories.rounds(), key=lambda r: r.opened_at, reverse=True):
        votes = await uow.stories.votes(r.id)
        entries = []
        for story_id in r.entries:
            found = await uow.stories.get(story_id)
            title = found.title if found else story_id
            entries.append(Entry(story_id, title, votes.get(story_id, 0)))
        rounds.append(RoundView(r, tuple(entries), not r.closed and now < r.closes_at))
    return StoryBoard(
        viewer.display_name,
        now,
        tuple(waiting),
        len(approved),
        sum(s.share_ok for s in approved),
        len(declined),
        len(await _eligible(uow)),
        tuple(rounds),
    )


async def _undecided(uow: UnitOfWork, story_id: str) -> Story:
    story = await uow.stories.get(story_id)
    if story is None or story.status != StoryStatus.SUBMITTED:
        raise Refused(DECIDED)
    return story


async def approve(deps: Deps, uow: UnitOfWork, person: Person, story_id: str) -> Story:
    """HR approves a story; its author is told."""
    require(person, Role.HR)
    story = await _undecided(uow, story_id)
    story.status, story.decided_at = StoryStatus.APPROVED, deps.clock.now()
    await uow.stories.save(story)
    shown = " It can now be part of a recognition round." if story.share_ok else ""
    note = TextReply(f"HR approved your story \u201c{story.title}\u201d. Thank you!{shown}")
    await uow.outbox.add(Notification(story.author_id, note, "Your story was approved"))
    log.info("story %s approved", story.id)
    return story


async def decline(deps: Deps, uow: UnitOfWork, person: Person, story_id: str, reason: str) -> Story:
    """HR declines a story with a reason, which its author reads."""
    require(person, Role.HR)
    story = await _undecided(uow, story_id)
    reason = clean(reason)
    if not reason:
        raise Invalid("reason", "Say why, kindly.")
    story.status, story.reason, story.decided_at = StoryStatus.DECLINED, reason, deps.clock.now()
    await uow.stories.save(story)
    note = TextReply(
        f"HR read your story \u201c{story.title}\u201d and will not share it: {reason}"
    )
    await uow.outbox.add(Notification(story.author_id, note, "About your story"))
    log.info("story %s declined", story.id)
    return story


async def open_round(deps: Deps, uow: UnitOfWork, person: Person, title: str, days: str) -> Round:
    """HR opens a round: approved, shareable stories in no round yet are its entries (up to
    ten); everyone is invited through an announcement with a Vote button."""
    require(person, Role.HR)
    title = clean(title) or DEFAULT_ROUND
    days = days.strip()
    if not days.isdigit() or not 1 <= int(days) <= 31:
        raise Invalid("days", "From 1 to 31 days.")
    entries = tuple(s.id for s in await _eligible(uow))
    if len(entries) < 2:
        raise Refused("A round needs at least two approved stories that may be shown.")
    now = deps.clock.now()
    round_ = Round(
        new_ref("R"), shorten(title, 100), entries[:10], now, now + timedelta(days=int(days))
    )
    await uow.stories.add_round(round_)
    invitation = Announcement(
        id=new_ref("A"),
        title=f"Vote: {round_.title}",
        summary=(
            f"{len(round_.entries)} colleagues' stories are in the running. Read them and vote "
            f"for your favourite before {round_.closes_at:%d %B}; you can change your vote "
            "until then."
        ),
        author_id=person.id,
        created_at=now,
        ack_required=False,
        status=AnnouncementStatus.SCHEDULED,
        send_at=now,
        action=("Read and vote", "round_ballot", round_.id),
    )
    await uow.announcements.add(invitation)
    log.info("round %s opened with %d entries", round_.id, len(round_.entries))
    return round_


async def close_round(
    deps: Deps, uow: UnitOfWork, person: Person, round_id: str
) -> tuple[Round, Story | None]:
    """HR closes a round early; the round and its winner (None: no votes), announced."""
    require(person, Role.HR)
    round_ = await uow.stories.round(round_id)
    if round_ is None or round_.closed:
        raise Refused("That round is already closed.")
    return round_, await finish_round(deps, uow, round_, person.id)


async def finish_round(deps: Deps, uow: UnitOfWork, round_: Round, by: str) -> Story | None:
    """Close `round_`: its winner (most votes, the first entered on a tie) becomes an
    announcement to everyone; `by` is who closed it ("" for the schedule)."""
    votes = await uow.stories.votes(round_.id)
    ranked = sorted(round_.entries, key=lambda s: (-votes.get(s, 0), round_.entries.index(s)))
    winner = await uow.stories.get(ranked[0]) if ranked and votes else None
    round_.closed, round_.winner_id = True, winner.id if winner else None
    await uow.stories.save_round(round_)
    if winner is not None:
        author = await uow.people.get(winner.author_id)
        now = deps.clock.now()
        result = Announcement(
            id=new_ref("A"),
            title=f"{round_.title}: \u201c{winner.title}\u201d",
            summary=(
                f"Congratulations to {author.display_name if author else 'our colleague'}, whose "
                f"story won with {votes.get(winner.id, 0)} of {sum(votes.values())} votes. "
                "Thank you to everyone who shared and voted."
            ),
            author_id=by or (author.id if author else ""),
            created_at=now,
            ack_required=False,
            status=AnnouncementStatus.SCHEDULED,
            send_at=now,
        )
        await uow.announcements.add(result)
    log.info("round %s closed", round_.id)
    return winner


@dataclass(frozen=True, slots=True)
class Exported:
    """One story as HR exports it: its author (None once they have left), the votes it had
    over every round, and the title of the round it won ("" if none)."""

    story: Story
    author: Person | None
    votes: int
    won: str


async def export(uow: UnitOfWork, viewer: Person) -> tuple[Exported, ...]:
    """HR: every story, with its votes and wins."""
    require(viewer, Role.HR)
    rounds = list(await uow.stories.rounds())
    votes: dict[str, int] = {}
    for r in rounds:
        for story_id, n in (await uow.stories.votes(r.id)).items():
            votes[story_id] = votes.get(story_id, 0) + n
    won = {r.winner_id: r.title for r in rounds if r.winner_id}
    authors = {p.id: p for p in await uow.people.all()}
    return tuple(
        Exported(s, authors.get(s.author_id), votes.get(s.id, 0), won.get(s.id, ""))
        for s in await uow.stories.all()
    )
