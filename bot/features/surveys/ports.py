"""The survey campaigns' repository port (the unit of work in `bot.ports` holds one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from bot.features.surveys.model import Campaign


class Campaigns(Protocol):
    """Survey campaigns, the participation register, and anonymous answers.

    Answers are kept as counts per question, department and value, so no row stands for one
    person; free-text comments are sealed rows with random ids and the campaign's close day.
    """

    async def add(self, campaign: Campaign) -> None: ...

    async def get(self, campaign_id: str) -> Campaign | None: ...

    async def all(self) -> Sequence[Campaign]: ...

    async def save(self, campaign: Campaign) -> None: ...

    async def flag(self, campaign_id: str, name: str) -> bool: ...

    async def took_part(self, key: str) -> bool: ...

    async def register(self, campaign_id: str, key: str) -> None: ...

    async def participants(self, campaign_id: str) -> int: ...

    async def count(self, campaign_id: str, question: str, department: str, value: str) -> None: ...

    async def comment(self, campaign_id: str, question: str, box: bytes, day: date) -> None: ...

    async def tallies(self, campaign_id: str) -> Sequence[tuple[str, str, str, int]]: ...

    async def comments(self, campaign_id: str) -> Sequence[tuple[str, bytes]]: ...
