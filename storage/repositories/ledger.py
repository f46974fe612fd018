"""The delivery ledger: each reminder and digest goes out once per due time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from storage.models import Delivery, DeliveryStatus
from storage.repositories.base import Repository, changed


def ledger_key(kind: str, *parts: object, due_at: datetime) -> str:
    """The key of one delivery: its kind, what it is for, and its due time in UTC to the
    minute. Every process computes the same key for the same slot, so the unique key decides
    which one sends it."""
    return ":".join(
        [kind, *(str(part) for part in parts), f"{due_at.astimezone(UTC):%Y-%m-%dT%H:%MZ}"]
    )


class DeliveryRepository(Repository):
    """The ledger of reminders and digests: a key is claimed once, then its outcome recorded."""

    async def claim(
        self,
        *,
        key: str,
        kind: str,
        due_at: datetime,
        now: datetime,
        participant_id: int | None = None,
        consultation_id: str | None = None,
        status: DeliveryStatus = DeliveryStatus.SENDING,
        detail: dict[str, Any] | None = None,
    ) -> Delivery | None:
        """Insert the ledger row for `key`; None when a sweep somewhere already holds it.

        The unique key decides between concurrent sweeps and processes. Claim alone in its
        unit of work: a clash rolls the whole transaction back.
        """
        row = Delivery(
            key=key,
            kind=kind,
            status=status,
            participant_id=participant_id,
            consultation_id=consultation_id,
            due_at=due_at,
            attempts=1 if status == DeliveryStatus.SENDING else 0,
            detail=detail or {},
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError:
            await self.session.rollback()
            return None
        return row

    async def get(self, key: str) -> Delivery | None:
        """The ledger row of a key."""
        return await self.session.scalar(select(Delivery).where(Delivery.key == key))

    async def finish(self, key: str, status: DeliveryStatus, now: datetime, **detail: Any) -> None:
        """Record how a claimed delivery went."""
        row = await self.get(key)
        if row is None:
            raise LookupError(f"no delivery {key!r} in the ledger")
        row.status = status
        row.updated_at = now
        row.detail = {**row.detail, **detail}

    async def retry(self, key: str, now: datetime, *, max_attempts: int) -> bool:
        """Claim a failed delivery again; False when another sweep did, or attempts ran out."""
        result = await self.session.execute(
            update(Delivery)
            .where(
                Delivery.key == key,
                Delivery.status == DeliveryStatus.FAILED,
                Delivery.attempts < max_attempts,
            )
            .values(
                status=DeliveryStatus.SENDING,
                attempts=Delivery.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return changed(result) == 1

    async def expire_sending(self, *, before: datetime, now: datetime) -> list[str]:
        """Turn rows left `sending` since before `before` (a crash) into `uncertain`."""
        keys = list(
            await self.session.scalars(
                select(Delivery.key).where(
                    Delivery.status == DeliveryStatus.SENDING, Delivery.updated_at < before
                )
            )
        )
        if keys:
            await self.session.execute(
                update(Delivery)
                .where(Delivery.key.in_(keys), Delivery.status == DeliveryStatus.SENDING)
                .values(status=DeliveryStatus.UNCERTAIN, updated_at=now)
                .execution_options(synchronize_session=False)
            )
        return keys

    async def of_consultation(
        self, consultation_id: str, kind: str | None = None
    ) -> Sequence[Delivery]:
        """The ledger rows of a consultation (of one kind), oldest due first."""
        query = (
            select(Delivery)
            .where(Delivery.consultation_id == consultation_id)
            .order_by(Delivery.due_at, Delivery.id)
        )
        if kind is not None:
            query = query.where(Delivery.kind == kind)
        return (await self.session.scalars(query)).all()

    async def everything(self) -> Sequence[Delivery]:
        """Every ledger row, in the order they were claimed."""
        return (await self.session.scalars(select(Delivery).order_by(Delivery.id))).all()
