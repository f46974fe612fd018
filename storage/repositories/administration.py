"""The secretariat's side: administrators, the audit log and the key-value store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from storage.models import Admin, AuditEntry, KeyValue
from storage.repositories.base import Repository, changed


class AdminRepository(Repository):
    """Secretariat administrators, by platform account."""

    async def is_admin(self, platform: str, user_id: str) -> bool:
        """True when this platform account is an administrator."""
        found = await self.session.scalar(
            select(Admin.id).where(Admin.platform == platform, Admin.user_id == user_id)
        )
        return found is not None

    async def add(self, platform: str, user_id: str, *, added_by: str, now: datetime) -> bool:
        """Make an account an administrator; False when it already was.

        One insert that does nothing on the account's unique key: processes starting
        together, each adding the administrators of `ADMINS`, add each account once.
        """
        result = await self.session.execute(
            self._insert(Admin)
            .values(platform=platform, user_id=user_id, added_by=added_by, created_at=now)
            .on_conflict_do_nothing(index_elements=[Admin.platform, Admin.user_id])
        )
        return changed(result) == 1

    async def remove(self, platform: str, user_id: str) -> bool:
        """Remove an administrator; False when the account was not one."""
        result = await self.session.execute(
            delete(Admin).where(Admin.platform == platform, Admin.user_id == user_id)
        )
        return changed(result) > 0

    async def all(self) -> Sequence[Admin]:
        """Every administrator, oldest first."""
        return (await self.session.scalars(select(Admin).order_by(Admin.id))).all()


class AuditRepository(Repository):
    """The audit log."""

    def record(
        self, *, actor: str, action: str, channel: str, now: datetime, **detail: Any
    ) -> None:
        """Append an entry."""
        self.session.add(
            AuditEntry(at=now, actor=actor, action=action, channel=channel, detail=detail)
        )

    async def since(self, moment: datetime | None = None) -> Sequence[AuditEntry]:
        """Entries in order, optionally only from `moment` on."""
        query = select(AuditEntry).order_by(AuditEntry.id)
        if moment is not None:
            query = query.where(AuditEntry.at >= moment)
        return (await self.session.scalars(query)).all()


class KeyValueRepository(Repository):
    """Small values shared by every process: generated once (a webhook secret) or kept
    until taken (a broadcast waiting for its administrator's confirmation).

    Every statement is a single upsert or delete, so concurrent writers of one key never
    clash on it.
    """

    async def get(self, key: str) -> str | None:
        """The value stored under `key`, if any."""
        return await self.session.scalar(select(KeyValue.value).where(KeyValue.key == key))

    async def setdefault(self, key: str, value: str, now: datetime) -> str:
        """The value under `key`; `value` is stored first when there is none.

        Two processes starting together both end up with the first value stored.
        """
        await self.session.execute(
            self._insert(KeyValue)
            .values(key=key, value=value, updated_at=now)
            .on_conflict_do_nothing(index_elements=[KeyValue.key])
        )
        stored = await self.get(key)
        return value if stored is None else stored

    async def put(self, key: str, value: str, now: datetime) -> None:
        """Keep `value` under `key`, replacing any earlier one."""
        insert = self._insert(KeyValue).values(key=key, value=value, updated_at=now)
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=[KeyValue.key],
                set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at},
            )
        )

    async def pop(self, key: str) -> str | None:
        """Take the value under `key` away, returning it (None when there was none)."""
        result = await self.session.execute(
            delete(KeyValue).where(KeyValue.key == key).returning(KeyValue.value)
        )
        return result.scalar_one_or_none()
