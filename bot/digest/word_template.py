"""The Word template a digest is written into: the bundled one, or the secretariat's own
(`DIGEST_DOCX_TEMPLATE`), checked before use and taken apart for `bot.digest.render_docx`.

A template is any .docx with one paragraph reading {{ body }} where the digest goes and
{{ header }} in a header or footer for the marking (docs/operations.md). This module needs
neither matplotlib nor Jinja2: start-up checks a template without loading the renderers.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from bot.digest.model import xml_safe

TEMPLATE = Path(__file__).parent / "templates" / "digest.docx"
"""The bundled Word template (`make digest-template` makes it)."""
BODY = "{{ body }}"
HEADER = "{{ header }}"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT = "word/document.xml"
STYLES = "word/styles.xml"
_SPLIT = "digest-body-goes-here"


class TemplateError(ValueError):
    """The Word template cannot hold a digest; the message says what is wrong."""


def is_header_part(name: str) -> bool:
    """A header or footer part of a Word file (where the marking may go)."""
    return name.startswith(("word/header", "word/footer")) and name.endswith(".xml")


def check(path: Path) -> None:
    """Refuse a template a digest cannot be written into, before any digest is made.

    Raises:
        TemplateError: The file is missing, is not a Word document, or lacks its one
            {{ body }} paragraph or {{ header }} in a header or footer.
    """
    if not path.is_file():
        raise TemplateError(f"{path} does not exist (or is not a file)")
    try:
        with zipfile.ZipFile(path) as docx:
            names = sorted(docx.namelist())
            if DOCUMENT not in names or STYLES not in names:
                raise TemplateError(
                    f"{path} is not a Word document (.docx): it has no {DOCUMENT} or {STYLES}"
                )
            style_ids(docx.read(STYLES))
            split_body(docx.read(DOCUMENT))
            headers = [etree.fromstring(docx.read(name)) for name in names if is_header_part(name)]
    except zipfile.BadZipFile:
        raise TemplateError(f"{path} is not a Word document (.docx): not a zip file") from None
    except etree.XMLSyntaxError as exc:
        raise TemplateError(f"{path} is not a Word document (.docx): {exc}") from None
    except TemplateError as exc:
        raise TemplateError(str(exc).replace("the Word template", str(path), 1)) from None
    if not any(next(_paragraphs_with(root, HEADER), None) is not None for root in headers):
        raise TemplateError(
            f"{path} has no {HEADER} in a header or footer, where the digest's marking goes"
        )


def style_ids(styles_xml: bytes) -> dict[str, str]:
    """Style names (lower case, as Word compares them) → their ids in this template.

    Word writes localised ids (a French Word names 'heading 1' Titre1): only names are sure.
    """
    root = etree.fromstring(styles_xml)
    ids: dict[str, str] = {}
    for style in root.iter(f"{{{W}}}style"):
        name = style.find(f"{{{W}}}name")
        if name is not None:
            ids.setdefault(str(name.get(f"{{{W}}}val")).lower(), str(style.get(f"{{{W}}}styleId")))
    return ids


def _paragraphs_with(root: etree._Element, marker: str) -> Iterator[etree._Element]:
    for paragraph in list(root.iter(f"{{{W}}}p")):
        if marker in "".join(paragraph.itertext()):
            yield paragraph


def split_body(document_xml: bytes) -> tuple[bytes, bytes]:
    """The template's document.xml before and after its {{ body }} paragraph.

    Raises:
        TemplateError: There is no such paragraph, or more than one.
    """
    root = etree.fromstring(document_xml)
    found = list(_paragraphs_with(root, BODY))
    if len(found) != 1:
        raise TemplateError(
            f"the Word template needs exactly one paragraph reading {BODY} where the digest "
            f"goes; it has {len(found)}"
        )
    parent = found[0].getparent()
    assert parent is not None  # a paragraph is always inside the body, a cell or a box
    parent.replace(found[0], etree.Comment(_SPLIT))
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    before, after = bytes(xml).split(f"<!--{_SPLIT}-->".encode())
    return before, after


def fill_header(header_xml: bytes, marking: str) -> bytes:
    """A header or footer part with {{ header }} replaced by the marking."""
    root = etree.fromstring(header_xml)
    for paragraph in _paragraphs_with(root, HEADER):
        texts = list(paragraph.iter(f"{{{W}}}t"))
        whole = "".join(t.text or "" for t in texts)
        texts[0].text = whole.replace(HEADER, xml_safe(marking))
        for other in texts[1:]:
            other.text = ""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))
