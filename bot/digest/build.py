"""The digest read once from the database, then assembled (`bot.digest.assemble`) into a
`Digest` the renderers format.

`build` reads what a consultation holds; `assemble` is the pure part that turns those rows
into figures, sentences and sections, so the same input always gives the same digest.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from bot.digest import translate
from bot.digest.assemble import Source, assemble
from bot.digest.model import CategoryFigures as CategoryFigures
from bot.digest.model import Digest as Digest
from bot.digest.model import DigestAnswer as DigestAnswer
from bot.digest.model import Figure as Figure
from bot.digest.model import ItemSection as ItemSection
from bot.digest.model import QuestionSection as QuestionSection
from bot.digest.model import xml_safe as xml_safe
from config.consultation import Participation
from handlers import questions as question_types
from storage.models import (
    ConsentKind,
)
from storage.repositories import Store

KIND = "digest"
"""The ledger kind of a digest."""


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


async def read(store: Store, consultation_id: str) -> Source:
    """Everything a digest of this consultation needs, in one transaction."""
    async with store.transaction() as uow:
        row = await uow.consultations.get(consultation_id)
        if row is None:
            raise LookupError(f"no consultation with id {consultation_id!r} is loaded")
        participants = await uow.reports.participants()
        questions = await uow.consultations.questions_of(consultation_id)
        answers = await uow.reports.answer_rows(consultation_id)
        counted = {q.id for q in questions if question_types.kind(q.type).counted}
        authors = {p.id: p for p in participants}
        for participant_id in sorted({answer[0] for answer in answers} - authors.keys()):
            # Only a participant who erased their data is left out of `participants`, and
            # erasing deletes their answers too: one by one is enough for what is left.
            author = await uow.participants.get(participant_id)
            if author is not None:
                authors[participant_id] = author
        return Source(
            consultation=row,
            items=await uow.consultations.items(consultation_id),
            questions=questions,
            answers=answers,
            values=await uow.reports.answer_counts(counted),
            authors=authors,
            publication=await uow.participants.latest_consents(
                set(authors), ConsentKind.PUBLICATION
            ),
            submissions=await uow.reports.submission_rows(consultation_id),
            invites=[
                invite
                for invite in await uow.reports.invites()
                if invite.consultation_id in (consultation_id, None) and invite.revoked_at is None
            ],
            # Every one of them is in `participants` (active): not loaded a second time.
            audience=[authors[pid] for pid in await uow.reports.audience_ids(consultation_id)],
            participants=participants,
            ledger=await uow.deliveries.of_consultation(consultation_id),
        )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a digest is made or rendered.

    A digest of 10,000 submissions allocates some million objects that form no cycles; the
    collector would walk them again and again as they accumulate (a third of the time of
    such a build and its HTML, measured in docs/performance.md). Whatever the rest of the
    process allocates meanwhile is collected once the collector is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def build(
    store: Store,
    consultation_id: str,
    *,
    now: datetime,
    since: datetime | None = None,
    final: bool = False,
    since_from: str = "the previous digest",
    participation: Participation | None = None,
    translator: translate.Translator | None = None,
    docx_template: Path | None = None,
) -> Digest:
    """The digest of a consultation at `now`, marking what is new since `since` (what that
    moment is, in words: `since_from`); with a `translator`, the written answers in other
    languages machine-translated into English; its DOCX written into `docx_template` (the
    bundled Word template when None). `bot.digest.period.next_digest` finds the period."""
    with collector_paused():
        source = await read(store, consultation_id)
        translated = (
            await translate.translations(store, source.questions, translator, now=now)
            if translator is not None
            else {}
        )
        digest = assemble(
            source,
            now=now,
            since=since,
            final=final,
            since_from=since_from,
            participation=participation,
            translations=translated,
        )
        return dataclasses.replace(digest, docx_template=docx_template) if docx_template else digest
