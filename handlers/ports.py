"""The engine's ports: what it needs from the outside world, as Protocols."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from handlers.events import OutgoingDocument, Reply


class Clock(Protocol):
    """Where the engine gets the time; tests inject a fixed or stepping clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that tells the time it is given; `advance` moves it."""

    current: datetime

    def now(self) -> datetime:
        """The time set on this clock."""
        return self.current

    def set(self, moment: datetime) -> None:
        """Move the clock to `moment`."""
        self.current = moment


@dataclass(frozen=True)
class StoredFile:
    """Where a file was written and what it was."""

    path: str
    sha256: str
    size: int


class FileStore:
    """Content-addressed storage for documents on the local disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def put(
        self, content: bytes, suffix: str, *, hold: Callable[[str], Awaitable[None]]
    ) -> StoredFile:
        """Write `content` once under its hash; return where it lives.

        Args:
            content: The file's bytes.
            suffix: Its extension (`.pdf`).
            hold: Locks the file's path for the caller's transaction before the file is
                looked for (`BlobRepository.hold`): an erasure that found the file
                unreferenced has then either removed it (so it is written again here) or
                waits until the document referring to it is committed.
        """
        digest = hashlib.sha256(content).hexdigest()
        relative = Path(digest[:2]) / f"{digest}{suffix}"
        await hold(str(relative))
        target = self.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(target.suffix + ".part")
            partial.write_bytes(content)
            partial.replace(target)
        return StoredFile(path=str(relative), sha256=digest, size=len(content))

    def remove(self, relative: str) -> None:
        """Delete a stored file if it is there."""
        (self.root / relative).unlink(missing_ok=True)


class Unreachable(Exception):
    """The participant cannot be reached on this channel (e.g. they blocked the bot)."""


class Outbox(Protocol):
    """A channel's way of sending replies the participant did not ask for just now
    (reminders, broadcasts, decisions). Each channel's adapter provides one."""

    platform: str

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send the replies to a chat; raise Unreachable when the chat is closed to us."""
        ...


@dataclass(frozen=True)
class DeliveryCounts:
    """How a batch of unsolicited messages fared (a broadcast, decisions on registrations)."""

    delivered: int = 0
    unreachable: int = 0
    failed: int = 0
    no_channel: int = 0
    """Participants with no account on a running channel."""
    by_platform: dict[str, int] = field(default_factory=dict)
    """How many of the delivered went through each platform ("telegram", "slack")."""


class AdminServices(Protocol):
    """What the secretariat's commands need from the bot around the engine.

    The engine calls these only after its transaction is committed.
    """

    async def stats(self, consultation_id: str | None) -> list[str]:
        """Participation figures and who is outstanding, as plain lines."""
        ...

    async def digest(self, consultation_id: str, fmt: str) -> OutgoingDocument:
        """The digest of a consultation as a document; ValueError for an unknown format."""
        ...

    async def remind(self) -> DeliveryCounts:
        """Send the reminders due now (each at most once) and count them."""
        ...

    def deep_link(self, code: str) -> str | None:
        """The link that opens the bot with an invite code, when there is one."""
        ...

    async def send(
        self,
        messages: Sequence[tuple[int, Sequence[Reply]]],
        *,
        tick: Callable[[], None] = ...,
    ) -> DeliveryCounts:
        """Deliver replies to participants by id, paced by each channel's limits; `tick` is
        called once per participant tried."""
        ...

    def console_url(self, token: str) -> str | None:
        """The console's sign-in link for a token; None when PUBLIC_URL is not set."""
        ...
