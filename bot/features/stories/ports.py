"""The stories' and rounds' repository port (the unit of work in `bot.ports` holds one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.features.stories.model import Round, Story


class Stories(Protocol):
    """Success stories, recognition rounds and their votes."""

    async def add(self, story: Story) -> None: ...

    async def get(self, story_id: str) -> Story | None: ...

    async def save(self, story: Story) -> None: ...

    async def with_status(self, status: str) -> Sequence[Story]: ...

    async def all(self) -> Sequence[Story]: ...

    async def add_round(self, round_: Round) -> None: ...

    async def round(self, round_id: str) -> Round | None: ...

    async def rounds(self) -> Sequence[Round]: ...

    async def save_round(self, round_: Round) -> None: ...

    async def vote(self, round_id: str, person_id: str, story_id: str, at: datetime) -> bool:
        """Record or change a vote; True when it was a change of mind."""
        ...

    async def votes(self, round_id: str) -> dict[str, int]: ...
