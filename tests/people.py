"""Directory rows for tests that fill the tables directly, as an HR import would."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import SQLModel

from storage.tables import IdentityRow, PersonRow


def person_rows(*, accounts: dict[str, str], **fields: Any) -> list[SQLModel]:
    """A person's row and one identity row per chat platform account."""
    person = PersonRow(**fields)
    return [
        person,
        *(IdentityRow(person_id=person.id, platform=p, user_id=u) for p, u in accounts.items()),
    ]


def flat(items: Iterable[SQLModel | list[SQLModel]]) -> list[SQLModel]:
    """Rows and lists of rows, as one list."""
    found: list[SQLModel] = []
    for item in items:
        found.extend(item if isinstance(item, list) else [item])
    return found
