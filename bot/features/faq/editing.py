"""The FAQ as HR runs it: where it falls short (questions nobody could answer, "not helpful"
votes by topic, suggestions), what the matcher makes of a question, and HR's changes, a new
phrasing of an entry or a new entry, kept in the database as a layer over `content/faq`."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from pydantic import ValidationError

from bot import errors
from bot.content import FaqEntry
from bot.deps import Deps
from bot.directory import require
from bot.features.askhr.model import Ticket
from bot.features.dashboard.dashboard import Missing
from bot.features.faq.index import Match, Near
from bot.features.faq.store import ChangeKind, FaqChange
from bot.features.review import review
from bot.model import Person, Role, new_id
from bot.ports import UnitOfWork
from bot.text import valid

log = logging.getLogger(__name__)
LISTED = 50  # unanswered and answered questions shown
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Invalid(errors.Invalid):
    """What is wrong with a change, by field; nothing was stored."""


@dataclass(frozen=True, slots=True)
class Topic:
    """One entry, with how it has fared since the current version was published."""

    faq_id: str
    question: str
    section: str
    answered: int
    helpful: int
    unhelpful: int
    phrasings: int
    added: bool  # an entry HR added on the dashboard, not one of content/faq


@dataclass(frozen=True, slots=True)
class Change:
    """A change in the history, with who made and who retired it."""

    change: FaqChange
    author: str
    retired_by: str = ""


@dataclass(frozen=True, slots=True)
class Board:
    """The FAQ page."""

    viewer: str
    since: date
    topics: list[Topic]
    unanswered: list[tuple[str, date]]
    answered: list[Ticket]
    suggestions: list[tuple[str, str, str, str]]  # section, kind, text, who
    history: list[Change]
    sections: list[tuple[str, str]]  # id, title of the current version's sections
    matcher: str

    @property
    def entries(self) -> list[tuple[str, str]]:
        """Every entry, for a choice of where a phrasing goes: id and question."""
        return sorted(((t.faq_id, t.question) for t in self.topics), key=lambda e: e[1])


@dataclass(frozen=True, slots=True)
class Trial:
    """What the matcher answers to a question: the match and the nearest phrasings."""

    question: str
    match: Match
    entry: FaqEntry | None
    near: list[Near] = field(default_factory=list)


def merged(base: Iterable[FaqEntry], changes: Iterable[FaqChange]) -> tuple[FaqEntry, ...]:
    """`content/faq` with the changes in force: added phrasings at the end of their entry,
    added entries after the content's."""
    entries = {e.id: e for e in base}
    for c in changes:
        if c.retired_at is not None:
            continue
        if c.kind is ChangeKind.ENTRY and c.faq_id not in entries:
            try:
                entries[c.faq_id] = FaqEntry(
                    id=c.faq_id,
                    question=c.text,
                    answer=c.answer,
                    section=c.section,
                    phrasings=c.phrasings,
                )
            except ValidationError:
                log.warning("FAQ: the entry added as %s is no longer valid: left out", c.id)
        elif c.kind is ChangeKind.PHRASING and c.faq_id in entries:
            e = entries[c.faq_id]
            entries[c.faq_id] = e.model_copy(update={"phrasings": (*e.phrasings, c.text)})
    return tuple(entries.values())


async def refresh(deps: Deps, uow: UnitOfWork) -> int:
    """Bring the matcher up to date with the changes in the database (made here or by another
    server); 1 when it changed."""
    stamp = await uow.faq_changes.stamp()
    if stamp == deps.faq.layer:
        return 0
    entries = merged(deps.content.faq, await uow.faq_changes.all())
    await deps.faq.reload(entries, stamp)
    return 1


async def _name(uow: UnitOfWork, person_id: str | None) -> str:
    if person_id is None:
        return ""
    person = await uow.people.get(person_id)
    return person.display_name if person else "someone who has left"


async def board(deps: Deps, uow: UnitOfWork, viewer: Person) -> Board:
    """Where the FAQ falls short since the current version, and HR's changes."""
    require(viewer, Role.HR)
    since = deps.content.current.meta.published
    tallies = await uow.faq_log.tallies(since)
    base = {e.id for e in deps.content.faq}
    topics = [
        Topic(
            e.id,
            e.question,
            e.section,
            *tallies.get(e.id, (0, 0, 0)),
            len(e.phrasings),
            e.id not in base,
        )
        for e in deps.faq.entries
    ]
    topics.sort(key=lambda t: (-t.unhelpful, -t.answered, t.question))
    unanswered = [
        (text, day)
        for text, day in await uow.faq_log.unanswered_since(since, LISTED)
        if review.is_question(text)
    ]
    suggestions = [
        (section, kind, text, who)
        for section, items in sorted((await review.suggestions(deps, uow, since)).items())
        for kind, text, who in items
    ]
    history = [
        Change(c, await _name(uow, c.author_id), await _name(uow, c.retired_by))
        for c in reversed(await uow.faq_changes.all())
    ]
    return Board(
        viewer=viewer.display_name,
        since=since,
        topics=topics,
        unanswered=unanswered,
        answered=list(await uow.tickets.answered(LISTED)),
        suggestions=suggestions,
        history=history,
        sections=sections(deps, viewer),
        matcher=deps.faq.matcher,
    )


def sections(deps: Deps, viewer: Person) -> list[tuple[str, str]]:
    """The current version's sections (id, title), for the section a new entry cites."""
    require(viewer, Role.HR)
    return [(s.id, s.title) for s in deps.content.current.sections]


async def trial(deps: Deps, viewer: Person, question: str) -> Trial:
    """What the matcher answers to `question`, how sure it is, and the closest phrasings
    (the question embedded once, off the event loop)."""
    require(viewer, Role.HR)
    question = valid(question).strip()[:500]
    if not question:
        raise Invalid({"question": "Type a question to try."})
    found = await deps.faq.amatch(question)
    entry = deps.faq.entry(found.faq_id or found.candidate)
    return Trial(question, found, entry, await deps.faq.aclosest(question))


def _known(entries: Sequence[FaqEntry]) -> set[str]:
    return {" ".join(t.lower().split()) for e in entries for t in (e.question, *e.phrasings)}


def _phrasing(text: str, known: set[str], errors: dict[str, str], name: str) -> str:
    text = " ".join(valid(text).split())
    if sum(ch.isalpha() for ch in text) < 5:
        errors[name] = "Write the question in words (at least five letters)."
    elif len(text) > 300:
        errors[name] = "Keep it under 300 characters: one way of asking, not an answer."
    elif text.lower() in known:
        errors[name] = "The FAQ already has exactly this phrasing."
    return text


async def add_phrasing(
    deps: Deps, uow: UnitOfWork, viewer: Person, faq_id: str, text: str, source: str = ""
) -> FaqChange:
    """A new way of asking an entry: the matcher answers it from the next question on."""
    require(viewer, Role.HR)
    entry = deps.faq.entry(faq_id)
    errors: dict[str, str] = {}
    if entry is None:
        errors["faq_id"] = "Choose the entry this question is about."
    text = _phrasing(text, _known(deps.faq.entries), errors, "text")
    if errors:
        raise Invalid(errors)
    change = FaqChange(
        id=new_id(),
        kind=ChangeKind.PHRASING,
        faq_id=faq_id,
        text=text,
        author_id=viewer.id,
        created_at=deps.clock.now(),
        source=source[:100],
    )
    await uow.faq_changes.add(change)
    return change


async def add_entry(
    deps: Deps, uow: UnitOfWork, viewer: Person, fields: dict[str, str], source: str = ""
) -> FaqChange:
    """A new entry: id, question, answer, the section it cites, and other ways of asking
    (one per line). Checked as `content/faq` is."""
    require(viewer, Role.HR)
    errors: dict[str, str] = {}
    faq_id = valid(fields.get("id", "")).strip().lower()
    if not _ID.match(faq_id):
        errors["id"] = "Lower-case words joined by hyphens, e.g. conference-talks."
    elif deps.faq.entry(faq_id) is not None:
        errors["id"] = "An entry already has this id."
    sections = {s.id for s in deps.content.current.sections}
    section = fields.get("section", "")
    if section not in sections:
        errors["section"] = "Choose the section of the policy the answer cites."
    known = _known(deps.faq.entries)
    question = _phrasing(fields.get("question", ""), known, errors, "question")
    phrasings = []
    for line in valid(fields.get("phrasings", "")).splitlines():
        if line.strip():
            phrasings.append(_phrasing(line, known | {question.lower()}, errors, "phrasings"))
    if len(phrasings) < 3 and "phrasings" not in errors:
        errors["phrasings"] = "Give at least three other ways people ask it, one per line."
    answer = valid(fields.get("answer", "")).strip()
    if not 20 <= len(answer) <= 2500:
        errors["answer"] = "The answer takes 20 to 2,500 characters."
    if not errors:
        try:
            FaqEntry(
                id=faq_id,
                question=question,
                answer=answer,
                section=section,
                phrasings=tuple(phrasings),
            )
        except ValidationError as err:
            errors["question"] = err.errors()[0]["msg"]
    if errors:
        raise Invalid(errors)
    change = FaqChange(
        id=new_id(),
        kind=ChangeKind.ENTRY,
        faq_id=faq_id,
        text=question,
        author_id=viewer.id,
        created_at=deps.clock.now(),
        answer=answer,
        section=section,
        phrasings=tuple(phrasings),
        source=source[:100],
    )
    await uow.faq_changes.add(change)
    return change


async def retire(deps: Deps, uow: UnitOfWork, viewer: Person, change_id: str) -> FaqChange:
    """Take a change out of the FAQ; it stays in the history. Retiring an entry retires the
    phrasings added to it too."""
    require(viewer, Role.HR)
    changes = list(await uow.faq_changes.all())
    found = next((c for c in changes if c.id == change_id and c.retired_at is None), None)
    if found is None:
        raise Missing(change_id)
    now = deps.clock.now()
    await uow.faq_changes.retire(found.id, viewer.id, now)
    if found.kind is ChangeKind.ENTRY:
        for c in changes:
            if c.faq_id == found.faq_id and c.kind is ChangeKind.PHRASING and not c.retired_at:
                await uow.faq_changes.retire(c.id, viewer.id, now)
    return replace(found, retired_at=now, retired_by=viewer.id)


async def ticket(uow: UnitOfWork, viewer: Person, ref: str) -> Ticket:
    """An answered HR question, to make it a phrasing or an entry."""
    require(viewer, Role.HR)
    found = await uow.tickets.by_ref(ref.upper())
    if found is None or found.answer is None:
        raise Missing(ref)
    return found
