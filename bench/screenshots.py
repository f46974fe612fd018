"""`python -m bench.screenshots` (or `make screenshots`): the console's main pages, signed
in on invented sample data (`seed-demo`), photographed by Playwright in Debian's Chromium
into docs/console/ for the README — in English, and the consultations page in Arabic.

It serves the web app of `serve` on a loopback port (as the tests do) with a temporary
SQLite database; the clock is fixed, so the pictures change only when the pages do.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import Page, async_playwright

from bot.app import App, build
from bot.digest import sample
from bot.web import create_web_app
from config.settings import BUNDLED_CONSULTATIONS, load_settings
from handlers.features.admin.common import Actor
from handlers.features.admin.console import issue_link
from handlers.i18n import translator
from handlers.ports import FixedClock
from tests.fakes import loopback_socket, serve_loopback

CHROMIUM = "/usr/bin/chromium"
OUT = Path(__file__).parents[1] / "docs" / "console"
NOW = datetime(2027, 4, 20, 9, 30, tzinfo=UTC)
ADMIN = ("telegram", "1001")
BROKEN_YAML = "id: wgic-19-2028\nsponsor: nobody\ntitle: {en: A consultation}\n"


async def _pages(page: Page, base: str) -> None:
    shots = [
        ("consultations", "/console/"),
        ("answers", "/console/answers?question=ai2-stakeholder-contribution"),
        ("invites", "/console/invites"),
        ("digest", "/console/digest"),
        ("deadlines", "/console/deadlines"),
        ("reminders", "/console/reminders"),
        ("audit", "/console/audit"),
    ]
    for name, path in shots:
        await page.goto(base + path)
        await page.screenshot(path=OUT / f"{name}.png", full_page=False)
    await page.goto(base + "/console/broadcast")
    await page.get_by_label("Message").fill(
        "The deadline for written comments is 31 May 2027, 23:59 Vienna time."
    )
    await page.get_by_role("button", name="Preview").click()
    await page.screenshot(path=OUT / "broadcast.png")
    await page.goto(base + "/console/files")
    yaml = Path(tempfile.mkdtemp()) / "wgic-19-2028.yaml"
    yaml.write_text(BROKEN_YAML, encoding="utf-8")
    await page.get_by_label("A consultation's YAML file").set_input_files(yaml)
    await page.get_by_role("button", name="Check it").click()
    await page.screenshot(path=OUT / "files.png")
    # The language switch of the page, as an Arabic-speaking officer uses it: right to left.
    await page.goto(base + "/console/")
    await page.get_by_label("Language").select_option("ar")
    await page.get_by_role("button", name="Change the language").click()
    await page.wait_for_url(base + "/console/")
    await page.screenshot(path=OUT / "consultations-ar.png")


async def _prepared(folder: Path, base: str) -> App:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{folder / 'console.db'}",
        files_dir=folder / "files",
        consultations_path=BUNDLED_CONSULTATIONS,
        public_url=base,
        admins=f"{ADMIN[0]}:{ADMIN[1]}",
    )
    app = await build(settings, clock=FixedClock(NOW))
    await sample.seed(app.store, now=NOW)
    return app


async def shoot() -> None:
    """Serve, sign in, photograph each page."""
    OUT.mkdir(parents=True, exist_ok=True)
    sock = loopback_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with tempfile.TemporaryDirectory() as folder:
        app = await _prepared(Path(folder), base)
        try:
            async with serve_loopback(create_web_app(app), sock), async_playwright() as play:
                async with app.store.transaction() as uow:
                    actor = Actor("screenshots", "cli", NOW)
                    token = await issue_link(uow, translator("en"), actor, *ADMIN)
                browser = await play.chromium.launch(executable_path=CHROMIUM)
                page = await browser.new_page(
                    viewport={"width": 1280, "height": 860}, locale="en-GB"
                )
                await page.goto(f"{base}/console/signin/{token}")
                await page.get_by_role("button", name="Sign in").click()
                await _pages(page, base)
                await browser.close()
        finally:
            await app.close()


def main() -> int:
    """Photograph the console into docs/console/; 1 when Chromium is missing."""
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 1
    asyncio.run(shoot())
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
