"""In-memory fakes of the features' repository ports (cases, survey campaigns, training,
announcements, stories), honouring what the SQL repositories promise: copies in and out, an
exclusion never lifted, each step or flag taken once, tallies as counts only."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.features.announcements.model import Announcement
from bot.features.reports.model import Case, CaseMessage, CaseStatus
from bot.features.stories.model import Round, Story
from bot.features.surveys.model import Campaign
from bot.features.training.model import QuizCard


@dataclass
class Recipient:
    """One recipient of an announcement, as the broadcast engine leaves it."""

    person_id: str
    state: str = "pending"  # "pending", "delivered" or "failed"
    reason: str = ""
    delivered_at: datetime | None = None
    reminders: int = 0
    reminded_at: datetime | None = None


@dataclass
class FeatureData:
    """The features' committed state, inside a fake store's data."""

    cases: dict[str, Case] = field(default_factory=dict)
    access: dict[str, dict[str, str]] = field(default_factory=dict)  # case -> person -> kind
    case_messages: list[CaseMessage] = field(default_factory=list)
    audit: list[tuple[str, datetime, str, str]] = field(default_factory=list)
    about: list[str] = field(default_factory=list)  # case ids purged (their notices go too)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    participants: dict[str, str] = field(default_factory=dict)  # keyed hash -> campaign
    tallies: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    comments: list[tuple[str, str, bytes, date]] = field(default_factory=list)
    cards: dict[tuple[str, str], QuizCard] = field(default_factory=dict)
    answers: dict[tuple[str, str], tuple[str, bool]] = field(default_factory=dict)
    modules: set[tuple[str, str, int]] = field(default_factory=set)
    attested: dict[tuple[str, int], datetime] = field(default_factory=dict)
    reminders: dict[tuple[str, int], tuple[int, datetime]] = field(default_factory=dict)
    required: dict[int, frozenset[str]] = field(default_factory=dict)
    daily: dict[str, tuple[bool, date | None]] = field(default_factory=dict)
    digests: dict[tuple[str, int], datetime] = field(default_factory=dict)
    announcements: dict[str, Announcement] = field(default_factory=dict)
    recipients: dict[str, dict[str, Recipient]] = field(default_factory=dict)
    acks: dict[tuple[str, str], datetime] = field(default_factory=dict)
    stories: dict[str, Story] = field(default_factory=dict)
    rounds: dict[str, Round] = field(default_factory=dict)
    votes: dict[tuple[str, str], str] = field(default_factory=dict)


def clone(value: Any) -> Any:
    """A deep copy: what goes into a fake and what comes out are never the same object."""
    return copy.deepcopy(value)


class FakeCases:
    """The Cases port in memory."""

    def __init__(self, data: FeatureData) -> None:
        self.data = data

    async def add(self, case: Case) -> None:
        self.data.cases[case.id] = clone(case)

    async def get(self, case_id: str) -> Case | None:
        found = self.data.cases.get(case_id)
        return clone(found) if found else None

    async def by_receipt(self, receipt_id: str) -> Case | None:
        return next(
            (clone(c) for c in self.data.cases.values() if c.receipt_id == receipt_id), None
        )

    async def by_ref(self, ref: str) -> Case | None:
        return next((clone(c) for c in self.data.cases.values() if c.ref == ref), None)

    async def handled_by(self, person_id: str | None) -> Sequence[Case]:
        found = [
            c
            for c in self.data.cases.values()
            if c.status != CaseStatus.RESOLVED
            and (person_id is None or self.data.access.get(c.id, {}).get(person_id) == "handler")
        ]
        return [clone(c) for c in sorted(found, key=lambda c: c.ack_due)]

    async def of_reporter(self, reporter_key: str) -> Sequence[Case]:
        found = [c for c in self.data.cases.values() if c.reporter_key == reporter_key]
        return [clone(c) for c in sorted(found, key=lambda c: c.created_at)]

    async def save(self, case: Case) -> None:
        self.data.cases[case.id] = clone(case)

    async def grant(self, case_id: str, person_id: str, kind: str) -> None:
        access = self.data.access.setdefault(case_id, {})
        if access.get(person_id) != "excluded":  # an exclusion is never lifted
            access[person_id] = kind

    async def access(self, case_id: str) -> dict[str, str]:
        return dict(self.data.access.get(case_id, {}))

    async def add_message(self, message: CaseMessage) -> None:
        self.data.case_messages.append(message)

    async def messages(self, case_id: str) -> Sequence[CaseMessage]:
        found = [m for m in self.data.case_messages if m.case_id == case_id]
        return sorted(found, key=lambda m: m.at)

    async def audit(self, case_id: str, actor: str, action: str, at: datetime) -> None:
        self.data.audit.append((case_id, at, actor[:32], action[:60]))

    async def trail(self, case_id: str) -> Sequence[tuple[datetime, str, str]]:
        return [(at, actor, action) for c, at, actor, action in self.data.audit if c == case_id]

    async def due(self, now: datetime) -> Sequence[Case]:
        return [
            clone(c)
            for c in self.data.cases.values()
            if (c.status == CaseStatus.OPEN and c.ack_due < now)
            or (
                c.status == CaseStatus.ACKNOWLEDGED
                and c.first_feedback_at is None
                and c.feedback_due < now
            )
        ]

    async def purge(self, before: datetime) -> int:
        gone = {
            c.id
            for c in self.data.cases.values()
            if c.status == CaseStatus.RESOLVED and c.resolved_at and c.resolved_at < before
        }
        for case_id in gone:
            del self.data.cases[case_id]
            self.data.access.pop(case_id, None)
        self.data.case_messages = [m for m in self.data.case_messages if m.case_id not in gone]
        self.data.audit = [a for a in self.data.audit if a[0] not in gone]
        self.data.about.extend(sorted(gone))
        return len(gone)

    async def step(
        self,
        case_id: str,
        escalations: int,
        ack_due: datetime | None = None,
        feedback_due: datetime | None = None,
    ) -> bool:
        case = self.data.cases.get(case_id)
        if case is None or case.escalations != escalations:
            return False  # someone already took this step
        case.escalations = escalations + 1
        case.ack_due = ack_due or case.ack_due
        case.feedback_due = feedback_due or case.feedback_due
        return True

    async def all(self) -> Sequence[Case]:
        return [clone(c) for c in sorted(self.data.cases.values(), key=lambda c: c.created_at)]


class FakeCampaigns:
    """The Campaigns port in memory: participation as keyed hashes, answers as counts."""

    def __init__(self, data: FeatureData) -> None:
        self.data = data

    async def add(self, campaign: Campaign) -> None:
        self.data.campaigns[campaign.id] = clone(campaign)

    async def get(self, campaign_id: str) -> Campaign | None:
        found = self.data.campaigns.get(campaign_id)
        return clone(found) if found else None

    async def all(self) -> Sequence[Campaign]:
        found = sorted(self.data.campaigns.values(), key=lambda c: (c.opens_on, c.id))
        return [clone(c) for c in found]

    async def save(self, campaign: Campaign) -> None:
        stored = self.data.campaigns.get(campaign.id)
        if stored is None:
            await self.add(campaign)
            return
        stored.closed, stored.closes_on = campaign.closed, campaign.closes_on

    async def flag(self, campaign_id: str, name: str) -> bool:
        campaign = self.data.campaigns[campaign_id]
        if getattr(campaign, name):
            return False
        setattr(campaign, name, True)
        return True

    async def took_part(self, key: str) -> bool:
        return key in self.data.participants

    async def register(self, campaign_id: str, key: str) -> None:
        if key in self.data.participants:
            raise ValueError("registered twice")  # the table's primary key refuses it too
        self.data.participants[key] = campaign_id

    async def participants(self, campaign_id: str) -> int:
        return sum(1 for c in self.data.participants.values() if c == campaign_id)

    async def count(self, campaign_id: str, question: str, department: str, value: str) -> None:
        key = (campaign_id, question, department, value)
        self.data.tallies[key] = self.data.tallies.get(key, 0) + 1

    async def comment(self, campaign_id: str, question: str, box: bytes, day: date) -> None:
        self.data.comments.append((campaign_id, question, box, day))

    async def tallies(self, campaign_id: str) -> Sequence[tuple[str, str, str, int]]:
        return [(q, d, v, n) for (c, q, d, v), n in self.data.tallies.items() if c == campaign_id]

    async def comments(self, campaign_id: str) -> Sequence[tuple[str, bytes]]:
        return [(q, box) for c, q, box, _ in self.data.comments if c == campaign_id]


class FakeTraining:
    """The Training port in memory."""

    def __init__(self, data: FeatureData) -> None:
        self.data = data

    async def cards(self, person_id: str) -> Sequence[QuizCard]:
        return [clone(c) for (p, _), c in self.data.cards.items() if p == person_id]

    async def save_card(self, card: QuizCard) -> None:
        self.data.cards[(card.person_id, card.question_id)] = clone(card)

    async def answer(
        self, session_id: str, question_id: str, person_id: str, correct: bool, at: datetime
    ) -> bool:
        if (session_id, question_id) in self.data.answers:
            return False  # a double click counts once
        self.data.answers[(session_id, question_id)] = (person_id, correct)
        return True

    async def completed(self, person_id: str) -> dict[str, set[int]]:
        done: dict[str, set[int]] = {}
        for p, module, version in self.data.modules:
            if p == person_id:
                done.setdefault(module, set()).add(version)
        return done

    async def complete(self, person_id: str, module_id: str, version: int, at: datetime) -> None:
        self.data.modules.add((person_id, module_id, version))

    async def attested(self, person_id: str, version: int) -> bool:
        return (person_id, version) in self.data.attested

    async def attest(self, person_id: str, version: int, at: datetime) -> None:
        self.data.attested.setdefault((person_id, version), at)

    async def attestations(self, version: int) -> dict[str, datetime]:
        return {p: at for (p, v), at in self.data.attested.items() if v == version}

    async def everyone_completed(self) -> dict[str, dict[str, set[int]]]:
        done: dict[str, dict[str, set[int]]] = {}
        for person, module, version in self.data.modules:
            done.setdefault(person, {}).setdefault(module, set()).add(version)
        return done

    async def miss_rates(self, people: Collection[str] | None = None) -> dict[str, tuple[int, int]]:
        rates: dict[str, tuple[int, int]] = {}
        for (_, question), (person, correct) in self.data.answers.items():
            if people is None or person in people:
                total, missed = rates.get(question, (0, 0))
                rates[question] = (total + 1, missed + (0 if correct else 1))
        return rates

    async def reminders(self, person_id: str, version: int) -> tuple[int, datetime | None]:
        count, last = self.data.reminders.get((person_id, version), (0, None))
        return count, last

    async def reminded(self, person_id: str, version: int, at: datetime, seen: int) -> bool:
        count, _ = self.data.reminders.get((person_id, version), (0, None))
        if count != seen:
            return False  # another worker counted it
        self.data.reminders[(person_id, version)] = (seen + 1, at)
        return True

    async def required_sets(self) -> dict[int, frozenset[str]]:
        return dict(self.data.required)

    async def set_required(
        self, version: int, modules: frozenset[str], by: str, at: datetime
    ) -> None:
        self.data.required[version] = frozenset(modules)

    async def daily(self, person_id: str) -> bool:
        return self.data.daily.get(person_id, (False, None))[0]

    async def set_daily(self, person_id: str, on: bool) -> None:
        self.data.daily[person_id] = (on, self.data.daily.get(person_id, (False, None))[1])

    async def daily_due(self, today: date) -> Sequence[str]:
        return [
            p for p, (on, last) in self.data.daily.items() if on and (last is None or last < today)
        ]

    async def daily_sent(self, person_id: str, today: date) -> bool:
        on, last = self.data.daily.get(person_id, (False, None))
        if person_id not in self.data.daily or (last is not None and last >= today):
            return False
        self.data.daily[person_id] = (on, today)
        return True

    async def digest(self, manager_id: str, version: int) -> datetime | None:
        return self.data.digests.get((manager_id, version))

    async def digested(
        self, manager_id: str, version: int, at: datetime, seen: datetime | None
    ) -> bool:
        if self.data.digests.get((manager_id, version)) != seen:
            return False  # another worker sent one since
        self.data.digests[(manager_id, version)] = at
        return True
