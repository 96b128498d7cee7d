"""My data: what the bot holds about the person asking, and what it keeps without knowing
whose it is. Read only; shown to that person alone (in a shared conversation it goes to
their direct messages)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from bot.deps import Deps
from bot.messages import Action, Card, Reply
from bot.model import Person
from bot.ports import UnitOfWork
from bot.routing import MenuEntry, Routes

NOT_KEPT = (
    "Not linked to you, by design: the questions you asked the FAQ (kept with the day only), "
    "your survey answers (counted, with only a keyed record that you took part), and any "
    "anonymous report (reachable only with its receipt and passphrase)."
)


@dataclass(frozen=True, slots=True)
class MyData:
    """Everything held about one person, as facts they can read."""

    name: str
    email: str
    department: str
    manager: str
    roles: tuple[str, ...]
    accounts: dict[str, str]
    pending: str  # the conversation they are in the middle of, if any
    questions_to_hr: list[tuple[str, str]] = field(default_factory=list)  # ref, status
    reports: list[tuple[str, str]] = field(default_factory=list)  # ref, status (confidential)
    modules_done: int = 0
    attested: bool = False
    daily_question: bool = False
    acknowledged: list[str] = field(default_factory=list)  # announcement titles
    suggestions: int = 0  # named ones
    stories: list[tuple[str, str]] = field(default_factory=list)  # title, status


async def gather(deps: Deps, uow: UnitOfWork, person: Person, action: Action) -> MyData:
    """What the bot holds about `person` (who asked: nobody reads another's)."""
    manager = await uow.people.get(person.manager_id) if person.manager_id else None
    flow = await uow.conversations.flow(action.user)
    tickets = [*await uow.tickets.open(), *await uow.tickets.answered(500)]
    mine = await uow.cases.of_reporter(deps.cipher.keyed_hash("reporter", person.id))
    announcements = await uow.announcements.recent(50)
    return MyData(
        name=person.display_name,
        email=person.email or "",
        department=person.department or "",
        manager=manager.display_name if manager else "",
        roles=tuple(sorted(r.value for r in person.roles)),
        accounts=dict(sorted(person.accounts.items())),
        pending=flow.name.replace("_", " ") if flow else "",
        questions_to_hr=[(t.ref, t.status.value) for t in tickets if t.asker_id == person.id],
        reports=[(c.ref, c.status.value) for c in mine],
        modules_done=len(await uow.training.completed(person.id)),
        attested=await uow.training.attested(person.id, deps.content.current.version),
        daily_question=await uow.training.daily(person.id),
        acknowledged=[
            a.title for a in announcements if await uow.announcements.acknowledged(a.id, person.id)
        ],
        suggestions=sum(p == person.id for *_, p in await uow.suggestions.since(date.min)),
        stories=[
            (s.title, s.status.value) for s in await uow.stories.all() if s.author_id == person.id
        ],
    )


def _listed(items: Iterable[str]) -> str:
    return ", ".join(items) or "none"


def card(data: MyData) -> Card:
    """The person's data as a card: facts, then what is kept without their name."""
    facts = (
        ("Name", data.name),
        ("Email", data.email or "not known"),
        ("Department", data.department or "not known"),
        ("Manager", data.manager or "none"),
        ("Roles", _listed(data.roles)),
        ("Chat accounts", _listed(f"{p} {u}" for p, u in data.accounts.items())),
        ("In the middle of", data.pending or "nothing"),
        ("Questions you sent HR", _listed(f"{r} ({s})" for r, s in data.questions_to_hr)),
        ("Your confidential reports", _listed(f"{r} ({s})" for r, s in data.reports)),
        ("Training modules completed", str(data.modules_done)),
        ("Current policy confirmed", "yes" if data.attested else "not yet"),
        ("Question of the day", "on" if data.daily_question else "off"),
        ("Announcements you confirmed", _listed(data.acknowledged)),
        ("Named suggestions", str(data.suggestions)),
        ("Your stories", _listed(f"{t} ({s})" for t, s in data.stories)),
    )
    body = (
        "What Policy Bot holds about you. HR can correct your directory entry; "
        "to have something removed, ask HR."
    )
    return Card("Your data", body, facts, footer=NOT_KEPT)


async def show(deps: Deps, uow: UnitOfWork, person: Person, action: Action) -> list[Reply]:
    """ "my data": the card, for the person alone."""
    return [card(await gather(deps, uow, person, action))]


ROUTES = Routes(
    actions={"my_data": show},
    typed={"my_data": ("my data", "what do you know about me", "my information", "my details")},
    slash={"my-data": "my data"},
    menu=(MenuEntry("My data", "my_data", 90),),
)
