"""The secretariat's own Word template (`DIGEST_DOCX_TEMPLATE`): a restyled copy of the
bundled one carries the digest with its letterhead and styles; a template no digest can be
written into stops start-up with one message naming the setting and the fix."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document
from docx.shared import RGBColor

from bot.digest import render_docx
from bot.digest.build import build
from config.settings import DOCX_TEMPLATE_FIX
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.commandline import run

LETTERHEAD = "United Nations Office on Drugs and Crime · Vienna"


def restyled(folder: Path) -> Path:
    """The bundled template as a secretariat restyles it in Word: a letterhead line above
    the digest, Heading 1 in another font and colour, the office's name in the header."""
    document = Document(str(render_docx.TEMPLATE))
    (body,) = [p for p in document.paragraphs if p.text == "{{ body }}"]
    body.insert_paragraph_before(LETTERHEAD, style="Subtitle")
    heading = document.styles["Heading 1"]
    heading.font.name = "Georgia"  # type: ignore[attr-defined]
    heading.font.color.rgb = RGBColor(0x8B, 0x00, 0x00)  # type: ignore[attr-defined]
    header = document.sections[0].header.paragraphs[0]
    header.insert_paragraph_before("UNODC")
    path = folder / "letterhead.docx"
    document.save(str(path))
    return path


def test_a_restyled_template_carries_the_digest_with_its_letterhead(
    cli: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGEST_DOCX_TEMPLATE", str(restyled(cli)))
    assert run(capsys, "seed-demo").code == 0
    result = run(capsys, "digest", "--consultation", "wgic-18-2027", "--format", "docx")
    assert result.code == 0, result.err
    (written,) = cli.glob("digest-wgic-18-2027-*.docx")
    document = Document(str(written))
    texts = [p.text for p in document.paragraphs]
    assert texts[:2] == [LETTERHEAD, "Digest: Constructive dialogue 2027 (WGIC 18)"]
    assert document.paragraphs[0].style.name == "Subtitle"  # type: ignore[union-attr]
    headings = [p for p in document.paragraphs if p.style.name == "Heading 1"]  # type: ignore[union-attr]
    assert headings[0].text == "Participation"
    assert "{{ body }}" not in texts
    heading = document.styles["Heading 1"]
    assert heading.font.name == "Georgia"  # type: ignore[attr-defined]
    assert heading.font.color.rgb == RGBColor(0x8B, 0x00, 0x00)  # type: ignore[attr-defined]
    header = [p.text for p in document.sections[0].header.paragraphs]
    assert header == ["UNODC", "Internal — not for publication"]


def _rewritten(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            new.writestr(name, change(name, old.read(name)))
    return target


def _missing(folder: Path) -> Path:
    return folder / "nowhere.docx"


def _text_file(folder: Path) -> Path:
    path = folder / "letterhead.docx"
    path.write_text("Dear colleagues,", encoding="utf-8")
    return path


def _spreadsheet_zip(folder: Path) -> Path:
    path = folder / "letterhead.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return path


def _without_body(folder: Path) -> Path:
    return _rewritten(
        render_docx.TEMPLATE,
        folder / "letterhead.docx",
        lambda name, data: data.replace(b"{{ body }}", b"Dear colleagues"),
    )


def _with_two_bodies(folder: Path) -> Path:
    def change(name: str, data: bytes) -> bytes:
        if name != "word/document.xml":
            return data
        paragraph = b"<w:p><w:r><w:t>{{ body }}</w:t></w:r></w:p>"
        return data.replace(paragraph, paragraph * 2)

    return _rewritten(render_docx.TEMPLATE, folder / "letterhead.docx", change)


def _without_header(folder: Path) -> Path:
    return _rewritten(
        render_docx.TEMPLATE,
        folder / "letterhead.docx",
        lambda name, data: data.replace(b"{{ header }}", b"UNODC"),
    )


BAD_TEMPLATES = [
    pytest.param(_missing, "{path} does not exist (or is not a file)", id="missing"),
    pytest.param(
        _text_file, "{path} is not a Word document (.docx): not a zip file", id="not-a-zip"
    ),
    pytest.param(
        _spreadsheet_zip,
        "{path} is not a Word document (.docx): it has no word/document.xml or word/styles.xml",
        id="not-a-word-document",
    ),
    pytest.param(
        _without_body,
        "{path} needs exactly one paragraph reading {{{{ body }}}} where the digest goes; it has 0",
        id="no-body-paragraph",
    ),
    pytest.param(
        _with_two_bodies,
        "{path} needs exactly one paragraph reading {{{{ body }}}} where the digest goes; it has 2",
        id="two-body-paragraphs",
    ),
    pytest.param(
        _without_header,
        "{path} has no {{{{ header }}}} in a header or footer, where the digest's marking goes",
        id="no-header-placeholder",
    ),
]


@pytest.mark.parametrize(("make", "message"), BAD_TEMPLATES)
def test_a_template_no_digest_fits_stops_start_up_naming_the_setting(
    cli: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    make: Callable[[Path], Path],
    message: str,
) -> None:
    path = make(cli)
    monkeypatch.setenv("DIGEST_DOCX_TEMPLATE", str(path))
    result = run(capsys, "digest", "--consultation", "wgic-18-2027", "--format", "md")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "intersessional: configuration problem\n"
        f"  environment: DIGEST_DOCX_TEMPLATE: {message.format(path=path)}. "
        f"Fix: {DOCX_TEMPLATE_FIX}\n"
    )
    assert not list(cli.glob("digest-*"))


async def test_a_template_removed_after_start_up_is_refused_when_used(
    store: Store, clock: FixedClock, tmp_path: Path
) -> None:
    template = restyled(tmp_path)
    digest = await build(store, "wgic-18-2027", now=clock.now(), docx_template=template)
    assert digest.docx_template == template
    assert Document(io.BytesIO(render_docx.render(digest))).paragraphs[0].text == LETTERHEAD
    template.unlink()
    with pytest.raises(render_docx.TemplateError, match=f"^{re.escape(str(template))} does not"):
        render_docx.render(digest)
