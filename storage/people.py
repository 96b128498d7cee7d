"""The directory in SQL: people, with their chat accounts from the identity table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Row
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages import UserRef
from bot.model import Person, Role
from storage.tables import IdentityRow, PersonRow

_PEOPLE = PersonRow.__table__  # type: ignore[attr-defined]
_IDS = IdentityRow.__table__  # type: ignore[attr-defined]
_COLUMNS = ("id", "display_name", "email", "department", "manager_id", "timezone", "roles")
# A platform's users, each with every account of theirs (one row per account).
_BY_ACCOUNT = sa_select(
    *(_PEOPLE.c[n] for n in _COLUMNS), _IDS.c.platform, _IDS.c.user_id
).select_from(_PEOPLE.join(_IDS, _IDS.c.person_id == _PEOPLE.c.id))
_ACCOUNTS = sa_select(_IDS.c.person_id, _IDS.c.platform, _IDS.c.user_id)


def _person(row: PersonRow | Row[Any], accounts: dict[str, str] | None = None) -> Person:
    roles = frozenset(Role(r) for r in row.roles.split(",") if r in Role.__members__.values())
    return Person(
        id=row.id,
        display_name=row.display_name,
        email=row.email,
        department=row.department,
        manager_id=row.manager_id,
        timezone=row.timezone,
        roles=roles or frozenset({Role.EMPLOYEE}),
        accounts=dict(accounts or {}),
    )


class SqlPeople:
    """The directory in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # Rows this transaction read per platform user (None: nobody); a save drops the saved
        # person's rows and the nobodies, which it may have turned into somebody.
        # Each call builds a fresh Person, so a caller's changes stay its own until saved.
        self._rows: dict[UserRef, Person | None] = {}

    async def _accounts(self, person_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for chunk in range(0, len(person_ids), 500):
            ids = list(person_ids[chunk : chunk + 500])
            rows = await self.session.exec(  # type: ignore[call-overload]
                _ACCOUNTS.where(_IDS.c.person_id.in_(ids))
            )
            for person_id, platform, user_id in rows:
                found.setdefault(person_id, {})[platform] = user_id
        return found

    async def _people(self, rows: Sequence[PersonRow]) -> list[Person]:
        accounts = await self._accounts([r.id for r in rows])
        return [_person(r, accounts.get(r.id)) for r in rows]

    async def get(self, person_id: str) -> Person | None:
        row = await self.session.get(PersonRow, person_id)
        return (await self._people([row]))[0] if row else None

    async def by_email(self, email: str) -> Person | None:
        rows = await self.session.exec(select(PersonRow).where(PersonRow.email == email.lower()))
        row = rows.first()
        return (await self._people([row]))[0] if row else None

    async def by_user(self, user: UserRef) -> Person | None:
        if user not in self._rows:
            await self.load([user])
        found = self._rows.get(user)
        # A copy each time: the caller's changes stay its own until saved.
        return replace(found, accounts=dict(found.accounts)) if found else None

    async def load(self, users: Sequence[UserRef]) -> None:
        wanted: dict[str, set[str]] = {}
        for user in users:
            if user not in self._rows:
                wanted.setdefault(user.platform, set()).add(user.id)
        for platform, ids in wanted.items():
            found: dict[str, Person] = {}
            if platform == "console":  # the terminal chat's users are their email addresses
                rows = list(
                    await self.session.exec(
                        select(PersonRow).where(col(PersonRow.email).in_([i.lower() for i in ids]))
                    )
                )
                found = {str(p.email): p for p in await self._people(rows)}
            else:
                # Plain rows, not ORM objects, in one query: this runs for every message.
                mine = sa_select(_IDS.c.person_id).where(
                    _IDS.c.platform == platform, _IDS.c.user_id.in_(sorted(ids))
                )
                rows = await self.session.exec(  # type: ignore[call-overload]
                    _BY_ACCOUNT.where(_PEOPLE.c.id.in_(mine))
                )
                people: dict[str, Person] = {}
                for row in rows:
                    person = people.setdefault(row.id, _person(row))
                    person.accounts[row.platform] = row.user_id
                found = {p.accounts[platform]: p for p in people.values()}
            for user_id in ids:
                key = user_id.lower() if platform == "console" else user_id
                self._rows[UserRef(platform, user_id)] = found.get(key)

    async def with_role(self, role: Role) -> Sequence[Person]:
        rows = await self.session.exec(
            select(PersonRow)
            .where(col(PersonRow.roles).contains(role.value))
            .order_by(PersonRow.id)
        )
        return [p for p in await self._people(list(rows)) if role in p.roles]

    async def all(self) -> Sequence[Person]:
        rows = await self.session.exec(select(PersonRow).order_by(PersonRow.display_name))
        return await self._people(list(rows))

    async def save(self, person: Person) -> None:
        row = await self.session.get(PersonRow, person.id) or PersonRow(
            id=person.id, display_name=person.display_name
        )
        row.display_name = person.display_name
        row.email = person.email.lower() if person.email else None
        row.department = person.department
        row.manager_id = person.manager_id
        row.timezone = person.timezone
        row.roles = ",".join(sorted(r.value for r in person.roles))
        self.session.add(row)
        held = (await self._accounts([person.id])).get(person.id, {})
        for platform, user_id in person.accounts.items():
            if held.get(platform) == user_id:
                continue
            account = await self.session.get(IdentityRow, (person.id, platform))
            account = account or IdentityRow(person_id=person.id, platform=platform, user_id="")
            account.user_id = user_id
            self.session.add(account)
        await self.session.flush()
        for user, cached in list(self._rows.items()):
            if cached is None or cached.id == person.id:
                del self._rows[user]  # read again when asked: this save may have changed it
