"""A small organisation with known figures, written through the storage repositories.

Nine people: HR (Hana), a manager (Mona) with three direct reports, a handler (Hal), three
in a department named like a script tag; quiz answers with known miss rates. Times are
relative to now, so that a server on the system clock sees the same deadlines as the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.content import Content
from bot.features.announcements.model import Announcement, AnnouncementStatus
from bot.features.askhr.model import Ticket, TicketStatus
from bot.features.reports.model import Case, CaseStatus
from bot.features.surveys.model import Campaign
from bot.model import Person, Role
from bot.ports import Cipher
from storage.announcements import RecipientRow
from storage.uow import SqlStore, SqlUnitOfWork

SCRIPT_DEPT = '<script>alert("dept")</script>'
SCRIPT_TITLE = 'Version 2 is out <script>alert("title")</script>'
SECRET_KEY = "k" * 43


@dataclass(frozen=True)
class Org:
    """What was seeded: ids to sign in as, and the figures the overview must show."""

    hr: str = "hana"
    manager: str = "mona"
    handler: str = "hal"
    employee: str = "e6"
    announcement: str = "A-SEEDED"
    acked: tuple[str, ...] = ("hana", "r1", "e4", "e5")
    attested: tuple[str, ...] = ("r1", "r3", "e4")
    team: tuple[str, ...] = ("r1", "r2", "r3")


# Quiz answers (question, person, right?): boundaries-1 is missed 4 times in 6, but only 3 of
# its answers are the team's (too few to show them); confidentiality-2, 4 in 5 by the team.
ANSWERS = (
    ("boundaries-1", "r1", False), ("boundaries-1", "r2", False), ("boundaries-1", "r3", True),
    ("boundaries-1", "e4", False), ("boundaries-1", "e5", False), ("boundaries-1", "hana", True),
    ("confidentiality-2", "r1", False), ("confidentiality-2", "r1", True),
    ("confidentiality-2", "r2", False), ("confidentiality-2", "r3", False),
    ("confidentiality-2", "r3", False), ("confidentiality-2", "e4", True),
)  # fmt: skip


PEOPLE = (
    Person("hana", "Hana HR", "hana@example.com", "People",
           roles=frozenset({Role.EMPLOYEE, Role.HR}), accounts={"slack": "U0HR"}),
    Person("mona", "Mona Manager", "mona@example.com", "Sales",
           roles=frozenset({Role.EMPLOYEE, Role.MANAGER}), accounts={"slack": "U0MONA"}),
    Person("hal", "Hal Handler", "hal@example.com", "Security",
           roles=frozenset({Role.EMPLOYEE, Role.HANDLER})),
    Person("r1", "Ria One", "r1@example.com", "Sales", "mona"),
    Person("r2", "Rob Two", "r2@example.com", "Sales", "mona"),
    Person("r3", "Ray Three", "r3@example.com", "Sales", "mona"),
    Person("e4", "Eve Four", "e4@example.com", SCRIPT_DEPT),
    Person("e5", "Eli Five", "e5@example.com", SCRIPT_DEPT),
    Person("e6", "Emma Six", "e6@example.com", SCRIPT_DEPT, accounts={"slack": "U0EMPLOYEE"}),
)  # fmt: skip


async def seed(store: SqlStore, content: Content, now: datetime | None = None) -> Org:
    """Write the organisation and its figures; what to expect from them."""
    org = Org()
    now = now or datetime.now(UTC)
    version = content.current.version
    cipher = store.cipher
    assert cipher is not None
    async with store() as uow:
        for person in PEOPLE:
            await uow.people.save(person)
        await uow.announcements.add(
            Announcement(
                org.announcement, SCRIPT_TITLE, "Read it.", org.hr, now - timedelta(days=2),
                policy_version=version, status=AnnouncementStatus.SENT,
                started_at=now - timedelta(days=2), finished_at=now - timedelta(days=2),
            )
        )  # fmt: skip
        await uow.announcements.add(
            Announcement(
                "A-STALLED", "Quarterly reminder", "Later.", org.hr, now - timedelta(hours=3),
                status=AnnouncementStatus.SCHEDULED, send_at=now - timedelta(hours=1),
            )
        )  # fmt: skip
        for n, who in enumerate([p.id for p in PEOPLE] + ["#slack:C0GENERAL"]):
            uow.session.add(
                RecipientRow(
                    id=f"rcpt{n}", announcement_id=org.announcement, person_id=who,
                    platform="slack", state="delivered", delivered_at=now - timedelta(days=2),
                )
            )  # fmt: skip
        await uow.session.flush()
        for who in org.acked:
            await uow.announcements.acknowledge(org.announcement, who, version, now)
        for who in org.attested:
            await uow.training.attest(who, version, now - timedelta(days=1))
        for n, (question, who, right) in enumerate(ANSWERS):
            await uow.training.answer(f"seed{n}", question, who, right, now - timedelta(days=1))
        await _cases(uow, cipher, now)
        await uow.campaigns.add(
            Campaign("c1", content.surveys.surveys[0].id, SCRIPT_DEPT,
                     now.date() - timedelta(days=1), now.date() + timedelta(days=6))
        )  # fmt: skip
        for who in ("e4", "e5"):
            await uow.campaigns.register("c1", cipher.keyed_hash("survey", "c1", who))
        await uow.tickets.add(
            Ticket("t1", "Q-WAIT01", "r2", "Can I post about the offsite?", TicketStatus.OPEN,
                   now - timedelta(days=3))
        )  # fmt: skip
        await uow.commit()
    return org


async def _cases(uow: SqlUnitOfWork, cipher: Cipher, now: datetime) -> None:
    """Critical and overdue; high and acknowledged; normal and new (Hal excluded); resolved."""
    rows = (
        ("k1", "R-CRIT01", "critical", CaseStatus.OPEN, now - timedelta(hours=2), 1, 24),
        ("k2", "R-HIGH01", "high", CaseStatus.ACKNOWLEDGED, now - timedelta(days=1), 4, 72),
        ("k3", "R-NORM01", "normal", CaseStatus.OPEN, now - timedelta(minutes=5), 48, 336),
        ("k4", "R-DONE01", "normal", CaseStatus.RESOLVED, now - timedelta(days=9), 48, 336),
    )
    for case_id, ref, severity, status, created, ack_hours, feedback_hours in rows:
        case = Case(
            case_id, ref, "harassment", severity, False, created,
            created + timedelta(hours=ack_hours), created + timedelta(hours=feedback_hours),
            cipher.seal(b'{"what": "secret content"}', f"case:{case_id}".encode()),
            status=status,
        )  # fmt: skip
        if status != CaseStatus.OPEN:
            case.acknowledged_at = created + timedelta(hours=1)
        if status == CaseStatus.RESOLVED:
            case.resolved_at = created + timedelta(days=2)
        await uow.cases.add(case)
        await uow.cases.grant(case_id, "hal", "excluded" if case_id == "k3" else "handler")
