"""The marking on every page of a digest: the consultation's own (`digest.marking`), or
"Internal — not for publication", in the Word header, the HTML page and its print, the
Markdown and the workbook's properties."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from bot.app import load_into
from bot.digest import render_docx, render_html, render_md, render_xlsx, sample
from bot.digest.build import Digest, build
from config.consultation import DEFAULT_MARKING, Consultation, DigestSettings, Localized
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.scheduler.test_digest_documents import _printed

CONSULTATION = "wgic-18-2027"
OWN = 'UNODC — Restricted: for the "Bureau" only </style>'
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


async def _digest(store: Store, clock: FixedClock) -> Digest:
    await sample.seed(store, now=clock.now())
    return await build(store, CONSULTATION, now=clock.now())


@pytest.fixture
async def marked(store: Store, clock: FixedClock, bundled: list[Consultation]) -> Store:
    """The 2027 consultation reloaded with a marking of its own, in two languages."""
    (consultation,) = [c for c in bundled if c.id == CONSULTATION]
    marking = Localized(en=OWN, fr="ONUDC — Diffusion restreinte")
    settings = consultation.digest.model_copy(update={"marking": marking})
    await load_into(store, [consultation.model_copy(update={"digest": settings})], clock)
    return store


def _header_texts(content: bytes) -> list[str]:
    """The text of every header part of a Word file, read from its XML."""
    with zipfile.ZipFile(io.BytesIO(content)) as docx:
        names = sorted(n for n in docx.namelist() if re.fullmatch(r"word/header\d+\.xml", n))
        roots = [etree.fromstring(docx.read(name)) for name in names]
    assert roots
    return ["".join(t.text or "" for t in root.iter(f"{W}t")) for root in roots]


async def test_the_consultation_s_own_marking_is_on_every_format(
    marked: Store, clock: FixedClock, tmp_path: Path
) -> None:
    digest = await _digest(marked, clock)
    html = render_html.render(digest)
    printed = _printed(html, tmp_path)
    assert digest.marking == OWN  # the digest is in English
    assert set(_header_texts(render_docx.render(digest))) == {OWN}
    body = html.split("<body>\n", 1)[1]
    assert body.startswith(
        '<p class="marking">UNODC — Restricted: for the &quot;Bureau&quot; only &lt;/style&gt;</p>'
    )
    # Printed: at the top of every page, as a CSS string nothing in it can end.
    (page,) = re.findall(r'@top-right \{ content: "([^"]*)";', html)
    assert re.sub(r"\\([0-9a-f]{1,6}) ", lambda m: chr(int(m[1], 16)), page) == OWN
    assert html.count("</style>") == 1
    tops = [next(line.strip() for line in page.splitlines() if line.strip()) for page in printed]
    assert len(tops) > 1
    assert tops == [OWN] * len(tops)
    assert render_md.render(digest).splitlines()[:2] == [
        '*UNODC — Restricted: for the "Bureau" only &lt;/style&gt;*',
        "",
    ]
    workbook = load_workbook(io.BytesIO(render_xlsx.render(digest)))
    assert workbook.properties.description == OWN


async def test_without_a_marking_the_digest_says_it_is_internal(
    store: Store, clock: FixedClock
) -> None:
    default = "Internal — not for publication"
    assert DigestSettings().marking is None
    assert default == DEFAULT_MARKING
    digest = await _digest(store, clock)
    assert set(_header_texts(render_docx.render(digest))) == {default}
    assert f'<p class="marking">{default}</p>' in render_html.render(digest)
    assert render_md.render(digest).splitlines()[0] == f"*{default}*"
