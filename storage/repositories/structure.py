"""Consultations, agenda items and questions, and the cache that keeps them in memory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from copy import deepcopy
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from config.consultation import Consultation
from storage.db import STRUCTURE_CHANGED
from storage.models import STRUCTURE, AgendaItemRow, ConsultationRow, QuestionRow
from storage.repositories.base import Repository

_Row = TypeVar("_Row")
_Value = TypeVar("_Value")


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


def _detached_rows(rows: Sequence[QuestionRow]) -> Sequence[QuestionRow]:
    return [_detached_copy(row) for row in rows]


def _detached_placed(found: Placed | None) -> Placed | None:
    if found is None:
        return None
    return _detached_copy(found[0]), _detached_copy(found[1]), _detached_copy(found[2])


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


def _questions_of_cache(cache: StructureCache) -> dict[int, Sequence[QuestionRow]]:
    return cache.questions


def _placed_of_cache(cache: StructureCache) -> dict[int, Placed | None]:
    return cache.placed


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

    async def _cached(
        self,
        key: int,
        shared_part: Callable[[StructureCache], dict[int, _Value]],
        mine: dict[int, _Value],
        load: Callable[[int], Awaitable[_Value]],
        detach: Callable[[_Value], _Value],
    ) -> _Value:
        """`load(key)`, from the shared cache (as detached copies) when this transaction may
        use it, else remembered for this unit of work."""
        shared = self._shared()
        if shared is None:
            if key not in mine:
                mine[key] = await load(key)
            return mine[key]
        part = shared_part(shared)
        if key in part:
            return part[key]
        value = detach(await load(key))
        if shared.generation == self._generation:
            part[key] = value
        return value

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
        return await self._cached(
            item_id, _questions_of_cache, self._questions, self._load_questions, _detached_rows
        )

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
        return await self._cached(
            question_id, _placed_of_cache, self._placed, self._load_placed, _detached_placed
        )

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
