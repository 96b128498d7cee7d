"""Opaque proactive-message references per person and platform (the core never sees them)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from sqlmodel import col, select

from bot.messages import UserRef
from bot.ports import Conflict
from storage.tables import AddressRow, IdentityRow
from storage.uow import SqlStore


class Addresses:
    """Stores and finds the reference a platform needs to message a person later."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def remember(self, user: UserRef, reference: str) -> None:
        """Keep the latest reference for the person behind `user` (if they are known)."""
        with contextlib.suppress(Conflict):  # a concurrent message stored it first
            await self._remember(user, reference)

    async def _remember(self, user: UserRef, reference: str) -> None:
        async with self.store() as uow:
            person_id = (
                await uow.session.exec(
                    select(IdentityRow.person_id).where(
                        col(IdentityRow.platform) == user.platform,
                        col(IdentityRow.user_id) == user.id,
                    )
                )
            ).first()
            if person_id is None:
                return
            row = await uow.session.get(AddressRow, (person_id, user.platform))
            if row is not None and row.reference == reference and row.unreachable_at is None:
                return
            row = row or AddressRow(person_id=person_id, platform=user.platform, reference="")
            row.reference = reference
            row.updated_at = datetime.now(UTC)
            row.unreachable_at = None
            uow.session.add(row)
            await uow.commit()

    async def of(self, person_id: str, platform: str) -> str | None:
        """The stored reference, unless the person was marked unreachable."""
        async with self.store() as uow:
            row = await uow.session.get(AddressRow, (person_id, platform))
            return row.reference if row is not None and row.unreachable_at is None else None

    async def unreachable(self, person_id: str, platform: str) -> None:
        """The platform refused to deliver (bot blocked or uninstalled)."""
        async with self.store() as uow:
            row = await uow.session.get(AddressRow, (person_id, platform))
            if row is not None:
                row.unreachable_at = datetime.now(UTC)
                uow.session.add(row)
                await uow.commit()

    async def is_unreachable(self, person_id: str, platform: str) -> bool:
        """True once the platform said this person cannot be messaged."""
        async with self.store() as uow:
            rows = await uow.session.exec(
                select(AddressRow).where(
                    col(AddressRow.person_id) == person_id,
                    col(AddressRow.platform) == platform,
                    col(AddressRow.unreachable_at).is_not(None),
                )
            )
            return rows.first() is not None

    async def put(self, person_id: str, platform: str, reference: str) -> None:
        """Store a reference for a person directly (a conversation the bot opened)."""
        async with self.store() as uow:
            row = await uow.session.get(AddressRow, (person_id, platform))
            row = row or AddressRow(person_id=person_id, platform=platform, reference="")
            row.reference = reference
            row.updated_at = datetime.now(UTC)
            row.unreachable_at = None
            uow.session.add(row)
            await uow.commit()

    async def latest(self, platform: str) -> str | None:
        """The most recently stored reference on a platform (its service address and tenant)."""
        async with self.store() as uow:
            rows = await uow.session.exec(
                select(AddressRow)
                .where(col(AddressRow.platform) == platform)
                .order_by(col(AddressRow.updated_at).desc())
                .limit(1)
            )
            row = rows.first()
            return row.reference if row is not None else None
