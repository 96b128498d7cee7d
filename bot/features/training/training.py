"""Micro-training: short quiz sessions with spaced repetition, modules per policy version,
and an attestation once the required modules are done."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.content import Content
from bot.deps import Deps
from bot.features.review import changes
from bot.features.training.model import QuizCard
from bot.features.training.rules import QuizModule, QuizQuestion
from bot.messages import Action, Button, Choices, Reply, TextReply, UserRef
from bot.model import Flow, Person, new_id
from bot.ports import UnitOfWork
from bot.routing import MenuEntry, Routes

log = logging.getLogger(__name__)
SESSION = 5
# Leitner boxes: a missed question returns tomorrow; each success pushes it further out.
INTERVALS = {
    1: timedelta(0),
    2: timedelta(days=1),
    3: timedelta(days=3),
    4: timedelta(days=7),
    5: timedelta(days=21),
}


def schedule(card: QuizCard, correct: bool, now: datetime) -> QuizCard:
    """The card after an answer: up one box when right, back to the first when wrong."""
    box = min(card.box + 1, 5) if correct else 1
    due = now + (INTERVALS[box] if correct else timedelta(days=1))
    return QuizCard(card.person_id, card.question_id, box, due)


def changed_sections(content: Content) -> set[str]:
    """Sections the newest policy version added or changed (a first version: all)."""
    d = changes.latest(content)
    return d.changed_ids if d is not None else {s.id for s in content.current.sections}


def redo(content: Content) -> set[str]:
    """Modules that teach a section the newest version changed: done before does not count."""
    changed = changed_sections(content)
    return {m.id for m in content.quizzes.modules if m.sections & changed}


def required_modules(content: Content, chosen: dict[int, frozenset[str]]) -> set[str]:
    """The modules required for the current version.

    HR's choice for this version when there is one; otherwise the choice for the latest
    earlier version plus the modules of the sections this version changed; with no choice
    ever made, every module.
    """
    version = content.current.version
    known = {m.id for m in content.quizzes.modules}
    if version in chosen:
        return set(chosen[version]) & known
    earlier = [v for v in chosen if v < version]
    if earlier:
        return (set(chosen[max(earlier)]) | redo(content)) & known
    return known


def outstanding(
    content: Content, done: dict[str, set[int]], required: set[str]
) -> list[QuizModule]:
    """Required modules not completed (for the current version, where it changed them)."""
    version = content.current.version
    again = redo(content)
    return [
        m
        for m in content.quizzes.modules
        if m.id in required
        and (not done.get(m.id) or (m.id in again and version not in done[m.id]))
    ]


async def required_now(deps: Deps, uow: UnitOfWork) -> set[str]:
    """The modules required for the current version, as HR chose them."""
    return required_modules(deps.content, await uow.training.required_sets())


def pick(
    content: Content,
    cards: list[QuizCard],
    done: dict[str, set[int]],
    now: datetime,
    size: int = SESSION,
    required: set[str] | None = None,
) -> list[str]:
    """Due questions first (oldest due first), then unseen ones from outstanding modules."""
    seen = {c.question_id for c in cards}
    due = [c.question_id for c in sorted(cards, key=lambda c: c.due_at) if c.due_at <= now]
    needed = {m.id for m in content.quizzes.modules} if required is None else required
    left = outstanding(content, done, needed)
    fresh = [q.id for m in left for q in m.questions if q.id not in seen]
    rest = [q.id for m in content.quizzes.modules for q in m.questions if q.id not in seen]
    ordered = list(dict.fromkeys(due + fresh + rest))
    return ordered[:size] if len(ordered) >= 3 else ordered


def _ask(deps: Deps, session: str, q: QuizQuestion, n: int, total: int) -> Choices:
    buttons = tuple(
        Button(option[:75], "quiz_answer", f"{session}:{q.id}:{i}")
        for i, option in enumerate(q.options)
    )
    stop = Button("Stop for now", "quiz_stop", session)
    return Choices(f"Question {n} of {total}: {q.prompt}", (*buttons, stop))


async def start(deps: Deps, uow: UnitOfWork, person: Person, user: UserRef) -> list[Reply]:
    """Start a session, or resume the one in progress."""
    flow = await uow.conversations.flow(user)
    if flow and flow.name == "quiz":
        return [TextReply("Picking up where you left off."), _current(deps, flow)]
    now = deps.clock.now()
    cards = list(await uow.training.cards(person.id))
    done = await uow.training.completed(person.id)
    questions = pick(deps.content, cards, done, now, required=await required_now(deps, uow))
    if not questions:
        return [TextReply("Nothing to practise right now. Come back tomorrow!")]
    flow = Flow("quiz", "0", {"session": new_id(), "questions": questions, "score": 0})
    await uow.conversations.set_flow(user, flow)
    return [_current(deps, flow)]


def _current(deps: Deps, flow: Flow) -> Reply:
    questions = list(flow.data["questions"])
    n = int(flow.step)
    found = deps.content.quizzes.question(str(questions[n]))
    if found is None:
        return TextReply("That question was retired. Type *quiz* to start again.")
    return _ask(deps, str(flow.data["session"]), found[1], n + 1, len(questions))


async def answer(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """An option was pressed: feedback, then the next question or the result."""
    session, question_id, index = [*a.value.split(":"), "", "", ""][:3]
    flow = await uow.conversations.flow(a.user)
    found = deps.content.quizzes.question(question_id)
    if found is None or not index.isdigit():
        return [TextReply("That question is no longer available. Type *quiz* to start again.")]
    if flow is None or flow.name != "quiz" or flow.data.get("session") != session:
        return [TextReply("That quiz has finished. Type *quiz* for a new one.")]
    questions = list(flow.data["questions"])
    if questions[int(flow.step)] != question_id:
        return [TextReply("You have already answered that one.")]
    q = found[1]
    now = deps.clock.now()
    correct = int(index) == q.answer
    if not await uow.training.answer(session, q.id, person.id, correct, now):
        return [TextReply("You have already answered that one.")]
    cards = {c.question_id: c for c in await uow.training.cards(person.id)}
    card = cards.get(q.id) or QuizCard(person.id, q.id, 1, now)
    await uow.training.save_card(schedule(card, correct, now))
    section = deps.content.current.section(q.section)
    where = f"Policy v{deps.content.current.version}, “{section.title if section else q.section}”"
    verdict = "Right!" if correct else f"Not quite: the answer is “{q.options[q.answer]}”."
    replies: list[Reply] = [TextReply(f"{verdict} {q.explanation}\n({where})")]
    score = int(flow.data["score"]) + int(correct)
    step = int(flow.step) + 1
    if step < len(questions):
        flow = Flow("quiz", str(step), {**flow.data, "score": score})
        await uow.conversations.set_flow(a.user, flow)
        return [*replies, _current(deps, flow)]
    await uow.conversations.set_flow(a.user, None)
    return [*replies, *await _finish(deps, uow, person, questions, score)]


async def _finish(
    deps: Deps, uow: UnitOfWork, person: Person, questions: list[str], score: int
) -> list[Reply]:
    now = deps.clock.now()
    version = deps.content.current.version
    cards = {c.question_id: c for c in await uow.training.cards(person.id)}
    done = await uow.training.completed(person.id)
    for module in deps.content.quizzes.modules:
        mastered = all(cards.get(q.id) and cards[q.id].box >= 2 for q in module.questions)
        if mastered and version not in done.get(module.id, set()):
            await uow.training.complete(person.id, module.id, version, now)
            done.setdefault(module.id, set()).add(version)
    review = [cards[q].question_id for q in questions if q in cards and cards[q].box == 1]
    sections = sorted(
        {found[1].section for qid in review if (found := deps.content.quizzes.question(qid))}
    )
    text = f"You scored {score} out of {len(questions)}."
    if sections:
        text += (
            " Worth a second look: "
            + ", ".join(
                (s.title if (s := deps.content.current.section(sid)) else sid) for sid in sections
            )
            + "."
        )
    left = outstanding(deps.content, done, await required_now(deps, uow))
    if left:
        text += f" Modules still to complete: {', '.join(m.title for m in left)}."
        return [TextReply(text)]
    if await uow.training.attested(person.id, version):
        return [TextReply(text + " Your training is complete.")]
    attest = Button(
        f"I have read and understood version {version}", "training_attest", str(version), "primary"
    )
    return [Choices(text + " All required modules are done.", (attest,))]


async def today(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """ "Answer it" on a question of the day: a one-question session."""
    if deps.content.quizzes.question(a.value) is None:
        return [TextReply("That question was retired. Type *quiz* to practise.")]
    flow = Flow("quiz", "0", {"session": new_id(), "questions": [a.value], "score": 0})
    await uow.conversations.set_flow(a.user, flow)
    return [_current(deps, flow)]


async def stop(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """Pause: the session waits until the person types *quiz* again."""
    return [TextReply("Paused. Type *quiz* to carry on where you left off.")]


async def attest(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """Record the attestation for the current version, once all required modules are done."""
    version = deps.content.current.version
    if a.value != str(version):
        return [TextReply(f"The current policy is version {version}; type *quiz* to review it.")]
    done = await uow.training.completed(person.id)
    if outstanding(deps.content, done, await required_now(deps, uow)):
        return [TextReply("Some required modules are still open. Type *quiz* to continue.")]
    if not await uow.training.attested(person.id, version):
        await uow.training.attest(person.id, version, deps.clock.now())
    return [TextReply(f"Thank you: recorded that you have read and understood version {version}.")]


async def _start(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await start(deps, uow, person, a.user)


ROUTES = Routes(
    actions={
        "quiz_start": _start,
        "quiz_answer": answer,
        "quiz_stop": stop,
        "training_attest": attest,
        "quiz_today": today,
    },
    typed={"quiz_start": ("quiz", "training", "practice", "practise", "take a quiz")},
    slash={"quiz": "quiz", "training": "quiz"},
    menu=(MenuEntry("Take a quiz", "quiz_start", 30),),
)
