"""Makes the README's pictures of the digest from the bundled sample data: the first two pages
of the DOCX (LibreOffice → PDF → PNG) and the top of the HTML page (headless Chromium).

`make pictures` runs it; it needs `libreoffice`, `pdftoppm` (poppler-utils) and `chromium`
on PATH. The sample is seeded at a fixed moment, so the pictures change only when the
digest does.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.app import load_into
from bot.digest import sample
from bot.digest.build import build
from bot.digest.deliver import render
from config.consultation import load_consultations
from config.settings import BUNDLED_CONSULTATIONS
from handlers.ports import FixedClock
from storage import migrate
from storage.db import create_engine, session_factory
from storage.repositories import Store

DOCS = Path(__file__).resolve().parent.parent / "docs"
NOW = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
CONSULTATION = "wgic-18-2027"
TOOLS = ("libreoffice", "pdftoppm", "chromium")


async def sample_files(directory: Path) -> tuple[Path, Path]:
    """The sample digest as DOCX and HTML files in `directory`."""
    database = create_engine(f"sqlite+aiosqlite:///{directory}/sample.db")
    await migrate.upgrade(database)
    store = Store(session_factory(database))
    await load_into(store, load_consultations(BUNDLED_CONSULTATIONS), FixedClock(NOW))
    await sample.seed(store, now=NOW)
    digest = await build(store, CONSULTATION, now=NOW)
    await database.dispose()
    docx, html = directory / "digest.docx", directory / "digest.html"
    docx.write_bytes(render(digest, "docx"))
    html.write_bytes(render(digest, "html"))
    return docx, html


def _run(*command: str | Path) -> None:
    subprocess.run([str(part) for part in command], check=True, capture_output=True, timeout=300)  # noqa: S603


def docx_pages(docx: Path, directory: Path) -> list[Path]:
    """The first two pages of the Word file as PNG, 60 dpi, in docs/."""
    profile = directory / "libreoffice-profile"  # never the user's own
    _run(
        "libreoffice",
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        directory,
        docx,
    )
    _run(
        "pdftoppm",
        "-png",
        "-r",
        "60",
        "-f",
        "1",
        "-l",
        "2",
        docx.with_suffix(".pdf"),
        directory / "page",
    )
    made = []
    for number, page in enumerate(sorted(directory.glob("page-*.png")), 1):
        target = DOCS / f"digest-docx-page-{number}.png"
        shutil.copyfile(page, target)
        made.append(target)
    return made


def html_page(html: Path, directory: Path) -> Path:
    """The top of the HTML page as a browser shows it, in docs/."""
    target = DOCS / "digest-html.png"
    _run(
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={directory / 'chromium-profile'}",
        "--window-size=1000,1300",
        f"--screenshot={target}",
        html.as_uri(),
    )
    return target


def main() -> int:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        print(f"pictures: install {', '.join(missing)} first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="digest-pictures-") as scratch:
        directory = Path(scratch)
        docx, html = asyncio.run(sample_files(directory))
        for picture in [*docx_pages(docx, directory), html_page(html, directory)]:
            print(f"wrote {picture.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
