"""One transaction and the repositories that share it; the store that hands them out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.pace import Pace
from storage.relay import Relay
from storage.repositories.administration import AdminRepository, AuditRepository, KeyValueRepository
from storage.repositories.answers import AnswerRepository, BlobRepository, SubmissionRepository
from storage.repositories.console import ConsoleRepository
from storage.repositories.conversation import (
    CodeFailureRepository,
    DuplicateUpdate,
    IdentityRepository,
    LinkCodeRepository,
    ParticipantRepository,
    UpdateRepository,
)
from storage.repositories.invites import InviteRepository, OrganisationRepository
from storage.repositories.ledger import DeliveryRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.reports import ReportRepository
from storage.repositories.structure import ConsultationRepository, StructureCache
from storage.repositories.translations import TranslationRepository

log = logging.getLogger(__name__)


class UnitOfWork:
    """One transaction and the repositories that share it."""

    def __init__(self, session: AsyncSession, cache: StructureCache | None = None) -> None:
        self.session = session
        self.updates = UpdateRepository(session)
        self.identities = IdentityRepository(session)
        self.participants = ParticipantRepository(session)
        self.organisations = OrganisationRepository(session)
        self.invites = InviteRepository(session)
        self.consultations = ConsultationRepository(session, cache)
        self.answers = AnswerRepository(session)
        self.submissions = SubmissionRepository(session)
        self.audit = AuditRepository(session)
        self.reports = ReportRepository(session)
        self.links = LinkCodeRepository(session)
        self.deliveries = DeliveryRepository(session)
        self.kv = KeyValueRepository(session)
        self.admins = AdminRepository(session)
        self.code_failures = CodeFailureRepository(session)
        self.blobs = BlobRepository(session)
        self.console = ConsoleRepository(session)
        self.translations = TranslationRepository(session)
        self.outbox = OutboxRepository(session)
        self.committed: list[Callable[[Store], Awaitable[object]]] = []
        """Work for `Store.transaction` to run once this unit of work has committed."""

    def after_commit(self, work: Callable[[Store], Awaitable[object]]) -> None:
        """Run `work` (with the store) once this transaction has committed, never if it
        rolls back. It runs in transactions of its own; when it fails, it is logged."""
        self.committed.append(work)

    async def commit(self) -> None:
        """Commit; a unique-key clash on a processed update means a concurrent duplicate."""
        try:
            await self.session.commit()
        except IntegrityError as exc:
            await self.session.rollback()
            if "processed_updates" in str(exc.orig) or "update_key" in str(exc.orig):
                raise DuplicateUpdate from exc
            raise


class Store:
    """Hands out units of work; the engine and the command line share it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self.structure = StructureCache()
        """The structure kept between transactions of this process (see `StructureCache`)."""
        self.relay = Relay(sessions.kw["bind"])
        """The inbox, the outbox's sending side, leases and wake-ups (see `Relay`)."""
        self.pace = Pace(sessions.kw["bind"])
        """The outbound windows every process of a bot shares (see `Pace`)."""

    async def reachable(self) -> bool:
        """Whether the database answers now."""
        try:
            async with self._sessions() as session:
                await session.execute(select(1))
        except Exception:  # any driver error means the same: not reachable now
            return False
        return True

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work committed on success and rolled back on error; then the work
        it asked to run after its commit (`UnitOfWork.after_commit`)."""
        async with self._sessions() as session:
            uow = UnitOfWork(session, self.structure)
            try:
                yield uow
                await uow.commit()
            except BaseException:
                await session.rollback()
                raise
        for work in uow.committed:
            try:
                await work(self)
            except Exception:  # What committed stays committed; the work is logged, not raised.
                log.exception("work after a commit failed")

    async def collect_files(self, unlink: Callable[[str], None]) -> int:
        """Remove every stored file marked for removal, each in a transaction of its own.

        Also finishes what an interrupted process left marked. A file that cannot be
        removed now stays marked for the next time.

        Returns:
            How many files were removed.
        """
        async with self.transaction() as uow:
            paths = await uow.blobs.doomed()
        removed = 0
        for path in paths:
            async with self.transaction() as uow:
                removed += await uow.blobs.remove(path, unlink)
        return removed
