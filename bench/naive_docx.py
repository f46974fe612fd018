"""The digest's Word document as it was made before issue 14 (python-docx, an object per run),
kept only so that `make bench` measures the streamed `bot.digest.render_docx` beside it."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from bot.digest.charts import charts
from bot.digest.model import (
    Digest,
    Figure,
    ItemSection,
    QuestionSection,
    un_date,
    un_moment,
    xml_safe,
)

GREY = RGBColor(0x59, 0x59, 0x59)
BLUE = RGBColor(0x00, 0x7C, 0xB0)
_RTL = frozenset({"ar"})


def _table(
    document: DocumentObject, header: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.text = xml_safe(str(value))
            if isinstance(value, int):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif index == 0:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT
    document.add_paragraph()


def _figures(document: DocumentObject, header: str, figures: tuple[Figure, ...], unit: str) -> None:
    if not figures:
        document.add_paragraph("None yet.")
        return
    _table(document, [header, unit], [[f.label, f.count] for f in figures])


def _question(document: DocumentObject, question: QuestionSection) -> None:
    document.add_heading(xml_safe(question.text), level=2)
    meta = document.add_paragraph()
    if question.group:
        group = meta.add_run(xml_safe(question.group) + " · ")
        group.italic = True
    run = meta.add_run(question.meta())
    run.font.color.rgb = GREY
    if question.counts:
        _figures(document, "Answer", question.counts, "Answers")
    if question.summary:
        document.add_paragraph(question.summary)
    if not question.listed:
        return
    # Each answer goes before an empty anchor paragraph, removed afterwards: adding to the end
    # of the document looks for the section properties past every paragraph so far, which
    # made a digest of 200,000 answers quadratic; inserting before a paragraph does not.
    anchor = document.add_paragraph()
    for answer in question.answers:
        head = anchor.insert_paragraph_before()
        head.paragraph_format.space_after = Pt(0)
        head.paragraph_format.keep_with_next = True
        if answer.new:
            new = head.add_run("NEW ")
            new.bold = True
            new.font.color.rgb = BLUE
        name = head.add_run(xml_safe(answer.organisation))
        name.bold = True
        details = [part for part in (answer.category, answer.country) if part]
        details.append(un_moment(answer.answered_at))
        if answer.language:
            details.append(f"language: {answer.language}")
        if not answer.submitted:
            details.append("draft, not yet submitted")
        if answer.publication:
            details.append(answer.publication)
        info = head.add_run(" — " + xml_safe(", ".join(details)))
        info.font.color.rgb = GREY
        info.font.size = Pt(9)
        body = anchor.insert_paragraph_before(xml_safe(answer.text))
        body.paragraph_format.left_indent = Cm(0.6)
        if answer.language in _RTL:
            body.paragraph_format.element.get_or_add_pPr().append(OxmlElement("w:bidi"))
    anchor._p.getparent().remove(anchor._p)  # type: ignore[union-attr]


def _panels(document: DocumentObject, item: ItemSection) -> None:
    for panel in item.panels:
        document.add_heading(xml_safe(panel.title), level=2)
        for panellist in panel.panellists:
            document.add_heading(xml_safe(f"The panellist from {panellist.name}"), level=3)
            if not panellist.contributions:
                document.add_paragraph("No written comments on this agenda item.")
            for contribution in panellist.contributions:
                question = document.add_paragraph()
                question.add_run(xml_safe(contribution.question)).italic = True
                document.add_paragraph(xml_safe(contribution.answer.text))


def _themes(document: DocumentObject, item: ItemSection, method: str) -> None:
    if not item.themes:
        return
    document.add_heading("Recurring themes", level=2)
    document.add_paragraph(method).runs[0].italic = True
    _table(
        document,
        ["Theme", "Language", "Organizations", "Categories"],
        [
            [
                t.term,
                t.language,
                f"{len(t.organisations)}: {'; '.join(t.organisations)}",
                ", ".join(f"{label} {n}" for label, n in t.categories),
            ]
            for t in item.themes
        ],
    )


def _office(document: DocumentObject, digest: Digest) -> None:
    """What an office expects of the file: title and author, an internal header, page
    numbers in the footer."""
    properties = document.core_properties
    properties.title = xml_safe(f"{digest.label}: {digest.short_title}")
    properties.author = "Secretariat"
    for section in document.sections:
        section.header.paragraphs[0].text = "Internal — not for publication"
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = footer.add_run()
        for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
            if kind:
                field = OxmlElement("w:fldChar")
                field.set(qn("w:fldCharType"), kind)
            else:
                field = OxmlElement("w:instrText")
                field.text = text
            run._r.append(field)


def _closing(document: DocumentObject, digest: Digest) -> None:
    """The invited organisations that have not submitted, and the reminders."""
    document.add_heading("Outstanding", level=1)
    document.add_paragraph(digest.outstanding_sentence())
    if digest.outstanding:
        _table(
            document,
            ["Organization", "Category", "Country", "Registered"],
            [
                [o.name, o.category, o.country, "Yes" if o.registered else "No"]
                for o in digest.outstanding
            ],
        )
    document.add_heading("Reminders", level=1)
    document.add_paragraph(digest.reminders.sentence())


def render(digest: Digest) -> bytes:
    """The whole digest as DOCX bytes."""
    document = Document()
    _office(document, digest)
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, as UN documents
        section.left_margin = section.right_margin = Cm(2.2)
        section.top_margin = section.bottom_margin = Cm(2)
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)

    document.add_heading(xml_safe(f"{digest.label}: {digest.short_title}"), level=0)
    document.add_paragraph(xml_safe(digest.title))
    deadline = digest.local(digest.deadline)
    meta = document.add_paragraph()
    for line in (
        f"Dialogue: {digest.dialogue_title}, {un_date(digest.dialogue_date)}, {digest.venue}",
        f"Deadline for written comments: {un_moment(deadline)} ({digest.timezone} time)",
        f"Period: {digest.period()}",
        digest.answers_line(),
    ):
        run = meta.add_run(xml_safe(line) + "\n")
        run.font.color.rgb = GREY

    document.add_heading("Participation", level=1)
    if digest.dialogue_sentence:
        document.add_paragraph(digest.dialogue_sentence).runs[0].font.size = Pt(12)
    lead = document.add_paragraph(f"{digest.submitted_sentence} {digest.registered_sentence}")
    lead.runs[0].font.size = Pt(12)
    _table(
        document,
        ["Category", "Invited", "Registered", "Submitted"],
        [[c.label, c.invited, c.registered, c.submitted] for c in digest.categories]
        + [["Total", digest.invited, digest.registered, digest.submitted]],
    )
    for chart in charts(digest):
        document.add_picture(io.BytesIO(chart.png), width=Cm(15))
        caption = document.add_paragraph(chart.title)
        caption.runs[0].italic = True
    document.add_heading("By country (organizations that submitted)", level=2)
    _figures(document, "Country", digest.by_country, "Organizations")
    document.add_heading("By language of the written answers", level=2)
    _figures(document, "Language", digest.by_language, "Answers")
    document.add_heading("By respondent gender (respondents who submitted)", level=2)
    _figures(document, "Gender", digest.by_gender, "Respondents")

    for item in digest.items:
        document.add_heading(xml_safe(item.heading), level=1)
        document.add_paragraph(item.submitted_sentence())
        if item.translation:
            document.add_paragraph(item.translation + ".")
        _panels(document, item)
        for question in item.questions:
            _question(document, question)
        _themes(document, item, digest.themes_method)

    _closing(document, digest)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
