"""Makes bot/digest/templates/digest.docx, the Word template the digest is written into.

`make digest-template` runs it. The template is an ordinary Word document: page set-up,
styles, a header and a footer; `bot.digest.render_docx` writes the digest in place of its
one paragraph that reads {{ body }}, and the digest's marking in place of {{ header }}.
A secretariat may instead give its own document made in Word (its letterhead, fonts,
colours), as docs/operations.md says; this script only makes the bundled one.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import BaseStyle, CharacterStyle, ParagraphStyle

TARGET = Path(__file__).resolve().parent.parent / "bot" / "digest" / "templates" / "digest.docx"
UN_BLUE = RGBColor(0x00, 0x7C, 0xB0)
GREY = RGBColor(0x59, 0x59, 0x59)
FIXED = (2027, 1, 1, 0, 0, 0)
"""The date of every member of the zip, so that the same script makes the same bytes."""


def _paragraph_style(document: object, name: str, *, base: str = "Normal") -> ParagraphStyle:
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)  # type: ignore[attr-defined]
    assert isinstance(style, ParagraphStyle)
    style.base_style = document.styles[base]  # type: ignore[attr-defined]
    style.quick_style = True
    return style


def _character_style(document: object, name: str) -> CharacterStyle:
    style = document.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)  # type: ignore[attr-defined]
    assert isinstance(style, CharacterStyle)
    style.quick_style = True
    return style


def _page_field(paragraph: object) -> None:
    run = paragraph.add_run()  # type: ignore[attr-defined]
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            run._r.append(element)
        elif text == "1":
            result = OxmlElement("w:t")
            result.text = text
            run._r.append(result)
        else:
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def _styles(document: object) -> None:
    styles = document.styles  # type: ignore[attr-defined]
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Title", 18), ("Heading 1", 15), ("Heading 2", 12.5), ("Heading 3", 11)):
        style: BaseStyle = styles[name]
        style.font.name = "Calibri"  # type: ignore[attr-defined]
        style.font.size = Pt(size)  # type: ignore[attr-defined]
        style.font.color.rgb = UN_BLUE  # type: ignore[attr-defined]
    styles["Heading 1"].paragraph_format.page_break_before = True
    contents = styles["TOC Heading"]  # based on Heading 1: the contents stay on the title page
    contents.paragraph_format.page_break_before = False
    contents.paragraph_format.space_before = Pt(18)
    heading = _paragraph_style(document, "Digest Answer Heading")
    heading.paragraph_format.space_before = Pt(6)
    heading.paragraph_format.space_after = Pt(0)
    heading.paragraph_format.keep_with_next = True
    answer = _paragraph_style(document, "Digest Answer")
    answer.paragraph_format.left_indent = Cm(0.6)
    details = _paragraph_style(document, "Digest Details")
    details.font.color.rgb = GREY
    note = _paragraph_style(document, "Digest Note")
    note.font.italic = True
    note.font.color.rgb = GREY
    lead = _paragraph_style(document, "Digest Lead")
    lead.font.size = Pt(12)
    caption = _paragraph_style(document, "Digest Caption")
    caption.font.italic = True
    caption.font.size = Pt(9)
    for level in (1, 2):
        toc = _paragraph_style(document, f"toc {level}")
        toc.paragraph_format.left_indent = Cm(0.5 * (level - 1))
        toc.paragraph_format.space_after = Pt(1)
        toc.font.size = Pt(9.5)
    _character_style(document, "Digest Organization").font.bold = True
    info = _character_style(document, "Digest Answer Details")
    info.font.color.rgb = GREY
    info.font.size = Pt(9)
    new = _character_style(document, "Digest New")
    new.font.bold = True
    new.font.color.rgb = UN_BLUE


def _update_fields_on_open(document: object) -> None:
    # Word asks to update the fields (the table of contents, page numbers) when it opens the
    # file; w:updateFields goes just before w:hdrShapeDefaults or the compatibility settings.
    settings = document.settings.element  # type: ignore[attr-defined]
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    later = {qn(f"w:{name}") for name in ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat")}
    for index, child in enumerate(settings):
        if child.tag in later:
            settings.insert(index, update)
            return
    settings.append(update)


def template() -> bytes:
    """The bundled template's bytes."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, as UN documents
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2)
    _styles(document)
    header = section.header.paragraphs[0]
    header.text = "{{ header }}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.runs[0].font.color.rgb = GREY
    header.runs[0].font.size = Pt(9)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(footer)
    document.add_paragraph("{{ body }}")
    _update_fields_on_open(document)
    properties = document.core_properties
    properties.title = "Digest"
    properties.author = "Secretariat"
    properties.comments = "The template of intersessional's digest."
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_dates(buffer.getvalue())


def _fixed_dates(content: bytes) -> bytes:
    """The same zip with every member dated FIXED and without the thumbnail."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/thumbnail.jpeg":
                continue
            if info.filename in ("[Content_Types].xml", "_rels/.rels"):
                data = _without_thumbnail(data)
            member = zipfile.ZipInfo(info.filename, FIXED)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, data)
    return out.getvalue()


def _without_thumbnail(xml: bytes) -> bytes:
    from lxml import etree

    root = etree.fromstring(xml)
    for element in list(root):
        if (
            "thumbnail" in (element.get("PartName", "") + element.get("Target", ""))
            or element.get("Extension") == "jpeg"
        ):
            root.remove(element)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def main() -> int:
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(template())
    print(
        f"wrote {TARGET.relative_to(Path.cwd()) if TARGET.is_relative_to(Path.cwd()) else TARGET}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
