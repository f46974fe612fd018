"""Read-only queries across participants, for exports, statistics, digests and reminders."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AgendaItemRow,
    Answer,
    AnswerRevision,
    ConsentKind,
    Identity,
    Invite,
    Organisation,
    Participant,
    ParticipantStatus,
    QuestionRow,
    Submission,
    SubmissionStatus,
)
from storage.repositories.base import Repository
from storage.repositories.conversation import ParticipantRepository

_T = TypeVar("_T")


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
    """Read-only queries across participants: exports, statistics, digests, reminders."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._consents = ParticipantRepository(session)

    async def answers(
        self, consultation_id: str | None = None, *, hidden: bool = False
    ) -> list[AnswerRecord]:
        """Every current, visible answer (and the hidden ones too with `hidden`), in
        consultation and agenda order."""
        query = (
            select(Answer, Participant, QuestionRow, AgendaItemRow, Submission.status)
            .join(Participant, Answer.participant_id == Participant.id)
            .join(QuestionRow, Answer.question_id == QuestionRow.id)
            .join(AgendaItemRow, QuestionRow.agenda_item_id == AgendaItemRow.id)
            .outerjoin(Submission, _submission_of_answer())
            .order_by(
                AgendaItemRow.consultation_id,
                AgendaItemRow.position,
                QuestionRow.position,
                Answer.id,
            )
        )
        if not hidden:
            query = query.where(Answer.hidden_reason.is_(None))
        if consultation_id is not None:
            query = query.where(AgendaItemRow.consultation_id == consultation_id)
        rows = (await self.session.execute(query)).all()
        consents = await self._consents.latest_consents(
            {p.id for _, p, _, _, _ in rows}, ConsentKind.PUBLICATION
        )
        return [
            AnswerRecord(
                answer=answer,
                participant=participant,
                organisation=participant.organisation,
                question=question,
                item=item,
                consultation_id=item.consultation_id,
                publication_consent=consents.get(participant.id, False),
                status=status or SubmissionStatus.DRAFT,
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

    async def submission_count(self, consultation_id: str) -> int:
        """How many submissions (drafts and submitted) a consultation has: how long its
        digest takes."""
        counted = await self.session.scalar(
            select(func.count(Submission.id))
            .join(AgendaItemRow, Submission.agenda_item_id == AgendaItemRow.id)
            .where(AgendaItemRow.consultation_id == consultation_id)
        )
        return int(counted or 0)

    async def invites(self) -> Sequence[Invite]:
        """Every invite."""
        return (await self.session.scalars(select(Invite).order_by(Invite.id))).all()

    async def participants(self) -> Sequence[Participant]:
        """Every participant who has not erased their data."""
        result = await self.session.scalars(
            select(Participant)
            .where(Participant.status != ParticipantStatus.ERASED)
            .order_by(Participant.id)
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
        consents = await self._consents.latest_consents(
            {p.id for p in participants}, ConsentKind.PROCESSING
        )
        return [p for p in participants if consents.get(p.id, False)]

    async def audience_ids(self, consultation_id: str) -> list[int]:
        """The ids of `audience`, in order, without loading the participants again."""
        result = await self.session.scalars(_audience(select(Participant.id), consultation_id))
        ids = list(result.all())
        consents = await self._consents.latest_consents(set(ids), ConsentKind.PROCESSING)
        return [participant_id for participant_id in ids if consents.get(participant_id, False)]

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
