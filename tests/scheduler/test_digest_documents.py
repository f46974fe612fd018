"""The digest's office documents read back: the Word file (properties, header, contents,
headings, every answer, its template) and the workbook (sheets, frozen panes, filters, widths,
values, text that looks like a formula)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from itertools import pairwise
from pathlib import Path

import pytest
from docx import Document
from lxml import etree
from openpyxl import load_workbook

from bot.digest import render_docx, render_html, render_xlsx
from bot.digest.build import Digest
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.scheduler.test_digest import (
    FORMULA,
    HOSTILE,
    ITEM_HEADINGS,
    digest_of,
    seeded,  # noqa: F401 (a fixture)
    with_text,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CONTROL = "Before\x00a control character\x1fafter"


def _written(digest: Digest) -> list[str]:
    """Every answer the document lists one by one, as its text."""
    return [a.text for item in digest.items for q in item.questions if q.listed for a in q.answers]


def _body(content: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(content)) as docx:
        return etree.fromstring(docx.read("word/document.xml"))


async def test_docx_is_a_document_an_office_expects(seeded: Store, clock: FixedClock) -> None:  # noqa: F811
    digest = await digest_of(seeded, clock)
    content = render_docx.render(digest)
    document = Document(io.BytesIO(content))
    assert document.core_properties.title == "Digest: Constructive dialogue 2027 (WGIC 18)"
    assert document.core_properties.author == "Secretariat"
    assert document.core_properties.subject == digest.title
    header = document.sections[0].header.paragraphs[0]
    assert header.text == "Internal — not for publication"
    assert document.sections[0].page_width == 7_560_310  # A4, from the template
    styles = [(p.style.name, p.text) for p in document.paragraphs]  # type: ignore[union-attr]
    assert styles[0] == ("Title", "Digest: Constructive dialogue 2027 (WGIC 18)")
    assert [t for s, t in styles if s == "Heading 1"] == [
        "Participation",
        *ITEM_HEADINGS,
        "Outstanding",
        "Reminders",
    ]
    assert (
        "Heading 2",
        "First sub-panel: human rights safeguards in cooperation on electronic evidence",
    ) in styles
    assert ("Heading 3", "The panellist from Alliance for Justice Reform") in styles
    # Every written answer is there, each in its own paragraph under its organisation (the
    # panellists' answers, closed ones too, are written again under their panel).
    texts = [
        text
        for (before, _), (style, text) in pairwise(styles)
        if (before, style) == ("Digest Answer Heading", "Digest Answer")
    ]
    assert sorted(texts) == sorted(_written(digest))
    assert len(texts) == 41
    # The categories' table: a bold header and a bold total, as the HTML has them.
    rows = document.tables[0].rows
    assert rows[0].cells[0].text == "Category"
    assert rows[-1].cells[0].text == "Total"
    bold = [[run.bold for c in row.cells for run in c.paragraphs[0].runs] for row in rows]
    assert all(bold[0])
    assert all(bold[-1])
    assert not any(b for row in bold[1:-1] for b in row)


async def test_docx_contents_is_a_field_word_updates(seeded: Store, clock: FixedClock) -> None:  # noqa: F811
    digest = await digest_of(seeded, clock)
    body = _body(render_docx.render(digest))
    instructions = [t.text for t in body.iter(f"{W}instrText")]
    assert instructions == [' TOC \\o "1-2" \\h \\z \\u ']
    kinds = [f.get(f"{W}fldCharType") for f in body.iter(f"{W}fldChar")]
    assert kinds == ["begin", "separate", "end"]
    # Each entry links to the bookmark of its heading, in the order of the document.
    anchors = [h.get(f"{W}anchor") for h in body.iter(f"{W}hyperlink")]
    marks = [b.get(f"{W}name") for b in body.iter(f"{W}bookmarkStart")]
    assert anchors == marks
    entries = ["".join(h.itertext()) for h in body.iter(f"{W}hyperlink")]
    outline = render_docx.outline(digest)
    assert entries == [h.text for h in outline.values()]
    assert entries[:2] == ["Participation", "By country (organizations that submitted)"]
    assert ITEM_HEADINGS[1] in entries


async def test_docx_text_is_escaped_and_arabic_reads_right_to_left(
    seeded: Store,  # noqa: F811
    clock: FixedClock,
) -> None:
    digest = with_text(await digest_of(seeded, clock), FORMULA, CONTROL)
    document = Document(io.BytesIO(render_docx.render(digest)))
    texts = [p.text for p in document.paragraphs]
    assert HOSTILE in texts
    assert "Before\ufffda control character\ufffdafter" in texts
    arabic = [
        p
        for p in document.paragraphs
        if p.style.name == "Digest Answer" and "ال" in p.text  # type: ignore[union-attr]
    ]
    assert arabic
    assert all(p._p.pPr.find(f"{W}bidi") is not None for p in arabic)  # type: ignore[union-attr]


async def test_docx_fills_the_secretariat_s_own_template(
    seeded: Store,  # noqa: F811
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    # A template from a French Word: the same styles under localised ids, a letterhead line.
    own = tmp_path / "letterhead.docx"
    with (
        zipfile.ZipFile(render_docx.TEMPLATE) as source,
        zipfile.ZipFile(own, "w") as target,
    ):
        for name in source.namelist():
            data = source.read(name)
            if name == "word/styles.xml":
                data = data.replace(b'w:styleId="Heading1"', b'w:styleId="Titre1"')
            if name == "word/header1.xml":
                data = data.replace(b"{{ header }}", b"UNODC \xe2\x80\x94 {{ header }}")
            target.writestr(name, data)
    document = Document(
        io.BytesIO(render_docx.render(await digest_of(seeded, clock), template=own))
    )
    _, first = [p for p in document.paragraphs if p.text == "Participation"]  # contents, heading
    assert first.style.style_id == "Titre1"  # type: ignore[union-attr]
    assert first.style.name == "Heading 1"  # type: ignore[union-attr]
    assert document.sections[0].header.paragraphs[0].text == (
        "UNODC — Internal — not for publication"
    )


async def test_a_template_without_the_body_paragraph_is_refused(
    store: Store, clock: FixedClock, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.docx"
    with (
        zipfile.ZipFile(render_docx.TEMPLATE) as source,
        zipfile.ZipFile(plain, "w") as target,
    ):
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, data.replace(b"{{ body }}", b"Dear colleagues"))
    digest = await digest_of(store, clock)
    with pytest.raises(
        render_docx.TemplateError,
        match=rf"^{re.escape(str(plain))} needs exactly one paragraph reading \{{\{{ body \}}\}} "
        r"where the digest goes; it has 0$",
    ):
        render_docx.render(digest, template=plain)


async def test_xlsx_sheets_are_frozen_filtered_and_sized(seeded: Store, clock: FixedClock) -> None:  # noqa: F811
    digest = await digest_of(seeded, clock)
    workbook = load_workbook(io.BytesIO(render_xlsx.render(digest)))
    assert workbook.properties.title == "Digest: Constructive dialogue 2027 (WGIC 18)"
    assert workbook.properties.creator == "Secretariat"
    item3 = workbook["Item 3"]
    assert item3.freeze_panes == "C4"  # header rows, question and organisation columns
    written = [a for q in digest.items[1].questions if q.listed for a in q.answers]
    assert item3.auto_filter.ref == f"A3:K{3 + len(written)}"  # K: machine translations
    assert item3.column_dimensions["J"].width == pytest.approx(80, abs=1)
    assert item3.column_dimensions["B"].width == pytest.approx(32, abs=1)
    rows = list(item3.iter_rows(min_row=4, max_row=3 + len(written), values_only=True))
    assert sorted(str(row[9]) for row in rows) == sorted(a.text for a in written)
    matrix = workbook[render_xlsx.MATRIX]
    assert matrix.freeze_panes == "B2"
    header = next(matrix.iter_rows(max_row=1, values_only=True))
    questions = [q for item in digest.items for q in item.questions]
    assert header == (
        "Organization",
        "Category",
        "Country",
        *(f"{q.key}: {q.text}" for q in questions),
    )
    assert matrix.auto_filter.ref is not None
    outstanding = workbook["Outstanding"]
    assert outstanding.freeze_panes == "A2"
    assert outstanding.auto_filter.ref == "A1:D9"


async def test_xlsx_has_every_organisation_and_question(seeded: Store, clock: FixedClock) -> None:  # noqa: F811
    digest = await digest_of(seeded, clock)
    workbook = load_workbook(io.BytesIO(render_xlsx.render(digest)))
    matrix = list(workbook[render_xlsx.MATRIX].iter_rows(values_only=True))
    questions = [q for item in digest.items for q in item.questions]
    expected: dict[tuple[str, int], list[str]] = {}
    for column, question in enumerate(questions, 3):
        for answer in question.answers:
            expected.setdefault((answer.organisation, column), []).append(answer.text)
    found = {
        (str(row[0]), column): str(value)
        for row in matrix[1:]
        for column, value in enumerate(row)
        if column >= 3 and value is not None
    }
    assert found == {key: "\n\n".join(texts) for key, texts in expected.items()}
    assert len(matrix) - 1 == len({a.organisation for q in questions for a in q.answers})
    alliance = next(row for row in matrix if row[0] == "Alliance for Justice Reform")
    assert alliance[1:3] == ("Non-governmental organization", "Kenya")


@pytest.mark.parametrize(
    "text", [FORMULA, "+1-202-555-0100", "-2 on the scale", "@SUM(A1:A2)", "=1+1"]
)
async def test_xlsx_text_that_looks_like_a_formula_stays_text(
    seeded: Store,  # noqa: F811
    clock: FixedClock,
    text: str,
) -> None:
    digest = with_text(await digest_of(seeded, clock), FORMULA, text)
    workbook = load_workbook(io.BytesIO(render_xlsx.render(digest)))
    for sheet in ("Item 3", render_xlsx.MATRIX):
        (cell,) = [c for row in workbook[sheet].iter_rows() for c in row if c.value == text]
        assert cell.data_type == "s"
        assert cell.quotePrefix  # Excel keeps it text even when the cell is edited
    plain = next(c for c in workbook["Item 3"]["J"] if c.value == HOSTILE)
    assert not plain.quotePrefix


async def test_xlsx_keeps_a_control_character_out_of_the_file(
    seeded: Store,  # noqa: F811
    clock: FixedClock,
) -> None:
    digest = with_text(await digest_of(seeded, clock), FORMULA, CONTROL + "\ufffe")
    workbook = load_workbook(io.BytesIO(render_xlsx.render(digest)))
    values = {c.value for c in workbook["Item 3"]["J"]}
    assert "Before\ufffda control character\ufffdafter\ufffd" in values


def _printed(html: str, directory: Path) -> list[str]:
    """The HTML printed to PDF by headless Chromium, as the text of each page."""
    tools = ("chromium", "pdftotext")
    if missing := [tool for tool in tools if shutil.which(tool) is None]:
        pytest.skip(f"needs {', '.join(missing)}")
    page, pdf = directory / "digest.html", directory / "digest.pdf"
    page.write_text(html, encoding="utf-8")
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={directory / 'profile'}",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[:-1]


async def test_html_prints_each_agenda_item_on_a_new_page(
    seeded: Store,  # noqa: F811
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    pages = _printed(render_html.render(await digest_of(seeded, clock)), tmp_path)
    tops = [[line.strip() for line in page.splitlines() if line.strip()] for page in pages]
    # Each page: the marking at the top, its number at the foot.
    assert all(top[0] == "Internal — not for publication" for top in tops)
    assert [top[-1] for top in tops] == [f"{n} / {len(pages)}" for n in range(1, len(pages) + 1)]
    # The title and the participation share the first page; each agenda item starts one.
    assert tops[0][1] == "Digest: Constructive dialogue 2027 (WGIC 18)"
    assert "Participation" in tops[0]
    starts = [" ".join(" ".join(top[1:5]).split()) for top in tops]  # a heading may wrap
    assert [s[: len(h)] for s in starts for h in ITEM_HEADINGS if s.startswith(h)] == ITEM_HEADINGS
    assert any(start.startswith("Outstanding") for start in starts)
