"""People, roles and conversation flows: the domain objects every feature shares (each
feature keeps its own in its package); storage maps them to tables."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """What a person may do beyond asking questions."""

    EMPLOYEE = "employee"
    HR = "hr"
    MANAGER = "manager"
    HANDLER = "handler"
    ADMIN = "admin"


@dataclass(slots=True)
class Person:
    """Someone in the directory, with their platform identities."""

    id: str
    display_name: str
    email: str | None = None
    department: str | None = None
    manager_id: str | None = None
    timezone: str | None = None
    roles: frozenset[Role] = frozenset({Role.EMPLOYEE})
    accounts: dict[str, str] = field(default_factory=dict)
    """Their user id on each chat platform they use, by platform ("slack": "U0123")."""

    def has(self, *roles: Role) -> bool:
        """True when the person holds any of `roles` (admins hold every role)."""
        return Role.ADMIN in self.roles or any(r in self.roles for r in roles)

    def account(self, platform: str) -> str | None:
        """Their user id on `platform`, if they use it."""
        return self.accounts.get(platform)


@dataclass(slots=True)
class Flow:
    """A multi-step conversation a user is in the middle of."""

    name: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


def new_id() -> str:
    """A random, non-sequential identifier."""
    return secrets.token_hex(16)


def new_ref(prefix: str) -> str:
    """A short random reference people can read out, e.g. Q-7KX3PD."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return prefix + "-" + "".join(secrets.choice(alphabet) for _ in range(6))
