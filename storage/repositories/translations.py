"""Machine translations of answers, kept per answer revision and target language."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, delete, select

from storage.models import Answer
from storage.repositories.base import Repository
from storage.translations import Translation

UNDETERMINED = "und"


class Translatable(NamedTuple):
    """A visible answer in another language than the target, with its kept translation."""

    answer_id: int
    revision: int
    participant_id: int
    question_id: int
    text: str
    language: str
    translation: str | None
    """The translation kept for this revision, None when it was never made."""


class TranslationRepository(Repository):
    """The translations table."""

    async def translatable(
        self, question_ids: Collection[int], target: str
    ) -> Sequence[Translatable]:
        """The visible answers to these questions whose detected language is neither the
        target nor undetermined, each with its kept translation into `target`, if any."""
        if not question_ids:
            return []
        kept = and_(
            Translation.answer_id == Answer.id,
            Translation.revision == Answer.revision,
            Translation.target == target,
        )
        result = await self.session.execute(
            select(
                Answer.id,
                Answer.revision,
                Answer.participant_id,
                Answer.question_id,
                Answer.text,
                Answer.language,
                Translation.text,
            )
            .outerjoin(Translation, kept)
            .where(
                Answer.question_id.in_(question_ids),
                Answer.hidden_reason.is_(None),
                Answer.language.is_not(None),
                Answer.language.not_in([target, UNDETERMINED]),
            )
            .order_by(Answer.id)
        )
        return [
            Translatable(
                answer_id, revision, participant_id, question_id, text, language or "", kept
            )
            for answer_id, revision, participant_id, question_id, text, language, kept in result
        ]

    async def keep(
        self,
        *,
        answer_id: int,
        revision: int,
        source: str,
        target: str,
        text: str,
        service: str,
        now: datetime,
    ) -> None:
        """Keep a translation of one revision; those of the answer's earlier revisions into
        the same language are dropped (nobody reads them again). A translation another
        process kept meanwhile stays as it is."""
        await self.session.execute(
            delete(Translation).where(
                Translation.answer_id == answer_id,
                Translation.target == target,
                Translation.revision < revision,
            )
        )
        await self.session.execute(
            self._insert(Translation)
            .values(
                answer_id=answer_id,
                revision=revision,
                source=source,
                target=target,
                text=text,
                service=service,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["answer_id", "revision", "target"])
        )
