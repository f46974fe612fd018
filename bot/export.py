"""Exports of answers: JSON, CSV and XLSX, all or only what authors allowed to publish."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

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
    "language",
    "revision",
    "answered_at",
)
"""The columns of the published export."""
COLUMNS = (*PUBLISHED_COLUMNS, "status")
"""The columns of the full export: also where each answer's submission stands."""


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


def publishable(record: AnswerRecord) -> bool:
    """Whether its author allowed publication, and the question is one that is published."""
    return record.publication_consent and bool(record.question.spec.get("publishable", True))


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
        "language": shown.language or "",
        "revision": shown.revision,
        "answered_at": answered_at.isoformat(),
    }
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
