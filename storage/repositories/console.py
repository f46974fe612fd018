"""The console's sign-in links and sessions, found by the hash of their token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from storage.console_models import ConsoleLink, ConsoleSession
from storage.repositories.base import Repository, changed


class ConsoleRepository(Repository):
    """One-time sign-in links and the sessions they open."""

    async def add_link(
        self, token_hash: str, platform: str, user_id: str, *, now: datetime, expires: datetime
    ) -> None:
        """Keep a new link's hash until it is used or expires."""
        self.session.add(
            ConsoleLink(
                token_hash=token_hash,
                platform=platform,
                user_id=user_id,
                created_at=now,
                expires_at=expires,
            )
        )
        await self.session.flush()

    async def usable_link(self, token_hash: str, now: datetime) -> ConsoleLink | None:
        """The link with this hash when it is unused and unexpired."""
        return await self.session.scalar(
            select(ConsoleLink).where(
                ConsoleLink.token_hash == token_hash,
                ConsoleLink.used_at.is_(None),
                ConsoleLink.expires_at > now,
            )
        )

    async def use_link(self, token_hash: str, now: datetime) -> tuple[str, str] | None:
        """Mark the link used and return its account; None when it is unknown, used or
        expired. One conditional update: two requests racing with one link open one session."""
        result = await self.session.execute(
            update(ConsoleLink)
            .where(
                ConsoleLink.token_hash == token_hash,
                ConsoleLink.used_at.is_(None),
                ConsoleLink.expires_at > now,
            )
            .values(used_at=now)
            .returning(ConsoleLink.platform, ConsoleLink.user_id)
        )
        row = result.first()
        return None if row is None else (row[0], row[1])

    async def open_session(
        self, token_hash: str, platform: str, user_id: str, now: datetime
    ) -> None:
        """Keep a new session's hash."""
        self.session.add(
            ConsoleSession(
                token_hash=token_hash,
                platform=platform,
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
            )
        )
        await self.session.flush()

    async def session_of(self, token_hash: str) -> ConsoleSession | None:
        """The session with this hash, unless it was signed out."""
        return await self.session.scalar(
            select(ConsoleSession).where(
                ConsoleSession.token_hash == token_hash, ConsoleSession.revoked_at.is_(None)
            )
        )

    async def revoke(self, token_hash: str, now: datetime) -> bool:
        """Sign one session out; False when it was not signed in."""
        result = await self.session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.token_hash == token_hash, ConsoleSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return changed(result) > 0

    async def revoke_all(self, now: datetime) -> int:
        """Sign every session out; how many were signed in."""
        result = await self.session.execute(
            update(ConsoleSession).where(ConsoleSession.revoked_at.is_(None)).values(revoked_at=now)
        )
        return changed(result)
