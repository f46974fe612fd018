"""The tables that carry what a process once kept in memory: updates waiting to be handled
(`inbox`), replies waiting to be sent (`outbox`) and the outbound pace (`pace`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

INBOX_CHANNEL = "intersessional_inbox"
"""The PostgreSQL notification channel that wakes the workers of a platform (the payload)."""
OUTBOX_CHANNEL = "intersessional_outbox"
"""The PostgreSQL notification channel that wakes the sender of a platform (the payload)."""


class InboxItem(Base):
    """A platform update received and not yet handled: stored before the platform is told
    it arrived, taken by a worker of any process, deleted once handled."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "update_key"),
        Index("ix_inbox_platform_chat_key_id", "platform", "chat_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    update_key: Mapped[str] = mapped_column(String(100))
    chat_key: Mapped[str] = mapped_column(String(120))
    """Updates with the same key are handled one after another, in the order received."""
    body: Mapped[str] = mapped_column(Text)
    """The update as the platform sent it (JSON)."""
    received_at: Mapped[datetime]


class OutboxItem(Base):
    """The replies to one update (or one later batch of them), written in the transaction of
    the update's effects and sent afterwards by the elected sender of its platform."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_platform_done_at_id", "platform", "done_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    """The replies and what the channel needs to show them (JSON)."""
    progress: Mapped[int] = mapped_column(Integer, default=0)
    """How many of its platform calls the platform confirmed: a sender taking over goes on
    from there."""
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(20))
    """`sent`, `unreachable` (the chat is closed to the bot) or `failed`."""


class PacePlace(Base):
    """One place of an outbound window shared by every process (`storage.pace`): a window
    of `count` messages is `count` rows, each free again at `free_at`."""

    __tablename__ = "pace"

    key: Mapped[str] = mapped_column(String(140), primary_key=True)
    """The window: `telegram:<bot id>` overall, `telegram:<bot id>:<chat id>` for one chat."""
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    free_at: Mapped[float] = mapped_column(Float)
    """When the place may be taken again, in seconds since the epoch on the database's
    clock: a window length after its message's request completed, or, while the message
    is in flight, a bound on how long that may take (a dead process's place frees itself)."""
