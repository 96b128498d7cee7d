"""The cases' repository port (the unit of work in `bot.ports` holds one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.features.reports.model import Case, CaseMessage


class Cases(Protocol):
    """Backlash reports, who may see them, their messages and their audit trail."""

    async def add(self, case: Case) -> None: ...

    async def get(self, case_id: str) -> Case | None: ...

    async def by_receipt(self, receipt_id: str) -> Case | None: ...

    async def by_ref(self, ref: str) -> Case | None: ...

    async def handled_by(self, person_id: str | None) -> Sequence[Case]:
        """Unresolved cases `person_id` is a handler of (every one for None), oldest due first."""
        ...

    async def of_reporter(self, reporter_key: str) -> Sequence[Case]: ...

    async def save(self, case: Case) -> None: ...

    async def grant(self, case_id: str, person_id: str, kind: str) -> None: ...

    async def access(self, case_id: str) -> dict[str, str]: ...

    async def add_message(self, message: CaseMessage) -> None: ...

    async def messages(self, case_id: str) -> Sequence[CaseMessage]: ...

    async def audit(self, case_id: str, actor: str, action: str, at: datetime) -> None: ...

    async def trail(self, case_id: str) -> Sequence[tuple[datetime, str, str]]:
        """The case's audit trail, oldest first: (when, who, what)."""
        ...

    async def due(self, now: datetime) -> Sequence[Case]: ...

    async def purge(self, before: datetime) -> int: ...

    async def step(
        self,
        case_id: str,
        escalations: int,
        ack_due: datetime | None = None,
        feedback_due: datetime | None = None,
    ) -> bool: ...

    async def all(self) -> Sequence[Case]: ...
