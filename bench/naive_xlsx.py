"""The digest's workbook as it was made before issue 14 (openpyxl, every cell an object),
kept only so that `make bench` measures `bot.digest.render_xlsx` (XlsxWriter) beside it."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from bot.digest.model import Digest, ItemSection, xml_safe

ANSWER_COLUMNS = (
    "Question",
    "Organization",
    "Category",
    "Country",
    "Language",
    "Answered at",
    "New",
    "Submitted",
    "Publication",
    "Answer",
)
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
_BOLD = Font(bold=True)


@dataclass
class _Rows:
    """A sheet filled row by row, keeping count of its rows and of its widest row.

    openpyxl's `max_row` and `max_column` look at every cell on each call: asked once per row,
    they made a sheet of 70,000 answers quadratic (hours at 10,000 submissions).
    """

    sheet: Worksheet
    row: int = 0
    width: int = 1


def _append(
    rows: _Rows, values: Sequence[object], *, header: bool = False
) -> list[Cell | MergedCell]:
    """Add a row; text is stored as text, never as a formula.

    Returns:
        The row's cells, as wide as the widest row so far (a header's fill spans the sheet).
    """
    cleaned = [xml_safe(v) if isinstance(v, str) else v for v in values]
    rows.sheet.append(cleaned)
    rows.row += 1
    if not values:
        return []
    rows.width = max(rows.width, len(values))
    cells = [rows.sheet.cell(rows.row, column) for column in range(1, rows.width + 1)]
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"  # An answer such as "=HYPERLINK(...)" stays an answer.
        if header:
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
    return cells


def _naive(moment: datetime) -> datetime:
    # Spreadsheet cells have no time zone: the local time of the consultation is written.
    return moment.replace(tzinfo=None)


def _participation(sheet: Worksheet, digest: Digest) -> None:
    sheet.title = "Participation"
    rows = _Rows(sheet)
    _append(rows, [f"{digest.label}: {digest.short_title}"])
    sheet["A1"].font = Font(bold=True, size=14)
    _append(rows, [digest.period()])
    _append(rows, [f"{digest.submitted_sentence} {digest.registered_sentence}"])
    _append(rows, [])
    _append(rows, ["Category", "Invited", "Registered", "Submitted"], header=True)
    for c in digest.categories:
        _append(rows, [c.label, c.invited, c.registered, c.submitted])
    _append(rows, ["Total", digest.invited, digest.registered, digest.submitted], header=True)
    for title, figures, unit in (
        ("Country", digest.by_country, "Organizations that submitted"),
        ("Language of the written answers", digest.by_language, "Answers"),
        ("Respondent gender", digest.by_gender, "Respondents who submitted"),
    ):
        _append(rows, [])
        _append(rows, [title, unit], header=True)
        for figure in figures:
            _append(rows, [figure.label, figure.count])
    _append(rows, [])
    _append(rows, ["Agenda item", "Organizations that submitted"], header=True)
    for item in digest.items:
        _append(rows, [item.heading, item.submitted])
    r = digest.reminders
    _append(rows, [])
    _append(rows, ["Reminders", "Count"], header=True)
    for label, count in (
        ("Sent", r.sent),
        ("Sent in this period", r.sent_in_period),
        ("Participants reminded", r.participants_reminded),
        ("Skipped", r.skipped),
        ("Uncertain", r.uncertain),
        ("Failed", r.failed),
    ):
        _append(rows, [label, count])
    sheet.column_dimensions["A"].width = 48
    for column in "BCD":
        sheet.column_dimensions[column].width = 16


def _outstanding(sheet: Worksheet, digest: Digest) -> None:
    sheet.title = "Outstanding"
    rows = _Rows(sheet)
    _append(rows, ["Organization", "Category", "Country", "Registered"], header=True)
    for o in digest.outstanding:
        _append(rows, [o.name, o.category, o.country, "Yes" if o.registered else "No"])
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 30


def _item(sheet: Worksheet, item: ItemSection) -> None:
    sheet.title = f"Item {item.number}"[:31]
    rows = _Rows(sheet)
    _append(rows, [item.heading])
    sheet["A1"].font = Font(bold=True, size=12)
    _append(rows, [])
    _append(rows, list(ANSWER_COLUMNS), header=True)
    for question in item.questions:
        for answer in question.answers:
            cells = _append(
                rows,
                [
                    question.text,
                    answer.organisation,
                    answer.category,
                    answer.country,
                    answer.language,
                    _naive(answer.answered_at),
                    "Yes" if answer.new else "",
                    "Yes" if answer.submitted else "No",
                    answer.publication,
                    answer.text,
                ],
            )
            cells[5].number_format = "yyyy-mm-dd hh:mm"
            cells[9].alignment = Alignment(wrap_text=True, vertical="top")
    counted = [q for q in item.questions if q.counts]
    if counted:
        _append(rows, [])
        _append(rows, ["Question", "Answer", "Count"], header=True)
        for question in counted:
            for figure in question.counts:
                _append(rows, [question.text, figure.label, figure.count])
    for column, width in zip("ABCDEFGHIJ", (40, 32, 24, 16, 10, 17, 6, 10, 28, 80), strict=True):
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
