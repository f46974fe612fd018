"""The digest as a Word document: a Word template (its styles, header, footer) with the
digest's body streamed into it from a Jinja2 template of WordprocessingML.

The bundled template is `templates/digest.docx`; a secretariat's own (its letterhead, fonts)
is any .docx with a paragraph reading {{ body }} where the digest goes, and {{ header }} in
its header for the marking (docs/operations.md). The body is rendered as text, never as an
object per run: a digest of 200,000 answers is written in seconds, in constant memory.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from lxml import etree
from markupsafe import Markup

from bot.digest.charts import Chart, charts
from bot.digest.model import Digest, DigestAnswer, Figure, un_date, un_moment, xml_safe
from bot.digest.word_template import TEMPLATE as TEMPLATE
from bot.digest.word_template import TemplateError as TemplateError
from bot.digest.word_template import check, fill_header, is_header_part, split_body, style_ids

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
"""The media type of this format's files (`bot.digest.deliver` reads it)."""

_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_RTL = frozenset({"ar"})
_CHART_WIDTH_EMU = 5_400_000
"""15 cm: a chart spans the text width of an A4 page."""
_CHUNK = 2_000
"""Pieces of rendered XML joined before each write to the zip."""


@dataclass(frozen=True)
class Heading:
    """A heading the table of contents lists, with its bookmark."""

    number: int
    level: int
    text: str

    @property
    def bookmark(self) -> str:
        """Word's name for a heading the table of contents links to."""
        return f"_Toc{self.number:08d}"


@dataclass(frozen=True)
class _Picture:
    number: int
    name: str
    rid: str
    cx: int
    cy: int
    title: str
    description: str
    png: bytes


def outline(digest: Digest) -> dict[str, Heading]:
    """The headings of levels 1 and 2 in document order, by a key the body template uses."""
    entries: list[tuple[str, int, str]] = [
        ("participation", 1, "Participation"),
        ("by-country", 2, "By country (organizations that submitted)"),
        ("by-language", 2, "By language of the written answers"),
        ("by-gender", 2, "By respondent gender (respondents who submitted)"),
    ]
    for item in digest.items:
        entries.append((f"item-{item.number}", 1, item.heading))
        entries += [
            (f"panel-{item.number}-{n}", 2, panel.title) for n, panel in enumerate(item.panels, 1)
        ]
        entries += [(f"question-{q.key}", 2, q.text) for q in item.questions]
        if item.themes:
            entries.append((f"themes-{item.number}", 2, "Recurring themes"))
    entries += [("outstanding", 1, "Outstanding"), ("reminders", 1, "Reminders")]
    return {key: Heading(n, level, text) for n, (key, level, text) in enumerate(entries, 1)}


def _details(answer: DigestAnswer) -> str:
    """'Non-governmental organization, Kenya, 15 January 2027, 11:00, language: en, …'."""
    details = [part for part in (answer.category, answer.country) if part]
    details.append(un_moment(answer.answered_at))
    return ", ".join([*details, *answer.notes()])


def _grid(columns: int, shares: Sequence[int] | None = None) -> list[int]:
    """Column widths in twentieths of a point across the text width of an A4 page with the
    template's margins: in these shares, or the first column (a name, a label) wide and the
    rest equal."""
    width = 9_400
    if shares:
        return [width * share // sum(shares) for share in shares]
    first = width // 2 if columns > 2 else width * 2 // 3
    rest = (width - first) // max(columns - 1, 1)
    return [first, *[rest] * (columns - 1)]


def _lines(text: str) -> list[str]:
    return text.splitlines() or [""]


def _finalize(value: object) -> object:
    # A macro's output is markup already; any other text is the digest's, made XML-safe here
    # and escaped by the environment.
    if isinstance(value, str) and not isinstance(value, Markup):
        return xml_safe(value)
    return value


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("bot.digest", "templates"),
        autoescape=True,  # &, <, >, " and ' escaped: valid in XML text and attributes.
        finalize=_finalize,  # and control characters XML cannot hold replaced.
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    environment.filters["row"] = lambda f: [f.label, f.count] if isinstance(f, Figure) else f
    return environment


def _with_images(rels_xml: bytes, pictures: list[_Picture]) -> bytes:
    root = etree.fromstring(rels_xml)
    for picture in pictures:
        etree.SubElement(
            root,
            f"{{{_REL}}}Relationship",
            Id=picture.rid,
            Type=_IMAGE,
            Target=f"media/{picture.name}",
        )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _with_png(types_xml: bytes) -> bytes:
    root = etree.fromstring(types_xml)
    if not any(str(d.get("Extension", "")).lower() == "png" for d in root):
        root.insert(
            0, etree.Element(f"{{{_TYPES}}}Default", Extension="png", ContentType="image/png")
        )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _core(digest: Digest) -> bytes:
    """docProps/core.xml: title and author, dated when the digest was made."""
    when = digest.generated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    cp = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
    dc, terms = "http://purl.org/dc/elements/1.1/", "http://purl.org/dc/terms/"
    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    nsmap = {"cp": cp, "dc": dc, "dcterms": terms, "xsi": xsi}
    root = etree.Element(f"{{{cp}}}coreProperties", nsmap=nsmap)
    title = f"{digest.label}: {digest.short_title}"
    for namespace, tag, text in (
        (dc, "title", title),
        (dc, "subject", digest.title),
        (dc, "creator", "Secretariat"),
        (cp, "lastModifiedBy", "Secretariat"),
        (cp, "keywords", f"{digest.consultation_id}; {digest.marking}"),
    ):
        etree.SubElement(root, f"{{{namespace}}}{tag}").text = xml_safe(text)
    for tag in ("created", "modified"):
        stamp = etree.SubElement(root, f"{{{terms}}}{tag}")
        stamp.set(f"{{{xsi}}}type", "dcterms:W3CDTF")
        stamp.text = when
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _pictures(found: Iterable[Chart]) -> list[_Picture]:
    pictures = []
    for number, chart in enumerate(found, 1):
        width, height = struct.unpack(">II", chart.png[16:24])  # the PNG's IHDR
        pictures.append(
            _Picture(
                number=number,
                name=f"digest-chart-{number}.png",
                rid=f"rIdDigestChart{number}",
                cx=_CHART_WIDTH_EMU,
                cy=_CHART_WIDTH_EMU * height // width,
                title=chart.title,
                description=chart.description,
                png=chart.png,
            )
        )
    return pictures


def _context(digest: Digest, styles: dict[str, str], pictures: list[_Picture]) -> dict[str, Any]:
    def style(name: str) -> str:
        return styles.get(name.lower(), styles.get("normal", "Normal"))

    deadline = digest.local(digest.deadline)
    return {
        "d": digest,
        "s": style,
        "lines": _lines,
        "grid": _grid,
        "details": _details,
        "rtl": _RTL,
        "outline": outline(digest),
        "charts": pictures,
        "meta": [
            f"Dialogue: {digest.dialogue_title}, {un_date(digest.dialogue_date)}, {digest.venue}",
            f"Deadline for written comments: {un_moment(deadline)} ({digest.timezone} time)",
            f"Period: {digest.period()}",
            digest.answers_line(),
        ],
        "categories": [[c.label, c.invited, c.registered, c.submitted] for c in digest.categories]
        + [["Total", digest.invited, digest.registered, digest.submitted]],
        "themes": {
            item.number: [
                [
                    t.term,
                    t.language,
                    f"{len(t.organisations)}: {'; '.join(t.organisations)}",
                    ", ".join(f"{label} {n}" for label, n in t.categories),
                ]
                for t in item.themes
            ]
            for item in digest.items
        },
        "outstanding": [
            [o.name, o.category, o.country, "Yes" if o.registered else "No"]
            for o in digest.outstanding
        ],
        # Looked up once, not once per answer.
        **{
            key: style(name)
            for key, name in (
                ("answer_heading", "Digest Answer Heading"),
                ("answer", "Digest Answer"),
                ("new", "Digest New"),
                ("organisation", "Digest Organization"),
                ("answer_details", "Digest Answer Details"),
            )
        },
    }


def _write_body(
    target: zipfile.ZipFile, name: str, parts: tuple[bytes, bytes], context: dict[str, Any]
) -> None:
    before, after = parts
    with target.open(name, "w", force_zip64=True) as stream:
        stream.write(before)
        pending: list[str] = []
        for piece in _environment().get_template("body.xml.j2").generate(context):
            pending.append(piece)
            if len(pending) >= _CHUNK:
                stream.write("".join(pending).encode())
                pending.clear()
        stream.write("".join(pending).encode())
        stream.write(after)


def render(digest: Digest, *, template: Path | None = None) -> bytes:
    """The whole digest as DOCX bytes, written into `template`, else the digest's own
    (`DIGEST_DOCX_TEMPLATE`), else the bundled one.

    Raises:
        TemplateError: The template is missing, not a Word document, or lacks a placeholder.
    """
    chosen = template or digest.docx_template or TEMPLATE
    check(chosen)  # at start-up too; here again, for a file changed since
    pictures = _pictures(charts(digest))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(chosen) as source,
        # Level 1: the body of 200,000 answers is some 100 MB of XML; deflating it at the
        # default level took longer than rendering it, for a file a fifth smaller.
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        names = source.namelist()
        context = _context(digest, style_ids(source.read("word/styles.xml")), pictures)
        for name in names:
            data = source.read(name)
            if name == "word/document.xml":
                _write_body(target, name, split_body(data), context)
                continue
            if is_header_part(name):
                data = fill_header(data, digest.marking)
            elif name == "word/_rels/document.xml.rels":
                data = _with_images(data, pictures)
            elif name == "[Content_Types].xml":
                data = _with_png(data)
            elif name == "docProps/core.xml":
                data = _core(digest)
            target.writestr(name, data)
        for picture in pictures:
            target.writestr(f"word/media/{picture.name}", picture.png)
    return buffer.getvalue()
