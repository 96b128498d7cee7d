"""Figures about backlash reports for HR: counts and times, never content or identities."""

from __future__ import annotations

from datetime import datetime

from bot.deps import Deps
from bot.features.reports.model import Case
from bot.messages import Action, Card, Reply, TextReply
from bot.model import Person, Role
from bot.ports import UnitOfWork
from bot.routing import Hint, Routes

STAT_COLUMNS = (
    "ref",
    "category",
    "severity",
    "status",
    "anonymous",
    "reported_on",
    "hours_to_acknowledge",
    "hours_to_resolve",
    "acknowledged_in_time",
    "escalations",
)


def stats_rows(cases: list[Case]) -> list[dict[str, str]]:
    """One row per case for statistics: no content and no identities."""

    def hours(start: datetime | None, end: datetime | None) -> str:
        if start is None or end is None:
            return ""
        return f"{(end - start).total_seconds() / 3600:.1f}"

    rows = []
    for c in cases:
        in_time = "" if c.acknowledged_at is None else str(c.escalations == 0).lower()
        rows.append(
            {
                "ref": c.ref,
                "category": c.category,
                "severity": c.severity,
                "status": c.status.value,
                "anonymous": str(c.anonymous).lower(),
                "reported_on": f"{c.created_at:%Y-%m-%d}",
                "hours_to_acknowledge": hours(c.created_at, c.acknowledged_at),
                "hours_to_resolve": hours(c.created_at, c.resolved_at),
                "acknowledged_in_time": in_time,
                "escalations": str(c.escalations),
            }
        )
    return rows


async def rows(uow: UnitOfWork) -> list[dict[str, str]]:
    """Every case as a statistics row (`stats_rows`), oldest first."""
    return stats_rows(list(await uow.cases.all()))


async def summary(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """Counts for HR and handlers: by status, category and severity."""
    if not person.has(Role.HR, Role.HANDLER):
        return [TextReply("Sorry, only people with the hr or handler role can see report figures.")]
    cases = list(await uow.cases.all())
    if not cases:
        return [TextReply("No reports yet.")]

    def count(key: str) -> str:
        tally: dict[str, int] = {}
        for row in stats_rows(cases):
            tally[row[key]] = tally.get(row[key], 0) + 1
        return ", ".join(f"{k}: {v}" for k, v in sorted(tally.items()))

    acked = [
        float(r["hours_to_acknowledge"]) for r in stats_rows(cases) if r["hours_to_acknowledge"]
    ]
    median = sorted(acked)[len(acked) // 2] if acked else None
    facts = (
        ("Reports", str(len(cases))),
        ("By status", count("status")),
        ("By category", count("category")),
        ("By severity", count("severity")),
        ("Median hours to acknowledge", f"{median:.1f}" if median is not None else "n/a"),
    )
    return [Card("Backlash reports", "Figures only: no content, no identities.", facts)]


async def _stats(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await summary(deps, uow, person)


ROUTES = Routes(
    actions={"case_stats": _stats},
    typed={"case_stats": ("cases", "report figures", "case stats")},
    slash={"cases": "cases"},
    hints=(Hint("*cases* (report figures)", (Role.HR, Role.HANDLER), 30),),
)
