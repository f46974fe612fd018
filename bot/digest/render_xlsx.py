"""The digest as a workbook (XlsxWriter, constant memory): participation, a sheet per agenda
item with its written answers and its counts, every organisation × question, outstanding.

Rows are written one after the other and flushed to disk as they go, so a digest of
200,000 answers takes the memory of one row, not of every cell.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from bot.digest.model import Digest, DigestAnswer, ItemSection, xml_safe

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""The media type of this format's files (`bot.digest.deliver` reads it)."""

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
    "Machine translation into English",
)
ANSWER_WIDTHS = (40, 32, 24, 16, 10, 17, 6, 10, 28, 80, 80)
ORGANISATION_COLUMNS = ("Organization", "Category", "Country")
FORMULA_STARTS = frozenset("=+-@")
"""What a spreadsheet would read as a formula (or DDE): such text gets a quote prefix."""
CELL_LIMIT = 32_767
"""The most characters a cell holds."""
MATRIX = "Organizations × questions"


@dataclass
class _Styles:
    """The workbook's formats, made once."""

    book: Workbook
    formats: dict[str, Format] = field(default_factory=dict)

    def __post_init__(self) -> None:
        add = self.book.add_format
        self.formats = {
            "title": add({"bold": True, "font_size": 14}),
            "header": add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
            "when": add({"num_format": "yyyy-mm-dd hh:mm", "valign": "top"}),
            "top": add({"valign": "top"}),
            "text": add({"text_wrap": True, "valign": "top"}),
            "quoted": add({"quote_prefix": True, "valign": "top"}),
            "quoted_text": add({"quote_prefix": True, "text_wrap": True, "valign": "top"}),
        }

    def __getitem__(self, name: str) -> Format:
        return self.formats[name]


def _text(
    sheet: Worksheet, styles: _Styles, row: int, column: int, value: str, *, wrap: bool = False
) -> None:
    """A text cell, always text: one that starts like a formula is stored with a quote prefix,
    so that neither opening nor editing the cell runs it."""
    # XlsxWriter would write a control character as _xHHHH_, which only Excel reads back:
    # replaced here, as in the Word file.
    value = xml_safe(value)
    if len(value) > CELL_LIMIT:
        value = value[: CELL_LIMIT - 1] + "…"
    if value and value[0] in FORMULA_STARTS:
        style = styles["quoted_text" if wrap else "quoted"]
    else:
        style = styles["text" if wrap else "top"]
    sheet.write_string(row, column, value, style)


def _row(
    sheet: Worksheet, styles: _Styles, row: int, values: Sequence[object], *, header: bool = False
) -> None:
    for column, value in enumerate(values):
        if header and isinstance(value, int | float):
            sheet.write_number(row, column, value, styles["header"])
        elif header:
            sheet.write_string(row, column, xml_safe(str(value)), styles["header"])
        elif isinstance(value, str):
            _text(sheet, styles, row, column, value)
        elif isinstance(value, int | float):
            sheet.write_number(row, column, value)
        elif value is not None:
            _text(sheet, styles, row, column, str(value))


def _local(moment: datetime) -> datetime:
    # Spreadsheet cells have no time zone: the local time of the consultation is written.
    return moment.replace(tzinfo=None)


def _participation(book: Workbook, styles: _Styles, digest: Digest) -> None:
    sheet = book.add_worksheet("Participation")
    lines: list[tuple[Sequence[object], bool]] = [
        *(([sentence], False) for sentence in digest.participation_paragraphs()),
        ([], False),
        (["Category", "Invited", "Registered", "Submitted"], True),
        *(([c.label, c.invited, c.registered, c.submitted], False) for c in digest.categories),
        (["Total", digest.invited, digest.registered, digest.submitted], True),
    ]
    for title, figures, unit in (
        ("Country", digest.by_country, "Organizations that submitted"),
        ("Language of the written answers", digest.by_language, "Answers"),
        ("Respondent gender", digest.by_gender, "Respondents who submitted"),
    ):
        lines += [([], False), ([title, unit], True)]
        lines += [([f.label, f.count], False) for f in figures]
    lines += [([], False), (["Agenda item", "Organizations that submitted"], True)]
    lines += [([item.heading, item.submitted], False) for item in digest.items]
    r = digest.reminders
    lines += [([], False), (["Reminders", "Count"], True)]
    lines += [
        ([label, count], False)
        for label, count in (
            ("Sent", r.sent),
            ("Sent in this period", r.sent_in_period),
            ("Participants reminded", r.participants_reminded),
            ("Skipped", r.skipped),
            ("Uncertain", r.uncertain),
            ("Failed", r.failed),
        )
    ]
    sheet.write_string(0, 0, xml_safe(f"{digest.label}: {digest.short_title}"), styles["title"])
    sheet.write_string(1, 0, xml_safe(digest.period()))
    for number, (values, header) in enumerate(lines, 2):
        _row(sheet, styles, number, values, header=header)
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, 3, 16)


def _item(book: Workbook, styles: _Styles, item: ItemSection) -> None:
    """The agenda item's written answers, one a row under a frozen, filtered header; then
    the counts of its closed questions (each organisation's value is in the matrix)."""
    sheet = book.add_worksheet(f"Item {item.number}"[:31])
    for column, width in enumerate(ANSWER_WIDTHS):
        sheet.set_column(column, column, width)
    sheet.write_string(0, 0, xml_safe(item.heading), styles["title"])
    _row(sheet, styles, 2, ANSWER_COLUMNS, header=True)
    row = 3
    when, top = styles["when"], styles["top"]
    for question in item.questions:
        if not question.listed:
            continue
        for a in question.answers:
            _text(sheet, styles, row, 0, question.text)
            _text(sheet, styles, row, 1, a.organisation)
            sheet.write_string(row, 2, a.category, top)
            sheet.write_string(row, 3, a.country, top)
            sheet.write_string(row, 4, a.language, top)
            sheet.write_datetime(row, 5, _local(a.answered_at), when)
            if a.new:
                sheet.write_string(row, 6, "Yes", top)
            sheet.write_string(row, 7, "Yes" if a.submitted else "No", top)
            sheet.write_string(row, 8, a.publication, top)
            _text(sheet, styles, row, 9, a.text, wrap=True)
            if a.translated:
                _text(sheet, styles, row, 10, a.translated, wrap=True)
            row += 1
    sheet.freeze_panes(3, 2)  # the header, and the question and organisation columns
    sheet.autofilter(2, 0, max(row - 1, 2), len(ANSWER_COLUMNS) - 1)
    counted = [q for q in item.questions if q.counts]
    if counted:
        row += 1
        _row(sheet, styles, row, ["Question", "Answer", "Count"], header=True)
        for question in counted:
            for figure in question.counts:
                row += 1
                _row(sheet, styles, row, [question.text, figure.label, figure.count])


def _matrix(book: Workbook, styles: _Styles, digest: Digest) -> None:
    """A row per organisation, a column per question: every answer, closed ones included."""
    sheet = book.add_worksheet(MATRIX)
    questions = [q for item in digest.items for q in item.questions]
    rows: dict[tuple[str, str, str], dict[int, list[DigestAnswer]]] = {}
    for column, question in enumerate(questions):
        for answer in question.answers:
            key = (answer.organisation, answer.category, answer.country)
            rows.setdefault(key, {}).setdefault(column, []).append(answer)
    header = [*ORGANISATION_COLUMNS, *(f"{q.key}: {q.text}" for q in questions)]
    sheet.set_row(0, 60)  # before the row is written: written rows are on disk already
    _row(sheet, styles, 0, header, header=True)
    for number, (key, answers) in enumerate(sorted(rows.items(), key=_by_name), 1):
        _row(sheet, styles, number, key)
        for column, given in answers.items():
            # Several respondents of one organisation: each answer, a blank line between.
            text = "\n\n".join(a.text for a in given)
            _text(sheet, styles, number, len(ORGANISATION_COLUMNS) + column, text, wrap=True)
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, 2, 18)
    sheet.set_column(len(ORGANISATION_COLUMNS), len(header) - 1, 30)


def _by_name(entry: tuple[tuple[str, str, str], Any]) -> tuple[str, str, str]:
    name, category, country = entry[0]
    return (name.casefold(), category, country)


def _outstanding(book: Workbook, styles: _Styles, digest: Digest) -> None:
    sheet = book.add_worksheet("Outstanding")
    _row(sheet, styles, 0, ["Organization", "Category", "Country", "Registered"], header=True)
    for number, o in enumerate(digest.outstanding, 1):
        _row(
            sheet, styles, number, [o.name, o.category, o.country, "Yes" if o.registered else "No"]
        )
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(digest.outstanding), 1), 3)
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, 3, 16)


def render(digest: Digest) -> bytes:
    """The whole digest as XLSX bytes."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="digest-xlsx-") as scratch:
        book = Workbook(
            buffer,
            {
                "constant_memory": False,
                "tmpdir": scratch,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "default_date_format": "yyyy-mm-dd hh:mm",
            },
        )
        book.set_properties(
            {
                "title": xml_safe(f"{digest.label}: {digest.short_title}"),
                "subject": xml_safe(digest.title),
                "author": "Secretariat",
                "comments": xml_safe(digest.marking),
                "created": _local(digest.generated_at),
            }
        )
        styles = _Styles(book)
        _participation(book, styles, digest)
        for item in digest.items:
            _item(book, styles, item)
        _matrix(book, styles, digest)
        _outstanding(book, styles, digest)
        book.close()
    return buffer.getvalue()
