"""Exports of answers: JSON, CSV and XLSX, all or only what authors allowed to publish."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Any

from handlers import questions as question_types
from handlers.features.onboarding import category_label
from handlers.i18n import translator
from storage.models import Answer, AnswerRevision, Credit, Participant
from storage.repositories import AnswerRecord, Store

PUBLISHED_COLUMNS = (
    "consultation",
    "agenda_item",
    "question",
    "question_type",
    "organisation",
    "category",
    "country",
    "value",
    "answer",
    "language",
    "revision",
    "answered_at",
)
"""The columns of the published export: `value` is the answer as stored (a choice's
English label, `yes`, a scale's point), `answer` as a person reads it ("Yes", "5 (Fully)")."""
COLUMNS = (*PUBLISHED_COLUMNS, "status")
"""The columns of the full export: also where each answer's submission stands."""
_ENGLISH = translator("en")


def credited(record: AnswerRecord) -> str:
    """The author of an answer as they chose to be credited in published material."""
    return credited_as(record.participant)


def credited_as(participant: Participant) -> str:
    """A participant as they chose to be credited: named, their organisation, or anonymous."""
    organisation = participant.organisation.name if participant.organisation else ""
    credit = participant.credit
    if credit == Credit.NAMED and participant.display_name:
        return f"{participant.display_name} ({organisation})"
    if credit in (Credit.NAMED, Credit.ORGANISATION):
        return organisation
    category = participant.organisation.category if participant.organisation else "other"
    return f"Anonymous ({category})"


class Publication(StrEnum):
    """Whether and how an answer may be published, as the secretariat's digest marks it."""

    NAMED = "named"
    ORGANISATION = "organisation"
    ANONYMOUS = "anonymous"
    WITHHELD = "withheld"
    """Not for publication: its author did not consent, or the question is never published."""


PUBLICATION_LABELS = {
    Publication.NAMED: "publishable with the respondent's name",
    Publication.ORGANISATION: "publishable as the organisation",
    Publication.ANONYMOUS: "publishable anonymously",
    Publication.WITHHELD: "not for publication",
}
"""Each publication status as the digest writes it."""


def publication(
    participant: Participant, *, consent: bool, question_publishable: bool = True
) -> Publication:
    """How an answer of `participant` may be published: "do not publish" (no consent, or a
    question that is never published) and "credit me anonymously" are different answers."""
    if not consent or not question_publishable:
        return Publication.WITHHELD
    if participant.credit == Credit.NAMED:
        return Publication.NAMED
    if participant.credit == Credit.ANONYMOUS:
        return Publication.ANONYMOUS
    return Publication.ORGANISATION


def publishable(record: AnswerRecord) -> bool:
    """Whether its author allowed publication, and the question is one that is published."""
    question_publishable = bool(record.question.spec.get("publishable", True))
    status = publication(
        record.participant,
        consent=record.publication_consent,
        question_publishable=question_publishable,
    )
    return status != Publication.WITHHELD


def answer_label(record: AnswerRecord, text: str) -> str:
    """An answer's text as a person reads it: a code such as `yes` becomes its label."""
    question = record.question
    return question_types.kind(question.type).label(question_types.definition(question), text)


def to_row(
    record: AnswerRecord, *, published: bool, value: Answer | AnswerRevision | None = None
) -> dict[str, Any]:
    """One answer as an export row: its current value, or the `value` given (the one
    submitted, for the published export); the full export says where it stands."""
    organisation = record.organisation
    shown = record.answer if value is None else value
    answered_at = shown.updated_at if isinstance(shown, Answer) else shown.created_at
    row: dict[str, Any] = {
        "consultation": record.consultation_id,
        "agenda_item": record.item.number,
        "question": record.question.key,
        "question_type": record.question.type,
        "organisation": credited(record)
        if published
        else (organisation.name if organisation else ""),
        "category": organisation.category if organisation else "",
        "country": ""
        if organisation is None or organisation.country is None
        else organisation.country,
        "value": shown.text,
        "answer": answer_label(record, shown.text),
        "language": shown.language or "",
        "revision": shown.revision,
        "answered_at": answered_at.isoformat(),
    }
    if published and organisation is not None:
        row["category"] = category_label(_ENGLISH, organisation.category)
    if published and record.participant.credit == Credit.ANONYMOUS:
        row["country"] = ""
    if not published:
        row["status"] = record.status.value
    return row


async def rows(store: Store, *, consultation: str | None, published: bool) -> list[dict[str, Any]]:
    """The export rows for a consultation (or all).

    The published export holds only what was submitted, by authors whose latest decision
    allows publication, credited as they chose: never a draft, and for a submission
    reopened by an edit, the value as it was submitted.
    """
    async with store.transaction() as uow:
        records = await uow.reports.answers(consultation)
        submitted = await uow.reports.submitted_values(consultation) if published else {}
    if not published:
        return [to_row(r, published=False) for r in records]
    return [
        to_row(r, published=True, value=submitted[r.answer.id])
        for r in records
        if publishable(r) and r.answer.id in submitted
    ]


def render(data: list[dict[str, Any]], fmt: str, *, published: bool = False) -> bytes:
    """Rows in the requested format (the columns of the published export, or the full)."""
    columns = PUBLISHED_COLUMNS if published else COLUMNS
    if fmt == "json":
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(_defuse(row) for row in data)
        return buffer.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        from openpyxl import Workbook  # Heavy to import, and only exports need it.

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "answers"
        sheet.append(list(columns))
        for row in data:
            sheet.append([_defuse(row)[c] for c in columns])
        buffer_bytes = io.BytesIO()
        workbook.save(buffer_bytes)
        return buffer_bytes.getvalue()
    raise ValueError(f"unknown export format {fmt!r}")


def _defuse(row: dict[str, Any]) -> dict[str, Any]:
    """Neutralise spreadsheet formulas in user text (CSV injection)."""
    return {
        key: "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value
        for key, value in row.items()
    }
