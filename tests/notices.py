"""Who the core has notified: one place that knows where notifications are kept."""

from __future__ import annotations

from bot.deps import Deps
from bot.messages import Notification, Reply
from tests.fakes import NoticeLog


def _log(deps: Deps) -> NoticeLog:
    """The log the store reports committed notifications to (see `sql_deps`)."""
    logs = [n for n in getattr(deps.store, "listeners", []) if isinstance(n, NoticeLog)]
    assert len(logs) == 1, logs
    return logs[0]


async def notified(deps: Deps) -> list[Notification]:
    """Every notification committed so far (and not forgotten), oldest first."""
    return list(_log(deps).sent)


async def recipients(deps: Deps) -> set[str]:
    """The person ids notified so far."""
    return {n.person_id for n in await notified(deps)}


async def sent_to(deps: Deps, person_id: str) -> list[Reply]:
    """What one person has been sent so far."""
    return [n.reply for n in await notified(deps) if n.person_id == person_id]


async def forget(deps: Deps) -> None:
    """Start counting afresh."""
    _log(deps).sent.clear()
