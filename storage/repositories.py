"""Repositories: the only code that touches a Session. One transaction per unit of work."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    null,
    select,
    tuple_,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.consultation import Consultation
from storage.db import STRUCTURE_CHANGED
from storage.models import (
    STRUCTURE,
    Admin,
    AgendaItemRow,
    Answer,
    AnswerRevision,
    AuditEntry,
    Blob,
    CodeFailures,
    Consent,
    ConsentKind,
    ConsultationRow,
    Delivery,
    DeliveryStatus,
    Document,
    Identity,
    Invite,
    KeyValue,
    LinkCode,
    Organisation,
    Participant,
    ParticipantStatus,
    ProcessedUpdate,
    QuestionRow,
    StructureGeneration,
    Submission,
    SubmissionStatus,
    UTCDateTime,
)

log = logging.getLogger(__name__)

_Row = TypeVar("_Row")
_T = TypeVar("_T")

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Invite code letters: no 0/O or 1/I, so a code read aloud or retyped survives."""


class DuplicateUpdate(Exception):
    """The platform update was already processed by another worker."""


def new_code(length: int = 8) -> str:
    """A random code from the unambiguous alphabet."""
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(length))


class Repository:
    """Base: holds the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _insert(self, table: type[Any]) -> Any:
        """An INSERT with the database's ON CONFLICT clauses (PostgreSQL's or SQLite's)."""
        dialect = self.session.get_bind().dialect.name
        return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)


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
        return bool(getattr(result, "rowcount", 0))

    async def forget_before(self, moment: datetime) -> int:
        """Forget update ids processed before `moment`; how many were forgotten."""
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.created_at < moment)
        )
        return int(getattr(result, "rowcount", 0) or 0)

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
        self, participant_id: int, kind: str, *, granted: bool, version: str, now: datetime
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

    async def consent(self, participant_id: int, kind: str) -> bool:
        """The participant's latest decision on `kind` (False when never asked)."""
        granted = await self.session.scalar(
            select(Consent.granted)
            .where(Consent.participant_id == participant_id, Consent.kind == kind)
            .order_by(Consent.id.desc())
            .limit(1)
        )
        return bool(granted)

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
        self.session.info.pop(ANSWERS_READ, None)
        answer_ids = select(Answer.id).where(Answer.participant_id == pid)
        await self.session.execute(
            delete(AnswerRevision).where(AnswerRevision.answer_id.in_(answer_ids))
        )
        await self.session.execute(delete(Answer).where(Answer.participant_id == pid))
        await self.session.execute(delete(Submission).where(Submission.participant_id == pid))
        await self.session.execute(delete(Consent).where(Consent.participant_id == pid))
        paths = list(
            await self.session.scalars(
                select(Document.storage_path).where(Document.participant_id == pid)
            )
        )
        await self.session.execute(delete(Document).where(Document.participant_id == pid))
        doomed = await BlobRepository(self.session).release(paths)
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
        participant.status = ParticipantStatus.ERASED.value
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
        return int(getattr(result, "rowcount", 0) or 0)


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
        if getattr(result, "rowcount", 0) == 1:
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


@dataclass(frozen=True)
class LoadedConsultation:
    """A consultation definition together with the database ids of its parts."""

    row: ConsultationRow
    definition: Consultation
    items: list[AgendaItemRow]
    questions: dict[int, list[QuestionRow]]


Placed = tuple[QuestionRow, AgendaItemRow, ConsultationRow]
"""A question with its agenda item and consultation."""


def _detached_copy(row: _Row) -> _Row:
    """A copy of a loaded row that belongs to no session, for the structure cache.

    The cache hands the same objects to every transaction: they must not be the instances a
    session tracks (a change made through one, then rolled back, would stay in the cache).
    """
    copy = type(row)()
    for attribute in sa_inspect(type(row)).column_attrs:
        setattr(copy, attribute.key, deepcopy(getattr(row, attribute.key)))
    return copy


class StructureCache:
    """Questions with their agenda items and consultations, kept between transactions.

    Answering a question reads the same few rows on every message; they change only when a
    consultation is loaded or the secretariat closes or extends something, which records a
    new `StructureGeneration`. The cache is valid for one generation and
    is emptied when a transaction sees a newer one. Only `placed` and `questions` use it:
    the hot path of the interview. The objects it holds are shared: read them, never change
    them. A transaction stores what it read only if the cache still holds its generation
    after the read: another may have moved it on while this one waited for the database.
    """

    def __init__(self) -> None:
        self.generation = -1
        self.placed: dict[int, Placed | None] = {}
        self.questions: dict[int, Sequence[QuestionRow]] = {}

    def at(self, generation: int) -> StructureCache | None:
        """The cache for `generation`: emptied first when it holds an older one; None when
        it already holds a newer one (that transaction reads the database)."""
        if generation < self.generation:
            return None
        if generation > self.generation:
            self.placed.clear()
            self.questions.clear()
            self.generation = generation
        return self


class ConsultationRepository(Repository):
    """Consultations as loaded from YAML, with their agenda items and questions."""

    def __init__(self, session: AsyncSession, cache: StructureCache | None = None) -> None:
        super().__init__(session)
        # The structure cannot change inside one transaction except through `upsert`, and a
        # step asks for the same question list several times: remember it per unit of work.
        self._questions: dict[int, Sequence[QuestionRow]] = {}
        self._placed: dict[int, Placed | None] = {}
        self._cache = cache
        self._generation: int | None = None

    def use_generation(self, generation: int) -> None:
        """Serve `placed` and `questions` from the shared cache, valid for `generation`.

        The caller read `generation` in this transaction; without this call every read goes
        to the database.
        """
        self._generation = generation

    def _shared(self) -> StructureCache | None:
        if self._cache is None or self._generation is None:
            return None
        if self.session.info.get(STRUCTURE_CHANGED) or any(
            isinstance(obj, STRUCTURE) for obj in (*self.session.new, *self.session.dirty)
        ):
            return None  # This transaction changes the structure: read what it sees.
        return self._cache.at(self._generation)

    async def upsert(self, consultation: Consultation, now: datetime) -> ConsultationRow:
        """Insert or update a consultation, keeping ids of items and questions that stay."""
        row = await self.session.get(ConsultationRow, consultation.id)
        values: dict[str, Any] = {
            "definition": consultation.model_dump(mode="json", exclude_none=True),
            "opens_at": consultation.aware(consultation.opens),
            "deadline": consultation.aware(consultation.deadline),
            "dialogue_date": consultation.dialogue.date,
            "timezone": consultation.dialogue.timezone,
            "loaded_at": now,
        }
        if row is None:
            row = ConsultationRow(id=consultation.id, closed=False, **values)
            self.session.add(row)
        else:
            for key, value in values.items():
                setattr(row, key, value)
        await self.session.flush()
        existing_items = {
            item.number: item
            for item in await self.session.scalars(
                select(AgendaItemRow).where(AgendaItemRow.consultation_id == consultation.id)
            )
        }
        for position, item in enumerate(consultation.agenda_items):
            item_row = existing_items.get(item.number)
            title = item.title.as_dict()
            description = item.description.as_dict() if item.description else None
            if item_row is None:
                item_row = AgendaItemRow(
                    consultation_id=consultation.id,
                    number=item.number,
                    position=position,
                    title=title,
                    description=description,
                )
                self.session.add(item_row)
                await self.session.flush()
            else:
                item_row.position, item_row.title = position, title
                item_row.description = description
            await self._upsert_questions(item_row, item.all_questions())
        return row

    async def _upsert_questions(self, item_row: AgendaItemRow, questions: list[Any]) -> None:
        self._questions.clear()
        self._placed.clear()
        existing = {
            q.key: q
            for q in await self.session.scalars(
                select(QuestionRow).where(QuestionRow.agenda_item_id == item_row.id)
            )
        }
        keep: set[str] = set()
        for position, (group_title, question) in enumerate(questions):
            keep.add(question.id)
            values = {
                "position": position,
                "type": question.type.value,
                "required": question.required,
                "spec": question.model_dump(mode="json", exclude_none=True),
                "group_title": group_title.as_dict() if group_title else None,
                "retired": False,
            }
            row = existing.get(question.id)
            if row is None:
                self.session.add(QuestionRow(agenda_item_id=item_row.id, key=question.id, **values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)
        for key, row in existing.items():
            if key not in keep:
                # Answers may point at it: retire instead of deleting.
                row.retired = True
        await self.session.flush()

    async def ids(self) -> list[str]:
        """Ids of every loaded consultation, by opening date."""
        result = await self.session.scalars(
            select(ConsultationRow.id).order_by(ConsultationRow.opens_at)
        )
        return list(result.all())

    async def rows(self, ids: Sequence[str] | None = None) -> Sequence[ConsultationRow]:
        """Loaded consultations (all, or those with the given ids), by opening date."""
        query = select(ConsultationRow).order_by(ConsultationRow.opens_at, ConsultationRow.id)
        if ids is not None:
            query = query.where(ConsultationRow.id.in_(ids))
        return (await self.session.scalars(query)).all()

    async def get(self, consultation_id: str) -> ConsultationRow | None:
        """A loaded consultation by id."""
        return await self.session.get(ConsultationRow, consultation_id)

    async def items(self, consultation_id: str) -> Sequence[AgendaItemRow]:
        """The agenda items of a consultation, in order."""
        result = await self.session.scalars(
            select(AgendaItemRow)
            .where(AgendaItemRow.consultation_id == consultation_id)
            .order_by(AgendaItemRow.position)
        )
        return result.all()

    async def item(self, item_id: int) -> AgendaItemRow | None:
        """An agenda item by id."""
        return await self.session.get(AgendaItemRow, item_id)

    async def questions(self, item_id: int) -> Sequence[QuestionRow]:
        """The current questions of an agenda item, in order."""
        shared = self._shared()
        if shared is not None:
            if item_id in shared.questions:
                return shared.questions[item_id]
            rows = [_detached_copy(row) for row in await self._load_questions(item_id)]
            if shared.generation == self._generation:
                shared.questions[item_id] = rows
            return rows
        if item_id not in self._questions:
            self._questions[item_id] = await self._load_questions(item_id)
        return self._questions[item_id]

    async def _load_questions(self, item_id: int) -> Sequence[QuestionRow]:
        result = await self.session.scalars(
            select(QuestionRow)
            .where(QuestionRow.agenda_item_id == item_id, QuestionRow.retired.is_(False))
            .order_by(QuestionRow.position)
        )
        return result.all()

    async def questions_of(self, consultation_id: str) -> Sequence[QuestionRow]:
        """Every current question of a consultation, in agenda order."""
        result = await self.session.scalars(
            select(QuestionRow)
            .join(AgendaItemRow, QuestionRow.agenda_item_id == AgendaItemRow.id)
            .where(
                AgendaItemRow.consultation_id == consultation_id,
                QuestionRow.retired.is_(False),
            )
            .order_by(AgendaItemRow.position, QuestionRow.position)
        )
        return result.all()

    async def question(self, question_id: int) -> QuestionRow | None:
        """A question by id."""
        return await self.session.get(QuestionRow, question_id)

    async def placed(self, question_id: int) -> Placed | None:
        """A question with its agenda item and consultation, in one query."""
        shared = self._shared()
        if shared is not None:
            if question_id in shared.placed:
                return shared.placed[question_id]
            found = await self._load_placed(question_id)
            copies: Placed | None = (
                (_detached_copy(found[0]), _detached_copy(found[1]), _detached_copy(found[2]))
                if found
                else None
            )
            if shared.generation == self._generation:
                shared.placed[question_id] = copies
            return copies
        if question_id not in self._placed:
            self._placed[question_id] = await self._load_placed(question_id)
        return self._placed[question_id]

    async def _load_placed(self, question_id: int) -> Placed | None:
        found = (
            await self.session.execute(
                select(QuestionRow, AgendaItemRow, ConsultationRow)
                .join(AgendaItemRow, QuestionRow.agenda_item_id == AgendaItemRow.id)
                .join(ConsultationRow, AgendaItemRow.consultation_id == ConsultationRow.id)
                .where(QuestionRow.id == question_id)
            )
        ).first()
        return (found[0], found[1], found[2]) if found else None


ANSWERS_READ = "answers_read"
"""Key in `Session.info`: the answers read in this transaction, by (participant, question)."""


class AnswerRepository(Repository):
    """Answers, their revisions and documents."""

    @property
    def _read(self) -> dict[tuple[int, int], Answer | None]:
        # In the session, so erasing a participant (another repository) can forget them.
        read: dict[tuple[int, int], Answer | None] = self.session.info.setdefault(ANSWERS_READ, {})
        return read

    async def load(self, participant_id: int, question_ids: Sequence[int]) -> None:
        """Read the participant's answers to these questions in one query, for `get`.

        A step that stores an answer and then shows the next question reads both at once.
        """
        read = self._read
        missing = [q for q in question_ids if (participant_id, q) not in read]
        if not missing:
            return
        found = {
            answer.question_id: answer
            for answer in await self.session.scalars(
                select(Answer).where(
                    Answer.participant_id == participant_id, Answer.question_id.in_(missing)
                )
            )
        }
        for question_id in missing:
            read[(participant_id, question_id)] = found.get(question_id)

    async def for_item(self, participant_id: int, item_id: int) -> dict[int, Answer]:
        """The participant's current answers to an agenda item, by question id."""
        result = await self.session.scalars(
            select(Answer)
            .join(QuestionRow, Answer.question_id == QuestionRow.id)
            .where(Answer.participant_id == participant_id, QuestionRow.agenda_item_id == item_id)
        )
        return {answer.question_id: answer for answer in result}

    async def for_participant(self, participant_id: int) -> Sequence[Answer]:
        """Every current answer of the participant."""
        result = await self.session.scalars(
            select(Answer).where(Answer.participant_id == participant_id).order_by(Answer.id)
        )
        return result.all()

    async def answered_question_ids(self, participant_id: int) -> set[int]:
        """Ids of the questions the participant has answered."""
        result = await self.session.scalars(
            select(Answer.question_id).where(Answer.participant_id == participant_id)
        )
        return set(result.all())

    async def get(self, participant_id: int, question_id: int) -> Answer | None:
        """The participant's current answer to one question (read once per transaction)."""
        key = (participant_id, question_id)
        read = self._read
        if key not in read:
            read[key] = await self.session.scalar(
                select(Answer).where(
                    Answer.participant_id == participant_id, Answer.question_id == question_id
                )
            )
        return read[key]

    async def save(
        self,
        *,
        participant_id: int,
        question_id: int,
        value: dict[str, Any],
        text: str,
        language: str | None,
        confidence: float | None,
        channel: str,
        now: datetime,
    ) -> Answer:
        """Store a new value as the current answer and append it to the history."""
        answer = await self.get(participant_id, question_id)
        if answer is None:
            answer = Answer(
                participant_id=participant_id,
                question_id=question_id,
                value=value,
                text=text,
                language=language,
                language_confidence=confidence,
                revision=1,
                created_at=now,
                updated_at=now,
            )
            self.session.add(answer)
            await self.session.flush()
            self._read[(participant_id, question_id)] = answer
        else:
            answer.value, answer.text, answer.updated_at = value, text, now
            answer.language, answer.language_confidence = language, confidence
            answer.revision += 1
        self.session.add(
            AnswerRevision(
                answer_id=answer.id,
                revision=answer.revision,
                value=value,
                text=text,
                language=language,
                channel=channel,
                created_at=now,
            )
        )
        await self.session.flush()
        return answer

    async def revisions(self, answer_id: int) -> Sequence[AnswerRevision]:
        """Every revision of an answer, oldest first."""
        result = await self.session.scalars(
            select(AnswerRevision)
            .where(AnswerRevision.answer_id == answer_id)
            .order_by(AnswerRevision.revision)
        )
        return result.all()

    async def add_document(self, document: Document) -> Document:
        """Store a document's metadata."""
        self.session.add(document)
        await self.session.flush()
        return document

    async def document(self, document_id: int) -> Document | None:
        """A document by id."""
        return await self.session.get(Document, document_id)


class BlobRepository(Repository):
    """Stored files, one row each, which uploads and erasures of the same bytes lock.

    Files are named by their content's hash, so participants who sent the same bytes share
    one. An upload holds the row (`hold`) before it looks for the file; an erasure holds it
    before it counts the documents still referring to it (`release`). So an upload either
    committed its document before the erasure counted (and the file stays), or waits until
    the erasure has committed, then finds the row doomed or gone, and writes the file again.
    The file itself is removed only after the erasure commits, under the row's lock again
    (`remove`): a rolled-back or interrupted erasure has removed nothing.
    """

    async def hold(self, path: str) -> None:
        """Lock the file's row for this transaction (creating it), and keep the file."""
        await self.session.execute(
            self._insert(Blob)
            .values(path=path, doomed=False)
            .on_conflict_do_update(index_elements=[Blob.path], set_={"doomed": False})
        )

    async def release(self, paths: Iterable[str]) -> list[str]:
        """Mark the files that no document refers to any more for removal.

        Call after deleting the documents; the rows are locked in order, so two erasures of
        documents sharing files cannot deadlock.

        Returns:
            The paths marked, to remove once this transaction has committed.
        """
        doomed = []
        for path in sorted(set(paths)):
            await self.hold(path)
            # After the lock, in a statement of its own: it sees every document committed
            # by an upload that held the row before us.
            if not await self.session.scalar(select(exists().where(Document.storage_path == path))):
                await self.session.execute(
                    update(Blob).where(Blob.path == path).values(doomed=True)
                )
                doomed.append(path)
        return doomed

    async def doomed(self) -> list[str]:
        """Every file marked for removal (an erasure's, or one an interrupted process left)."""
        return list(await self.session.scalars(select(Blob.path).where(Blob.doomed)))

    async def remove(self, path: str, unlink: Callable[[str], None]) -> bool:
        """Remove a file marked for removal, if still unreferenced, with its row.

        The file is unlinked while the deleted row is locked: an upload of the same bytes
        waits, and then writes the file again. Commit right after.

        Returns:
            True when this transaction removed the file.
        """
        result = await self.session.execute(
            delete(Blob).where(
                Blob.path == path,
                Blob.doomed,
                ~exists().where(Document.storage_path == path),
            )
        )
        if getattr(result, "rowcount", 0) != 1:
            return False
        unlink(path)
        return True


class SubmissionRepository(Repository):
    """Submissions per participant and agenda item."""

    async def get(self, participant_id: int, item_id: int) -> Submission | None:
        """The participant's submission for an agenda item, if any."""
        return await self.session.scalar(
            select(Submission).where(
                Submission.participant_id == participant_id, Submission.agenda_item_id == item_id
            )
        )

    async def for_participant(self, participant_id: int) -> dict[int, Submission]:
        """The participant's submissions by agenda item id."""
        result = await self.session.scalars(
            select(Submission).where(Submission.participant_id == participant_id)
        )
        return {s.agenda_item_id: s for s in result}

    async def touch(self, participant_id: int, item_id: int, now: datetime) -> bool:
        """Note an edit: the submission is created as a draft, or reopened if it was submitted.

        Returns:
            True when this edit reopened a submitted submission.
        """
        submission = await self.get(participant_id, item_id)
        reopens = submission is not None and submission.status == SubmissionStatus.SUBMITTED
        await self._touched(submission, participant_id, item_id, now)
        return reopens

    async def _touched(
        self, submission: Submission | None, participant_id: int, item_id: int, now: datetime
    ) -> Submission:
        if submission is None:
            submission = Submission(
                participant_id=participant_id,
                agenda_item_id=item_id,
                status=SubmissionStatus.DRAFT,
                updated_at=now,
            )
            self.session.add(submission)
            await self.session.flush()
        elif submission.status == SubmissionStatus.SUBMITTED:
            submission.status = SubmissionStatus.REOPENED
        submission.updated_at = now
        return submission

    async def submit(
        self, participant_id: int, item_id: int, reference: str, now: datetime
    ) -> Submission:
        """Mark the submission submitted, with its receipt reference."""
        submission = await self._touched(
            await self.get(participant_id, item_id), participant_id, item_id, now
        )
        submission.status = SubmissionStatus.SUBMITTED
        submission.reference = reference
        submission.submitted_at = now
        return submission


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


@dataclass(frozen=True)
class AnswerRecord:
    """One current answer with everything an export or a digest shows beside it."""

    answer: Answer
    participant: Participant
    organisation: Organisation | None
    question: QuestionRow
    item: AgendaItemRow
    consultation_id: str
    publication_consent: bool
    status: SubmissionStatus
    """Where the submission of the answer's agenda item stands (a draft when none)."""


def _submission_of_answer() -> ColumnElement[bool]:
    """The join condition of an answer (with its question) to its agenda item's submission."""
    return (Submission.participant_id == Answer.participant_id) & (
        Submission.agenda_item_id == QuestionRow.agenda_item_id
    )


def _audience(query: Select[_T], consultation_id: str) -> Select[_T]:
    """`query` limited to the active participants invited to a consultation (or to all)."""
    return (
        query.join(Invite, Participant.invite_id == Invite.id)
        .where(
            Participant.status == ParticipantStatus.ACTIVE,
            (Invite.consultation_id == consultation_id) | Invite.consultation_id.is_(None),
        )
        .order_by(Participant.id)
    )


class ReportRepository(Repository):
    """Read-only queries across participants for exports and statistics."""

    async def answers(self, consultation_id: str | None = None) -> list[AnswerRecord]:
        """Every current, visible answer, in consultation and agenda order."""
        query = (
            select(Answer, Participant, QuestionRow, AgendaItemRow, Submission.status)
            .join(Participant, Answer.participant_id == Participant.id)
            .join(QuestionRow, Answer.question_id == QuestionRow.id)
            .join(AgendaItemRow, QuestionRow.agenda_item_id == AgendaItemRow.id)
            .outerjoin(Submission, _submission_of_answer())
            .where(Answer.hidden_reason.is_(None))
            .order_by(
                AgendaItemRow.consultation_id,
                AgendaItemRow.position,
                QuestionRow.position,
                Answer.id,
            )
        )
        if consultation_id is not None:
            query = query.where(AgendaItemRow.consultation_id == consultation_id)
        rows = (await self.session.execute(query)).all()
        consents = await self._publication_consents({p.id for _, p, _, _, _ in rows})
        return [
            AnswerRecord(
                answer=answer,
                participant=participant,
                organisation=participant.organisation,
                question=question,
                item=item,
                consultation_id=item.consultation_id,
                publication_consent=consents.get(participant.id, False),
                status=SubmissionStatus(status or SubmissionStatus.DRAFT),
            )
            for answer, participant, question, item, status in rows
        ]

    async def submitted_values(
        self, consultation_id: str | None = None
    ) -> dict[int, AnswerRevision]:
        """Each answer's value as it was last submitted, by answer id.

        That is its latest revision at or before its agenda item's submission: a submission
        reopened by an edit keeps what was submitted. An answer never submitted (a draft,
        or given only after the submission) has none.
        """
        at_submission = (
            select(AnswerRevision.answer_id, func.max(AnswerRevision.revision).label("revision"))
            .join(Answer, AnswerRevision.answer_id == Answer.id)
            .join(QuestionRow, Answer.question_id == QuestionRow.id)
            .join(AgendaItemRow, QuestionRow.agenda_item_id == AgendaItemRow.id)
            .join(Submission, _submission_of_answer())
            .where(
                Submission.status.in_([SubmissionStatus.SUBMITTED, SubmissionStatus.REOPENED]),
                AnswerRevision.created_at <= Submission.submitted_at,
            )
            .group_by(AnswerRevision.answer_id)
        )
        if consultation_id is not None:
            at_submission = at_submission.where(AgendaItemRow.consultation_id == consultation_id)
        latest = at_submission.subquery()
        result = await self.session.scalars(
            select(AnswerRevision).join(
                latest,
                (AnswerRevision.answer_id == latest.c.answer_id)
                & (AnswerRevision.revision == latest.c.revision),
            )
        )
        return {revision.answer_id: revision for revision in result}

    async def answer_rows(
        self, consultation_id: str
    ) -> Sequence[tuple[int, int, str, str | None, datetime]]:
        """Every visible answer to a question of a consultation, as plain rows.

        For the digest, which reads every answer of a consultation at once: plain rows
        rather than `answers`' ORM objects, without the question and agenda item joined to
        each row (whose JSON columns would be decoded again for every answer), and without
        the value (see `answer_counts`), keep ten thousand submissions within a few hundred
        megabytes.

        Returns:
            (participant id, question id, text, language, updated at) per answer, in the
            order the answers were first given (answer id); retired questions included.
        """
        questions = (
            select(QuestionRow.id)
            .join(AgendaItemRow, QuestionRow.agenda_item_id == AgendaItemRow.id)
            .where(AgendaItemRow.consultation_id == consultation_id)
        )
        # On the session's connection, not the session: plain rows need none of the ORM's
        # result handling, which costs a tenth of the time on 200,000 rows.
        connection = await self.session.connection()
        result = await connection.execute(
            select(
                Answer.participant_id,
                Answer.question_id,
                Answer.text,
                Answer.language,
                Answer.updated_at,
            )
            .where(Answer.hidden_reason.is_(None), Answer.question_id.in_(questions))
            .order_by(Answer.id)
        )
        return result.all()

    async def answer_counts(self, question_ids: set[int]) -> list[tuple[int, dict[str, Any], int]]:
        """How many visible answers to each question hold each value, counted by the database.

        Closed questions have a handful of distinct values among thousands of answers:
        grouping in SQL decodes each distinct value once instead of once per answer.

        Returns:
            (question id, value, number of answers) per question and distinct value.
        """
        if not question_ids:
            return []
        # PostgreSQL's json type has no equality, so the values are grouped as text.
        raw = cast(Answer.value, Text)
        result = await self.session.execute(
            select(Answer.question_id, raw, func.count())
            .where(Answer.hidden_reason.is_(None), Answer.question_id.in_(question_ids))
            .group_by(Answer.question_id, raw)
            .order_by(Answer.question_id, raw)
        )
        return [(question_id, json.loads(value), count) for question_id, value, count in result]

    async def submission_rows(
        self, consultation_id: str
    ) -> Sequence[tuple[int, int, str, datetime | None]]:
        """Every submission of a consultation as plain rows, for the digest.

        Unlike `submissions`, the agenda item is not joined to each row: its JSON title and
        description would be decoded again for every submission.

        Returns:
            (participant id, agenda item id, status, submitted at) per submission.
        """
        connection = await self.session.connection()
        result = await connection.execute(
            select(
                Submission.participant_id,
                Submission.agenda_item_id,
                Submission.status,
                Submission.submitted_at,
            )
            .join(AgendaItemRow, Submission.agenda_item_id == AgendaItemRow.id)
            .where(AgendaItemRow.consultation_id == consultation_id)
            .order_by(Submission.id)
        )
        return result.all()

    async def _publication_consents(self, participant_ids: set[int]) -> dict[int, bool]:
        if not participant_ids:
            return {}
        result = await self.session.execute(
            select(Consent.participant_id, Consent.granted)
            .where(Consent.participant_id.in_(participant_ids), Consent.kind == "publication")
            .order_by(Consent.id)
        )
        latest: dict[int, bool] = {}
        for participant_id, granted in result:
            latest[participant_id] = granted  # later rows overwrite: the latest decision wins
        return latest

    async def invites(self) -> Sequence[Invite]:
        """Every invite."""
        return (await self.session.scalars(select(Invite).order_by(Invite.id))).all()

    async def participants(self) -> Sequence[Participant]:
        """Every participant who has not erased their data."""
        result = await self.session.scalars(
            select(Participant).where(Participant.status != "erased").order_by(Participant.id)
        )
        return result.all()

    async def submissions(self, consultation_id: str) -> Sequence[tuple[Submission, AgendaItemRow]]:
        """Every submission of a consultation with its agenda item."""
        result = await self.session.execute(
            select(Submission, AgendaItemRow)
            .join(AgendaItemRow, Submission.agenda_item_id == AgendaItemRow.id)
            .where(AgendaItemRow.consultation_id == consultation_id)
        )
        return [(s, i) for s, i in result.all()]

    async def audience(self, consultation_id: str) -> Sequence[Participant]:
        """Active participants invited to a consultation who consented to processing."""
        result = await self.session.scalars(_audience(select(Participant), consultation_id))
        participants = result.all()
        consents = await self.latest_consents({p.id for p in participants}, ConsentKind.PROCESSING)
        return [p for p in participants if consents.get(p.id, False)]

    async def audience_ids(self, consultation_id: str) -> list[int]:
        """The ids of `audience`, in order, without loading the participants again."""
        result = await self.session.scalars(_audience(select(Participant.id), consultation_id))
        ids = list(result.all())
        consents = await self.latest_consents(set(ids), ConsentKind.PROCESSING)
        return [participant_id for participant_id in ids if consents.get(participant_id, False)]

    async def latest_consents(self, participant_ids: set[int], kind: str) -> dict[int, bool]:
        """Each participant's latest decision on a consent of `kind`."""
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

    async def answered(self, participant_ids: set[int]) -> dict[int, set[int]]:
        """The ids of the questions each participant has answered."""
        answered: dict[int, set[int]] = {pid: set() for pid in participant_ids}
        if not participant_ids:
            return answered
        result = await self.session.execute(
            select(Answer.participant_id, Answer.question_id).where(
                Answer.participant_id.in_(participant_ids)
            )
        )
        for participant_id, question_id in result:
            answered[participant_id].add(question_id)
        return answered

    async def identities(self, participant_ids: set[int]) -> dict[int, list[Identity]]:
        """Each participant's platform accounts, the one used most recently first."""
        found: dict[int, list[Identity]] = {pid: [] for pid in participant_ids}
        if not participant_ids:
            return found
        result = await self.session.scalars(
            select(Identity).where(Identity.participant_id.in_(participant_ids))
        )
        for identity in result:
            if identity.participant_id is not None:
                found[identity.participant_id].append(identity)
        for accounts in found.values():
            accounts.sort(key=lambda i: (i.last_seen_at or i.created_at, i.id), reverse=True)
        return found


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
        row.status = status.value
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
                status=DeliveryStatus.SENDING.value,
                attempts=Delivery.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

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
                .values(status=DeliveryStatus.UNCERTAIN.value, updated_at=now)
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
