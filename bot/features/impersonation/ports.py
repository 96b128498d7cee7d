"""The fake accounts' repository port, registered under `IMPOSTORS` (no property on the unit
of work: the feature brings its own storage)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.features.impersonation.model import Impostor
from bot.ports import RepositoryKey


class Impostors(Protocol):
    """Reported fake accounts."""

    async def add(self, impostor: Impostor) -> None: ...

    async def by_ref(self, ref: str) -> Impostor | None: ...

    async def open(self) -> Sequence[Impostor]:
        """The reports not handled yet, oldest first."""
        ...

    async def save(self, impostor: Impostor) -> None: ...


IMPOSTORS: RepositoryKey[Impostors] = RepositoryKey("impostors")
