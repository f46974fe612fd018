"""Replies waiting to be sent: written in the transaction of their update's effects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, text

from storage.relay_models import OUTBOX_CHANNEL, OutboxItem
from storage.repositories.base import Repository


class OutboxRepository(Repository):
    """The outbox, from inside a unit of work."""

    async def add(
        self, platform: str, chat_id: str, body: str, now: datetime, *, notify: bool = True
    ) -> int:
        """Queue replies to a chat with this transaction; its id. With `notify`, the
        platform's sender is notified when the transaction commits (PostgreSQL), never if it
        rolls back."""
        row_id = await self.session.scalar(
            insert(OutboxItem)
            .values(platform=platform, chat_id=chat_id, body=body, progress=0, created_at=now)
            .returning(OutboxItem.id)
        )
        if notify and self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_notify(:channel, :platform)"),
                {"channel": OUTBOX_CHANNEL, "platform": platform},
            )
        return int(row_id or 0)

    async def unsent(self, platform: str) -> int:
        """How many rows of a platform wait to be sent."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(OutboxItem)
            .where(OutboxItem.platform == platform, OutboxItem.done_at.is_(None))
        )
        return int(count or 0)
