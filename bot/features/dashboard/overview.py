"""The dashboard's overview: the figures to look at first, scoped to who is looking.

HR (and admins) see everyone's figures; a manager sees their direct reports' acknowledgements
and training; handlers and HR see open cases with their deadline clocks (never their content)
and what is overdue. Figures are counts; names appear nowhere on this page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from bot.deps import Deps
from bot.directory import require
from bot.features.announcements.model import Announcement, AnnouncementStatus
from bot.features.reports.forms import ACK_LIMIT, FEEDBACK_LIMIT
from bot.features.reports.model import Case, CaseStatus
from bot.features.surveys.definition import survey_of
from bot.features.training.status import DUE_DAYS, assigned_at
from bot.model import Person, Role
from bot.ports import UnitOfWork

Section = Literal["acknowledgements", "training", "cases", "survey", "attention"]
STALLED_SCHEDULE = timedelta(minutes=10)  # a due announcement no worker has started


@dataclass(frozen=True, slots=True)
class Share:
    """`part` out of `whole` (people, answers)."""

    part: int
    whole: int

    @property
    def ratio(self) -> float | None:
        """The share, or None when there is nobody to count."""
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True, slots=True)
class Acknowledgements:
    """Who confirmed reading an announcement, among the people it reached."""

    announcement_id: str
    title: str
    status: str
    started_at: datetime | None
    read: Share


@dataclass(frozen=True, slots=True)
class Policy:
    """The current policy version and its latest announcement (None: not announced yet)."""

    version: int
    title: str
    published: date
    announcement: Acknowledgements | None


@dataclass(frozen=True, slots=True)
class Training:
    """Completion of the current version's training."""

    version: int
    due: date
    completed: Share
    overdue: int  # not completed, and the due date has passed


@dataclass(frozen=True, slots=True)
class Clock:
    """One deadline of a case: when it falls due, whether it was met, the time left."""

    due: datetime
    met: bool
    left: timedelta  # negative once overdue

    @property
    def overdue(self) -> bool:
        """True when it was not met in time and still is not."""
        return not self.met and self.left < timedelta(0)


@dataclass(frozen=True, slots=True)
class CaseClocks:
    """An open case's deadlines: acknowledge within 7 days, feedback within 3 months."""

    ref: str
    severity: str
    status: str
    escalations: int
    acknowledge: Clock
    feedback: Clock

    @property
    def overdue(self) -> bool:
        """True when either deadline has passed unmet."""
        return self.acknowledge.overdue or self.feedback.overdue

    @property
    def soonest(self) -> timedelta:
        """Time left before the first unmet deadline (the order of a queue)."""
        return min(_next(self.acknowledge), _next(self.feedback))


@dataclass(frozen=True, slots=True)
class Cases:
    """Open cases by severity, and each one's clocks (soonest due first)."""

    by_severity: tuple[tuple[str, int], ...]  # severity id -> open cases, in content order
    clocks: tuple[CaseClocks, ...]  # without the cases the viewer is excluded from

    @property
    def open(self) -> int:
        """How many cases are open."""
        return sum(n for _, n in self.by_severity)


@dataclass(frozen=True, slots=True)
class Survey:
    """The latest survey campaign and how many of its audience answered."""

    title: str
    audience: str
    opens_on: date
    closes_on: date
    is_open: bool
    responses: Share


@dataclass(frozen=True, slots=True)
class Attention:
    """Something that needs acting on now."""

    kind: Literal["case", "announcement", "question"]
    subject: str
    detail: str
    since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the overview page shows, for one viewer."""

    viewer: str
    at: datetime
    sections: frozenset[Section]
    team_only: bool  # acknowledgements and training of the viewer's direct reports only
    policy: Policy
    training: Training | None
    cases: Cases | None
    survey: Survey | None  # None: no survey yet (or not a section for this viewer)
    attention: tuple[Attention, ...]


async def compute(deps: Deps, uow: UnitOfWork, viewer: Person) -> Overview:
    """The overview as `viewer` may see it."""
    require(viewer, Role.HR, Role.HANDLER, Role.MANAGER)
    now = deps.clock.now()
    people = list(await uow.people.all())  # read once: three sections count them
    hr = viewer.has(Role.HR)
    sections: set[Section] = set()
    team: set[str] | None = None  # None: everyone
    if hr or viewer.has(Role.MANAGER):
        sections |= {"acknowledgements", "training"}
        if not hr:
            team = {p.id for p in people if p.manager_id == viewer.id}
    if hr or viewer.has(Role.HANDLER):
        sections |= {"cases", "attention"}
    if hr:
        sections.add("survey")
    policy = deps.content.current
    announcement = None
    if "acknowledgements" in sections:
        announcement = await _acknowledgements(deps, uow, team)
    cases = await _cases(deps, uow, viewer, now) if "cases" in sections else None
    attention: list[Attention] = []
    if cases is not None:
        attention += _overdue(cases)
    if hr:
        attention += await _stalled(uow, now)
        attention += await _questions(uow)
    return Overview(
        viewer=viewer.display_name,
        at=now,
        sections=frozenset(sections),
        team_only=team is not None,
        policy=Policy(policy.version, policy.meta.title, policy.meta.published, announcement),
        training=await _training(deps, uow, people, team, now) if "training" in sections else None,
        cases=cases,
        survey=await _survey(deps, uow, people) if "survey" in sections else None,
        attention=tuple(attention),
    )


async def _acknowledgements(
    deps: Deps, uow: UnitOfWork, team: set[str] | None
) -> Acknowledgements | None:
    """The latest announcement of the current version that asks to be acknowledged."""
    version = deps.content.current.version
    sent = (AnnouncementStatus.SENDING, AnnouncementStatus.SENT)
    latest: Announcement | None = next(
        (
            a
            for a in await uow.announcements.recent(50)
            if a.policy_version == version and a.ack_required and a.status in sent
        ),
        None,
    )
    if latest is None:
        return None
    reached = await uow.announcements.reached(latest.id)
    if team is not None:
        reached = {p: acked for p, acked in reached.items() if p in team}
    read = Share(sum(reached.values()), len(reached))
    return Acknowledgements(latest.id, latest.title, latest.status.value, latest.started_at, read)


async def _training(
    deps: Deps, uow: UnitOfWork, people: list[Person], team: set[str] | None, now: datetime
) -> Training:
    version = deps.content.current.version
    attested = await uow.training.attestations(version)
    scope = [p.id for p in people if team is None or p.id in team]
    due = assigned_at(deps) + timedelta(days=DUE_DAYS)
    done = sum(p in attested for p in scope)
    late = len(scope) - done if now > due else 0
    return Training(version, due.date(), Share(done, len(scope)), late)


def _clock(due: datetime, met_at: datetime | None, now: datetime) -> Clock:
    return Clock(due, met_at is not None, due - (met_at or now))


async def _cases(deps: Deps, uow: UnitOfWork, viewer: Person, now: datetime) -> Cases:
    open_cases = [c for c in await uow.cases.all() if c.status != CaseStatus.RESOLVED]
    counts = dict.fromkeys(deps.content.reports.severities, 0)
    clocks: list[CaseClocks] = []
    for case in open_cases:
        counts[case.severity] = counts.get(case.severity, 0) + 1
        if (await uow.cases.access(case.id)).get(viewer.id) == "excluded":
            continue
        clocks.append(case_clocks(case, now))
    clocks.sort(key=lambda c: c.soonest)
    return Cases(tuple(counts.items()), tuple(clocks))


def _next(clock: Clock) -> timedelta:
    return timedelta.max if clock.met else clock.left


def case_clocks(case: Case, now: datetime) -> CaseClocks:
    """The severity's deadline, never later than the legal limit counted from the report."""
    ack_due = min(case.ack_due, case.created_at + ACK_LIMIT)
    feedback_due = min(case.feedback_due, case.created_at + FEEDBACK_LIMIT)
    return CaseClocks(
        case.ref,
        case.severity,
        case.status.value,
        case.escalations,
        _clock(ack_due, case.acknowledged_at, now),
        _clock(feedback_due, case.first_feedback_at, now),
    )


def _overdue(cases: Cases) -> list[Attention]:
    found = []
    for c in cases.clocks:
        for name, clock in (("acknowledgement", c.acknowledge), ("feedback", c.feedback)):
            if clock.overdue:
                found.append(Attention("case", f"Report {c.ref}", f"{name} overdue", clock.due))
    return found


async def _stalled(uow: UnitOfWork, now: datetime) -> list[Attention]:
    """Announcements that should be moving and are not."""
    found = []
    for a in await uow.announcements.recent(20):
        if a.status == AnnouncementStatus.SENDING:
            problem = (await uow.announcements.figures(a.id, now)).problem
            if problem:
                found.append(Attention("announcement", a.title, problem, a.started_at))
        elif a.status == AnnouncementStatus.SCHEDULED:
            due = a.send_at or a.created_at
            if now - due > STALLED_SCHEDULE:
                detail = "due to be sent and not started: is a worker running?"
                found.append(Attention("announcement", a.title, detail, due))
    return found


async def _questions(uow: UnitOfWork) -> list[Attention]:
    """Questions sent to HR that nobody has answered yet, oldest first."""
    return [
        Attention(
            "question",
            f"Question {t.ref}",
            "assigned, not answered yet" if t.assignee_id else "waiting for someone in HR",
            t.created_at,
        )
        for t in sorted(await uow.tickets.open(), key=lambda t: t.created_at)
    ]


async def _survey(deps: Deps, uow: UnitOfWork, people: list[Person]) -> Survey | None:
    campaigns = list(await uow.campaigns.all())
    if not campaigns:
        return None
    latest = max(enumerate(campaigns), key=lambda ic: (ic[1].opens_on, ic[0]))[1]
    audience = sum(latest.includes(p) for p in people)
    answered = await uow.campaigns.participants(latest.id)
    found = survey_of(deps, latest)
    today = deps.clock.now().astimezone(UTC).date()
    return Survey(
        found.title if found else latest.survey_id,
        latest.audience,
        latest.opens_on,
        latest.closes_on,
        latest.is_open(today),
        Share(answered, audience),
    )
