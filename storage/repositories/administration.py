"""The secretariat's side: administrators, the audit log and the key-value store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from storage.models import Admin, Answer, AuditEntry, KeyValue, Participant, ParticipantStatus
from storage.repositories.base import Repository


class AdminRepository(Repository):
    """Secretariat administrators, and what they leave half-done (a broadcast to confirm)."""

    async def is_admin(self, platform: str, user_id: str) -> bool:
        """True when this platform account is an administrator."""
        found = await self.session.scalar(
            select(Admin.id).where(Admin.platform == platform, Admin.user_id == user_id)
        )
        return found is not None

    async def add(self, platform: str, user_id: str, *, added_by: str, now: datetime) -> bool:
        """Make an account an administrator; False when it already was."""
        if await self.is_admin(platform, user_id):
            return False
        self.session.add(
            Admin(platform=platform, user_id=user_id, added_by=added_by, created_at=now)
        )
        await self.session.flush()
        return True

    async def remove(self, platform: str, user_id: str) -> bool:
        """Remove an administrator; False when the account was not one."""
        result = await self.session.execute(
            delete(Admin).where(Admin.platform == platform, Admin.user_id == user_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def all(self) -> Sequence[Admin]:
        """Every administrator, oldest first."""
        return (await self.session.scalars(select(Admin).order_by(Admin.id))).all()

    async def stash(self, key: str, value: str, now: datetime) -> None:
        """Keep a small pending value under `key`, replacing any earlier one."""
        found = await self.session.get(KeyValue, key)
        if found is None:
            self.session.add(KeyValue(key=key, value=value, updated_at=now))
        else:
            found.value, found.updated_at = value, now
        await self.session.flush()

    async def unstash(self, key: str) -> str | None:
        """Take the pending value under `key` away, returning it."""
        found = await self.session.get(KeyValue, key)
        if found is None:
            return None
        await self.session.delete(found)
        await self.session.flush()
        return found.value

    async def answer(self, answer_id: int) -> Answer | None:
        """One answer by id, whoever wrote it (for hiding and unhiding)."""
        return await self.session.get(Answer, answer_id)

    async def participant_answers_to(
        self, participant_ids: set[int], question_ids: set[int]
    ) -> dict[int, set[int]]:
        """Which of `question_ids` each participant answered."""
        found: dict[int, set[int]] = {pid: set() for pid in participant_ids}
        if not participant_ids or not question_ids:
            return found
        result = await self.session.execute(
            select(Answer.participant_id, Answer.question_id).where(
                Answer.participant_id.in_(participant_ids), Answer.question_id.in_(question_ids)
            )
        )
        for participant_id, question_id in result:
            found[participant_id].add(question_id)
        return found

    async def pending(self) -> Sequence[Participant]:
        """Participants waiting for the secretariat's approval."""
        result = await self.session.scalars(
            select(Participant)
            .where(Participant.status == ParticipantStatus.PENDING)
            .order_by(Participant.id)
        )
        return result.all()


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
    """Small values generated once and shared by every process (e.g. a webhook secret)."""

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
