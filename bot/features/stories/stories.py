"""A positive presence: success stories, curated by HR, and recognition rounds staff vote in.

Nothing a person submits is shown to anyone but HR until HR approved it, and only when its
author agreed to it being shared. Links are shown as plain text, never as clickable markup.
The rules are in service.py (staff) and admin.py (HR); here are the chat's forms and cards.
"""

from __future__ import annotations

from bot.deps import Deps
from bot.directory import require
from bot.features.stories import admin, service
from bot.features.stories.card import review_card
from bot.features.stories.model import StoryStatus
from bot.features.stories.service import BODY_MAX, TITLE_MAX
from bot.messages import Action, Button, Card, Field, Form, Option, Reply, Submission, TextReply
from bot.model import Person, Role
from bot.ports import UnitOfWork
from bot.routing import Hint, MenuEntry, Routes
from bot.text import shorten


def story_form(fields: dict[str, str] | None = None) -> Form:
    """The form to share a story or a post someone is proud of."""
    given = fields or {}
    return Form(
        "story",
        "Share a success",
        (
            Field("title", "Title", max_length=TITLE_MAX, initial=given.get("title", "")),
            Field(
                "text",
                "What happened",
                "textarea",
                max_length=BODY_MAX,
                initial=given.get("text", ""),
            ),
            Field(
                "link",
                "Link to the post (optional, https://)",
                required=False,
                max_length=500,
                initial=given.get("link", ""),
            ),
            Field(
                "share",
                "May we show it to colleagues?",
                "select",
                options=(Option("Yes", "yes"), Option("No, only HR", "no")),
                initial=given.get("share", "yes"),
            ),
        ),
        submit_label="Send to HR",
        intro="HR reads every story first; nothing is shown to anyone before HR approves it.",
    )


async def submit(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """Someone shared a story: stored for HR to curate."""
    fields = dict(f.fields)
    try:
        story = await service.share(deps, uow, person, fields)
    except service.Invalid as invalid:
        again, errors = story_form(fields), invalid.errors
        return [Form(again.form_id, again.title, again.fields, again.submit_label, errors=errors)]
    thanks = f"Thank you! HR will read \u201c{story.title}\u201d and let you know ({story.id})."
    return [TextReply(thanks)]


async def queue(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """HR: stories waiting for a decision, and the recognition rounds."""
    require(person, Role.HR)
    waiting = await uow.stories.with_status(StoryStatus.SUBMITTED.value)
    replies: list[Reply] = []
    for story in waiting[:5]:
        replies.append(review_card(story, await uow.people.get(story.author_id)))
    approved = [s for s in await uow.stories.with_status(StoryStatus.APPROVED.value) if s.share_ok]
    rounds = await uow.stories.rounds()
    facts = [("Waiting for you", str(len(waiting))), ("Approved, may be shown", str(len(approved)))]
    facts += [
        (r.title, "closed" if r.closed else f"open until {r.closes_at:%d %b}") for r in rounds[-3:]
    ]
    buttons = [Button("Start a recognition round", "round_new", style="primary")]
    buttons += [
        Button(f"Close: {shorten(r.title, 30)}", "round_close", r.id)
        for r in rounds
        if not r.closed
    ]
    replies.append(
        Card("Stories", "Success stories and recognition rounds.", tuple(facts), tuple(buttons))
    )
    return replies


async def approve(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR approved a story; its author is told."""

    try:
        story = await admin.approve(deps, uow, person, a.value)
    except admin.Refused as refused:
        return [TextReply(str(refused))]
    return [TextReply(f"Approved {story.id}.")]


async def decline_form(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR: the reason for declining, which the author will read."""
    require(person, Role.HR)
    return [
        Form(
            "story_decline",
            "Decline a story",
            (Field("reason", "Why (the author will read this)", "textarea", max_length=500),),
            submit_label="Decline",
            context=a.value,
        )
    ]


async def decline(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """HR declined a story with a reason, shown to its author."""

    try:
        story = await admin.decline(deps, uow, person, f.context, f.fields.get("reason", ""))
    except admin.Refused as refused:
        return [TextReply(str(refused))]
    except admin.Invalid as invalid:
        again = (
            await decline_form(deps, uow, person, Action(f.user, f.conversation, "", f.context))
        )[0]
        assert isinstance(again, Form)
        return [
            Form(
                again.form_id,
                again.title,
                again.fields,
                again.submit_label,
                context=again.context,
                errors={invalid.field: str(invalid)},
            )
        ]
    return [TextReply(f"Declined {story.id}; the author was told why.")]


def round_form() -> Form:
    """HR: open a recognition round."""
    return Form(
        "round_new",
        "Recognition round",
        (
            Field("title", "Title", max_length=100, initial="Best post of the month"),
            Field("days", "Voting open for how many days", initial="7", max_length=2),
        ),
        submit_label="Open and invite everyone",
    )


async def new_round_form(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    require(person, Role.HR)
    return [round_form()]


async def open_round(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """HR opened a round: approved, shareable stories not yet in a round are the entries;
    everyone is invited through an announcement with a Vote button."""

    try:
        round_ = await admin.open_round(
            deps, uow, person, f.fields.get("title", ""), f.fields.get("days") or ""
        )
    except admin.Invalid as invalid:
        form = round_form()
        return [
            Form(
                form.form_id,
                form.title,
                form.fields,
                form.submit_label,
                errors={invalid.field: str(invalid)},
            )
        ]
    except admin.Refused as refused:
        return [TextReply(str(refused))]
    return [
        TextReply(
            f"Opened {round_.id} with {len(round_.entries)} stories; everyone is being invited."
        )
    ]


async def ballot(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """The entries of a round, each with its vote button."""
    try:
        shown = await service.ballot(deps, uow, a.value.split(":")[0])
    except service.Refused as refused:
        return [TextReply(str(refused))]
    round_ = shown.round
    replies: list[Reply] = [
        TextReply(f"*{round_.title}*: one vote each, changeable until {round_.closes_at:%d %B}.")
    ]
    for entry in shown.entries:
        story = entry.story
        facts = (("Link", story.link),) if story.link else ()
        replies.append(
            Card(
                f"{entry.number}. {story.title}",
                story.body,
                facts,
                (Button("Vote for this one", "round_vote", f"{round_.id}:{story.id}", "primary"),),
            )
        )
    return replies


async def vote(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """One vote per person per round; a later vote replaces the earlier one."""
    round_id, _, story_id = a.value.partition(":")
    try:
        voted = await service.vote(deps, uow, person, round_id, story_id)
    except service.Refused as refused:
        return [TextReply(str(refused))]
    name = voted.title
    if voted.changed:
        return [TextReply(f"Changed: your vote now goes to \u201c{name}\u201d.")]
    until = f"{voted.closes_at:%d %B}"
    return [
        TextReply(
            f"Thank you: your vote goes to \u201c{name}\u201d. You can change it until {until}."
        )
    ]


async def close_now(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR closes a round early."""

    try:
        round_, winner = await admin.close_round(deps, uow, person, a.value)
    except admin.Refused as refused:
        return [TextReply(str(refused))]
    return [
        TextReply(
            f"Closed {round_.id}. "
            + (f"Winner: \u201c{winner.title}\u201d." if winner else "No votes.")
        )
    ]


async def tick(deps: Deps, uow: UnitOfWork) -> int:
    """Close rounds whose time is up and announce their results."""
    closed = 0
    for round_ in await uow.stories.rounds():
        if not round_.closed and deps.clock.now() >= round_.closes_at:
            await admin.finish_round(deps, uow, round_, "")
            closed += 1
    return closed


async def _new(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return [story_form()]


async def _queue(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await queue(deps, uow, person)


async def _latest_ballot(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    round_ = await service.current(uow)
    if round_ is None:
        return [TextReply("There is no vote open right now.")]
    press = Action(a.user, a.conversation, "round_ballot", round_.id)
    return await ballot(deps, uow, person, press)


ROUTES = Routes(
    jobs={"recognition rounds": tick},
    actions={
        "story_new": _new,
        "story_approve": approve,
        "story_decline": decline_form,
        "stories_open": _queue,
        "round_new": new_round_form,
        "round_ballot": ballot,
        "round_vote": vote,
        "round_close": close_now,
        "round_vote_open": _latest_ballot,
    },
    forms={"story": submit, "story_decline": decline, "round_new": open_round},
    typed={
        "story_new": ("share a story", "share a success", "story", "success story"),
        "stories_open": ("stories", "success stories"),
        "round_vote_open": ("vote", "recognition", "best post"),
    },
    slash={"story": "share a story", "stories": "stories", "vote": "vote"},
    menu=(
        MenuEntry("Share a success", "story_new", 80),
        MenuEntry("Stories", "stories_open", 140, (Role.HR,)),
    ),
    hints=(Hint("*stories*", (Role.HR,), 100),),
)
