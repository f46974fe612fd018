"""Answers, their revisions, submissions, documents and the stored files behind them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update

from storage.models import (
    Answer,
    AnswerRevision,
    Blob,
    Document,
    QuestionRow,
    Submission,
    SubmissionStatus,
)
from storage.repositories.base import Repository, changed
from storage.translations import Translation

ANSWERS_READ = "answers_read"
"""Key in `Session.info`: the answers read in this transaction, by (participant, question)."""


class AnswerRepository(Repository):
    """Answers, their revisions and documents."""

    @property
    def _read(self) -> dict[tuple[int, int], Answer | None]:
        # In the session, not this instance: an erasure goes through an instance of its own
        # (`ParticipantRepository.erase`), and must forget what this one read.
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
        return (await self.answered({participant_id}))[participant_id]

    async def answered(
        self, participant_ids: set[int], question_ids: set[int] | None = None
    ) -> dict[int, set[int]]:
        """The ids of the questions each participant has answered (of `question_ids` only,
        when given); an empty set for one who answered none."""
        answered: dict[int, set[int]] = {pid: set() for pid in participant_ids}
        if not participant_ids or (question_ids is not None and not question_ids):
            return answered
        query = select(Answer.participant_id, Answer.question_id).where(
            Answer.participant_id.in_(participant_ids)
        )
        if question_ids is not None:
            query = query.where(Answer.question_id.in_(question_ids))
        for participant_id, question_id in await self.session.execute(query):
            answered[participant_id].add(question_id)
        return answered

    async def by_id(self, answer_id: int) -> Answer | None:
        """One answer by id, whoever wrote it (the secretariat hides and unhides by id)."""
        return await self.session.get(Answer, answer_id)

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

    async def forget(self, participant_id: int) -> list[str]:
        """Delete the participant's answers with their history, submissions and documents
        (for an erasure: see `ParticipantRepository.erase`).

        Returns:
            The stored files no document refers to any more, marked for removal once this
            transaction commits (`BlobRepository.release`).
        """
        self._read.clear()
        answer_ids = select(Answer.id).where(Answer.participant_id == participant_id)
        await self.session.execute(delete(Translation).where(Translation.answer_id.in_(answer_ids)))
        await self.session.execute(
            delete(AnswerRevision).where(AnswerRevision.answer_id.in_(answer_ids))
        )
        await self.session.execute(delete(Answer).where(Answer.participant_id == participant_id))
        await self.session.execute(
            delete(Submission).where(Submission.participant_id == participant_id)
        )
        paths = list(
            await self.session.scalars(
                select(Document.storage_path).where(Document.participant_id == participant_id)
            )
        )
        await self.session.execute(
            delete(Document).where(Document.participant_id == participant_id)
        )
        return await BlobRepository(self.session).release(paths)

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
        if changed(result) != 1:
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
