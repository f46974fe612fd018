"""Who is writing: processed updates, identities, participants and consents, link codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, delete, exists, func, literal, null, select, tuple_, update

from storage.models import (
    AuditEntry,
    CodeFailures,
    Consent,
    ConsentKind,
    Identity,
    LinkCode,
    Participant,
    ParticipantStatus,
    ProcessedUpdate,
    StructureGeneration,
    UTCDateTime,
)
from storage.repositories.answers import AnswerRepository
from storage.repositories.base import Repository, changed, new_code


class DuplicateUpdate(Exception):
    """The platform update was already processed by another worker."""


class UpdateRepository(Repository):
    """Platform update ids already handled."""

    async def claim(self, platform: str, key: str, now: datetime) -> bool:
        """Record the update as processed in this transaction; False when it already was.

        One statement: an insert that does nothing on the unique key. A concurrent
        transaction holding the same key makes this one wait for it (PostgreSQL) or fails
        the commit (`DuplicateUpdate`), so either way the update is handled once.
        """
        result = await self.session.execute(
            self._insert(ProcessedUpdate)
            .values(platform=platform, update_key=key, created_at=now)
            .on_conflict_do_nothing(index_elements=["platform", "update_key"])
        )
        return changed(result) > 0

    async def forget_before(self, moment: datetime) -> int:
        """Forget update ids processed before `moment`; how many were forgotten."""
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.created_at < moment)
        )
        return changed(result)

    async def seen(self, platform: str, key: str) -> bool:
        """True when this update was processed before."""
        query = select(
            exists().where(ProcessedUpdate.platform == platform, ProcessedUpdate.update_key == key)
        )
        return bool(await self.session.scalar(query))


class IdentityRepository(Repository):
    """Platform accounts and the participants behind them."""

    async def get(self, platform: str, user_id: str) -> Identity | None:
        """The identity for a platform account, if it has written before."""
        return await self.session.scalar(
            select(Identity).where(
                Identity.platform == platform, Identity.platform_user_id == user_id
            )
        )

    async def with_participant(
        self, platform: str, user_id: str
    ) -> tuple[Identity | None, Participant | None, int]:
        """The identity for a platform account, its participant and the structure's
        generation (see `StructureGeneration`), in one query."""
        generation = (
            select(func.coalesce(func.max(StructureGeneration.generation), 0))
            .where(StructureGeneration.id == 1)
            .scalar_subquery()
        )
        found = (
            await self.session.execute(
                select(generation, Identity, Participant)
                .select_from(Identity)
                .outerjoin(Participant, Identity.participant_id == Participant.id)
                .where(Identity.platform == platform, Identity.platform_user_id == user_id)
            )
        ).first()
        if found is None:
            return None, None, await self.generation()
        return found[1], found[2], int(found[0])

    async def generation(self) -> int:
        """The structure's generation (see `StructureGeneration`), 0 before any change."""
        current = await self.session.scalar(
            select(StructureGeneration.generation).where(StructureGeneration.id == 1)
        )
        return int(current or 0)

    async def add(self, identity: Identity) -> Identity:
        """Store a new identity."""
        self.session.add(identity)
        await self.session.flush()
        return identity

    async def of_participant(self, participant_id: int) -> Sequence[Identity]:
        """Every identity linked to a participant."""
        result = await self.session.scalars(
            select(Identity).where(Identity.participant_id == participant_id)
        )
        return result.all()


class ParticipantRepository(Repository):
    """Participants and their conversation state."""

    async def get(self, participant_id: int) -> Participant | None:
        """A participant by id."""
        return await self.session.get(Participant, participant_id)

    async def add(self, participant: Participant) -> Participant:
        """Store a new participant."""
        self.session.add(participant)
        await self.session.flush()
        return participant

    async def add_consent(
        self, participant_id: int, kind: ConsentKind, *, granted: bool, version: str, now: datetime
    ) -> None:
        """Record a consent given or refused."""
        self.session.add(
            Consent(
                participant_id=participant_id,
                kind=kind,
                granted=granted,
                notice_version=version,
                created_at=now,
            )
        )

    async def consents(self, participant_id: int) -> Sequence[Consent]:
        """Every consent the participant gave or refused, oldest first."""
        result = await self.session.scalars(
            select(Consent).where(Consent.participant_id == participant_id).order_by(Consent.id)
        )
        return result.all()

    async def latest_consents(
        self, participant_ids: set[int], kind: ConsentKind
    ) -> dict[int, bool]:
        """Each participant's latest decision on a consent of `kind`; none for those never
        asked."""
        if not participant_ids:
            return {}
        result = await self.session.execute(
            select(Consent.participant_id, Consent.granted)
            .where(Consent.participant_id.in_(participant_ids), Consent.kind == kind)
            .order_by(Consent.id)
        )
        latest: dict[int, bool] = {}
        for participant_id, granted in result:
            latest[participant_id] = granted  # later rows overwrite: the latest decision wins
        return latest

    async def pending(self) -> Sequence[Participant]:
        """Participants waiting for the secretariat's approval, in the order they came."""
        result = await self.session.scalars(
            select(Participant)
            .where(Participant.status == ParticipantStatus.PENDING)
            .order_by(Participant.id)
        )
        return result.all()

    async def erase(self, participant: Participant, now: datetime) -> list[str]:
        """Delete everything that identifies the participant.

        Their answers and history, submissions, consents, documents, link codes, platform
        accounts (user ids, chats, when last seen) and the wrong codes counted against
        them go; their audit entries keep what happened and when, not the detail (the
        invite they used, receipt references). What stays is a tombstone (see below).

        Returns:
            The stored files no document refers to any more, marked for removal once this
            transaction commits (`BlobRepository.release`, `Store.collect_files`).
        """
        pid = participant.id
        doomed = await AnswerRepository(self.session).forget(pid)
        await self.session.execute(delete(Consent).where(Consent.participant_id == pid))
        await self.session.execute(delete(LinkCode).where(LinkCode.participant_id == pid))
        accounts = list(
            await self.session.scalars(select(Identity).where(Identity.participant_id == pid))
        )
        if accounts:
            await self.session.execute(
                delete(CodeFailures).where(
                    tuple_(CodeFailures.platform, CodeFailures.platform_user_id).in_(
                        [(a.platform, a.platform_user_id) for a in accounts]
                    )
                )
            )
        for account in accounts:
            # Through the session: the account writing now is loaded and changed already.
            await self.session.delete(account)
        await self.session.execute(
            update(AuditEntry).where(AuditEntry.actor == f"participant:{pid}").values(detail={})
        )
        # The row stays as a tombstone with nothing personal in it, so that its id is never
        # given to someone else (SQLite reuses the highest id of a deleted row): the audit
        # line of the erasure and the reminder ledger's keys and rows name it.
        participant.organisation_id = None
        participant.invite_id = None
        participant.status = ParticipantStatus.ERASED
        participant.display_name = participant.locale = participant.timezone = None
        participant.gender = participant.credit = None
        participant.context = {}
        participant.reminders_paused = participant.unreachable = False
        participant.created_at = participant.updated_at = now
        return doomed

    async def mark_unreachable(
        self, platform: str, chat_id: str, *, unreachable: bool = True
    ) -> int:
        """Mark the participant behind a platform chat (un)reachable; how many were changed."""
        behind = select(Identity.participant_id).where(
            Identity.platform == platform,
            Identity.chat_id == chat_id,
            Identity.participant_id.is_not(None),
        )
        result = await self.session.execute(
            update(Participant)
            .where(Participant.id.in_(behind), Participant.unreachable.is_not(unreachable))
            .values(unreachable=unreachable)
            .execution_options(synchronize_session="fetch")
        )
        return changed(result)


class LinkCodeRepository(Repository):
    """One-time codes that link another platform account to a participant."""

    async def add(self, link: LinkCode) -> LinkCode:
        """Store a new code, unique among all codes."""
        while await self.session.scalar(select(LinkCode.id).where(LinkCode.code == link.code)):
            link.code = new_code()
        self.session.add(link)
        await self.session.flush()
        return link

    async def usable(self, code: str, now: datetime) -> LinkCode | None:
        """The unused, unexpired code, if any."""
        return await self.session.scalar(
            select(LinkCode).where(
                LinkCode.code == code, LinkCode.used_at.is_(None), LinkCode.expires_at > now
            )
        )


class CodeFailureRepository(Repository):
    """Wrong invite and link codes per platform account, as every process sees them."""

    async def blocked_until(self, platform: str, user_id: str, now: datetime) -> datetime | None:
        """Until when the account may not try a code, or None when it may now."""
        return await self.session.scalar(
            select(CodeFailures.blocked_until).where(
                CodeFailures.platform == platform,
                CodeFailures.platform_user_id == user_id,
                CodeFailures.blocked_until > now,
            )
        )

    async def failed(
        self,
        platform: str,
        user_id: str,
        now: datetime,
        *,
        window: timedelta,
        limit: int,
        wait: timedelta,
    ) -> tuple[int, datetime | None]:
        """Count a wrong code from the account; the `limit`-th within `window` blocks it.

        One statement (an upsert computing the new count from the stored one), so wrong
        codes sent at once through several processes are each counted.

        Returns:
            How many wrong codes the current window holds, and until when the account is
            blocked (None when it is not).
        """
        in_window = CodeFailures.window_started_at > now - window
        counted = case((in_window, CodeFailures.failures + 1), else_=1)
        until = literal(now + wait, UTCDateTime())
        statement = (
            self._insert(CodeFailures)
            .values(
                platform=platform,
                platform_user_id=user_id,
                failures=1,
                window_started_at=now,
                blocked_until=now + wait if limit <= 1 else None,
            )
            .on_conflict_do_update(
                index_elements=[CodeFailures.platform, CodeFailures.platform_user_id],
                set_={
                    "failures": counted,
                    "window_started_at": case(
                        (in_window, CodeFailures.window_started_at),
                        else_=literal(now, UTCDateTime()),
                    ),
                    "blocked_until": case((counted >= limit, until), else_=null()),
                },
            )
            .returning(CodeFailures.failures, CodeFailures.blocked_until)
        )
        failures, blocked = (await self.session.execute(statement)).one()
        return int(failures), blocked

    async def clear(self, platform: str, user_id: str) -> None:
        """Forget the account's wrong codes (it sent a right one)."""
        await self.session.execute(
            delete(CodeFailures).where(
                CodeFailures.platform == platform, CodeFailures.platform_user_id == user_id
            )
        )
