"""The policy's review cycle: a reminder to the policy owner ahead of each version's review
date, with what staff said since the version was published."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.deps import Deps
from bot.directory import require
from bot.features.surveys import results as surveys_results
from bot.messages import Action, Card, Notification, Reply
from bot.model import Person, Role
from bot.ports import UnitOfWork
from bot.routing import Hint, Routes
from bot.text import shorten

log = logging.getLogger(__name__)
LEAD_DAYS = 30  # the owner is reminded this long before the review date
AWARENESS = "policy-awareness"


def review_date(deps: Deps) -> date:
    """The current version's review date: `review_months` after publication."""
    meta = deps.content.current.meta
    month = meta.published.month - 1 + meta.review_months
    year, month = meta.published.year + month // 12, month % 12 + 1
    for day in (meta.published.day, 30, 29, 28):  # the same day, or the month's last
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def is_question(text: str) -> bool:
    """Whether an unanswered message is worth HR's reading: it has words, not only digits,
    emoji or punctuation (a stray "2" meant for a button, a row of smileys)."""
    return sum(ch.isalpha() for ch in text) >= 2


@dataclass
class Inputs:
    """Everything staff said about the current version since it was published."""

    by_section: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)
    unhelpful: dict[str, int] = field(default_factory=dict)  # FAQ entry -> votes
    unhelpful_by_section: dict[str, int] = field(default_factory=dict)
    missed: list[tuple[str, float, int]] = field(default_factory=list)  # question, share, n
    awareness: str = ""  # the latest awareness survey's results, when they may be shown

    @property
    def suggestions(self) -> int:
        return sum(len(v) for v in self.by_section.values())


async def suggestions(
    deps: Deps, uow: UnitOfWork, since: date
) -> dict[str, list[tuple[str, str, str]]]:
    """Suggestions since `since` by section: kind, text (decrypted), and who for named ones."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for section_id, kind, box, person_id in await uow.suggestions.since(since):
        who = ""
        if person_id:
            person = await uow.people.get(person_id)
            who = person.display_name if person else "someone who has left"
        text = deps.cipher.open(box, b"suggestion").decode()
        found.setdefault(section_id, []).append((kind, text, who))
    return found


async def inputs(deps: Deps, uow: UnitOfWork) -> Inputs:
    """Suggestions (decrypted; names only for named ones), FAQ gaps, quiz misses, survey."""
    since = deps.content.current.meta.published
    found = Inputs(by_section=await suggestions(deps, uow, since))
    unanswered, found.unhelpful = await uow.faq_log.since(since)
    found.unanswered = [q for q in unanswered if is_question(q)]
    for faq_id, n in found.unhelpful.items():
        entry = deps.faq.entry(faq_id)
        if entry is not None:
            found.unhelpful_by_section[entry.section] = (
                found.unhelpful_by_section.get(entry.section, 0) + n
            )
    rates = await uow.training.miss_rates()
    found.missed = sorted(
        ((q, missed / n, n) for q, (n, missed) in rates.items() if n >= 5),
        key=lambda item: (-item[1], item[0]),
    )[:5]
    campaigns = [c for c in await uow.campaigns.all() if c.survey_id == AWARENESS]
    if campaigns:
        latest = max(campaigns, key=lambda c: c.closes_on)
        results = await surveys_results.compute(deps, uow, latest)
        if results.shown:
            parts = [
                f"{shorten(q.text, 60)}: {q.favourable:.0%} agree"
                for q in results.questions
                if q.favourable is not None
            ][:4]
            found.awareness = f"{results.participants} answered; " + "; ".join(parts)
        else:
            found.awareness = (
                f"{results.participants} answered: too few to show results (anonymity threshold)"
            )
    return found


def summary(deps: Deps, found: Inputs) -> str:
    """The review summary as readable text."""
    policy = deps.content.current
    lines = [
        f"Policy version {policy.version}, published {policy.meta.published:%Y-%m-%d}, "
        f"is due for review on {review_date(deps):%Y-%m-%d}. Since publication:",
        f"\u2022 Suggestions: {found.suggestions}",
    ]
    for section_id, items in sorted(found.by_section.items()):
        section = policy.section(section_id)
        lines.append(f"   {section.title if section else section_id}: {len(items)}")
    lines.append(f"\u2022 Questions the bot could not answer: {len(found.unanswered)}")
    lines.append(f"\u2022 Answers marked not helpful: {sum(found.unhelpful.values())}")
    for faq_id, n in sorted(found.unhelpful.items(), key=lambda i: (-i[1], i[0]))[:5]:
        lines.append(f"   {faq_id}: {n}")
    if found.missed:
        lines.append("\u2022 Quiz questions most often missed:")
        lines += [f"   {q}: {share:.0%} of {n}" for q, share, n in found.missed]
    lines.append(f"\u2022 Awareness survey: {found.awareness or 'none run yet'}")
    return "\n".join(lines)


async def remind(deps: Deps, uow: UnitOfWork) -> int:
    """Once per version, `LEAD_DAYS` before its review date: the summary to the owner (HR)."""
    now = deps.clock.now()
    due = review_date(deps)
    if now.date() < due - timedelta(days=LEAD_DAYS):
        return 0
    version = deps.content.current.version
    if not await uow.suggestions.review_reminded(version, now):
        return 0
    text = summary(deps, await inputs(deps, uow))
    named = deps.content.current.meta.owner_email
    owner = await uow.people.by_email(named) if named else None
    owners = [owner] if owner is not None else await uow.people.with_role(Role.HR)
    for owner in owners:
        title = f"Policy review due {due:%d %B %Y}"
        card = Card(title, text, footer="policybot policy review-summary")
        await uow.outbox.add(Notification(owner.id, card, "Policy review coming up"))
    log.info("review reminder for version %d sent to %d owner(s)", version, len(owners))
    return len(owners)


async def show(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """HR: the review summary now."""

    found = await review_summary(deps, uow, person)
    return [Card(f"Policy review: version {found.version}", found.text)]


async def _show(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await show(deps, uow, person)


ROUTES = Routes(
    jobs={"policy review": remind},
    actions={"review_open": _show},
    typed={"review_open": ("review summary", "policy review")},
    slash={"review": "review summary"},
    hints=(Hint("*review summary*", (Role.HR,), 90),),
)


@dataclass(frozen=True, slots=True)
class Review:
    """The current version's review: its date and what staff said since publication."""

    version: int
    published: date
    due: date
    inputs: Inputs
    text: str  # the summary as the chat and the reminder word it


async def review_summary(deps: Deps, uow: UnitOfWork, person: Person) -> Review:
    """HR: the current version's review date and the staff input since it was published."""
    require(person, Role.HR)
    found = await inputs(deps, uow)
    policy = deps.content.current
    return Review(
        policy.version,
        policy.meta.published,
        review_date(deps),
        found,
        summary(deps, found),
    )
