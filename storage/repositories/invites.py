"""Invites and the organisations they are for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update

from storage.models import Invite, Organisation
from storage.repositories.base import Repository, changed, new_code


class OrganisationRepository(Repository):
    """Stakeholder organisations."""

    async def add(self, organisation: Organisation) -> Organisation:
        """Store a new organisation."""
        self.session.add(organisation)
        await self.session.flush()
        return organisation

    async def by_name(self, name: str) -> Organisation | None:
        """The organisation with this name, compared case-insensitively in every script."""
        # SQLite's lower() folds ASCII only, so fold in Python among names of the same length.
        candidates = await self.session.scalars(
            select(Organisation).where(func.length(Organisation.name) == len(name))
        )
        wanted = name.casefold()
        return next((o for o in candidates if o.name.casefold() == wanted), None)

    async def all(self) -> Sequence[Organisation]:
        """Every organisation, by name."""
        return (await self.session.scalars(select(Organisation).order_by(Organisation.name))).all()


class InviteRepository(Repository):
    """Invite codes."""

    async def get(self, invite_id: int) -> Invite | None:
        """An invite by id."""
        return await self.session.get(Invite, invite_id)

    async def by_code(self, code: str) -> Invite | None:
        """The invite with this code (codes are case-insensitive)."""
        return await self.session.scalar(select(Invite).where(Invite.code == code.upper()))

    async def redeem(self, invite: Invite, now: datetime) -> bool:
        """Count one use of the invite if it may still be used now; False when it may not.

        One conditional statement, not a read and a write: of concurrent redemptions of the
        last use, the database lets exactly one through (PostgreSQL re-checks the condition
        on the row the winner committed; SQLite runs one writer at a time). When it fails,
        `invite` is read again, so the caller can say why.
        """
        result = await self.session.execute(
            update(Invite)
            .where(
                Invite.id == invite.id,
                Invite.revoked_at.is_(None),
                Invite.expires_at.is_(None) | (Invite.expires_at > now),
                Invite.uses < Invite.max_uses,
            )
            .values(uses=Invite.uses + 1)
            .execution_options(synchronize_session=False)
        )
        if changed(result) == 1:
            return True
        await self.session.refresh(invite)
        return False

    async def add(self, invite: Invite) -> Invite:
        """Store a new invite with a fresh unique code."""
        while not invite.code or await self.by_code(invite.code) is not None:
            invite.code = new_code()
        self.session.add(invite)
        await self.session.flush()
        return invite

    async def list(self, consultation_id: str | None = None) -> Sequence[Invite]:
        """Invites, newest first."""
        query = select(Invite).order_by(Invite.id.desc())
        if consultation_id:
            query = query.where(Invite.consultation_id == consultation_id)
        return (await self.session.scalars(query)).all()
