"""The digest as a workbook (openpyxl): participation, then a sheet per agenda item."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from bot.digest.build import Digest, ItemSection, xml_safe

ANSWER_COLUMNS = (
    "Question",
    "Organization",
    "Category",
    "Country",
    "Language",
    "Answered at",
    "New",
    "Submitted",
    "Answer",
)
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
_BOLD = Font(bold=True)


def _append(sheet: Worksheet, values: Sequence[object], *, header: bool = False) -> None:
    """Add a row; text is stored as text, never as a formula."""
    cleaned = [xml_safe(v) if isinstance(v, str) else v for v in values]
    sheet.append(cleaned)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"  # An answer such as "=HYPERLINK(...)" stays an answer.
        if header:
            cell.font = _BOLD
            cell.fill = _HEADER_FILL


def _naive(moment: datetime) -> datetime:
    # Spreadsheet cells have no time zone: the local time of the consultation is written.
    return moment.replace(tzinfo=None)


def _participation(sheet: Worksheet, digest: Digest) -> None:
    sheet.title = "Participation"
    _append(sheet, [f"{digest.label}: {digest.short_title}"])
    sheet["A1"].font = Font(bold=True, size=14)
    _append(sheet, [digest.period()])
    _append(sheet, [f"{digest.submitted_sentence} {digest.registered_sentence}"])
    _append(sheet, [])
    _append(sheet, ["Category", "Invited", "Registered", "Submitted"], header=True)
    for c in digest.categories:
        _append(sheet, [c.label, c.invited, c.registered, c.submitted])
    _append(sheet, ["Total", digest.invited, digest.registered, digest.submitted], header=True)
    for title, figures, unit in (
        ("Country", digest.by_country, "Organizations that submitted"),
        ("Language of the written answers", digest.by_language, "Answers"),
        ("Respondent gender", digest.by_gender, "Respondents who submitted"),
    ):
        _append(sheet, [])
        _append(sheet, [title, unit], header=True)
        for figure in figures:
            _append(sheet, [figure.label, figure.count])
    _append(sheet, [])
    _append(sheet, ["Agenda item", "Organizations that submitted"], header=True)
    for item in digest.items:
        _append(sheet, [item.heading, item.submitted])
    r = digest.reminders
    _append(sheet, [])
    _append(sheet, ["Reminders", "Count"], header=True)
    for label, count in (
        ("Sent", r.sent),
        ("Sent in this period", r.sent_in_period),
        ("Participants reminded", r.participants_reminded),
        ("Skipped", r.skipped),
        ("Uncertain", r.uncertain),
        ("Failed", r.failed),
    ):
        _append(sheet, [label, count])
    sheet.column_dimensions["A"].width = 48
    for column in "BCD":
        sheet.column_dimensions[column].width = 16


def _outstanding(sheet: Worksheet, digest: Digest) -> None:
    sheet.title = "Outstanding"
    _append(sheet, ["Organization", "Category", "Country", "Registered"], header=True)
    for o in digest.outstanding:
        _append(sheet, [o.name, o.category, o.country, "yes" if o.registered else "no"])
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 30


def _item(sheet: Worksheet, item: ItemSection) -> None:
    sheet.title = f"Item {item.number}"[:31]
    _append(sheet, [item.heading])
    sheet["A1"].font = Font(bold=True, size=12)
    _append(sheet, [])
    _append(sheet, list(ANSWER_COLUMNS), header=True)
    for question in item.questions:
        for answer in question.answers:
            _append(
                sheet,
                [
                    question.text,
                    answer.organisation,
                    answer.category,
                    answer.country,
                    answer.language,
                    _naive(answer.answered_at),
                    "yes" if answer.new else "",
                    "yes" if answer.submitted else "no",
                    answer.text,
                ],
            )
            sheet.cell(sheet.max_row, 6).number_format = "yyyy-mm-dd hh:mm"
            sheet.cell(sheet.max_row, 9).alignment = Alignment(wrap_text=True, vertical="top")
    counted = [q for q in item.questions if q.counts]
    if counted:
        _append(sheet, [])
        _append(sheet, ["Question", "Answer", "Count"], header=True)
        for question in counted:
            for figure in question.counts:
                _append(sheet, [question.text, figure.label, figure.count])
    for column, width in zip("ABCDEFGHI", (40, 32, 24, 16, 10, 17, 6, 10, 80), strict=True):
        sheet.column_dimensions[column].width = width


def render(digest: Digest) -> bytes:
    """The whole digest as XLSX bytes."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    _participation(first, digest)
    for item in digest.items:
        _item(workbook.create_sheet(), item)
    _outstanding(workbook.create_sheet(), digest)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
