"""Fixtures of the console: the web app of `serve` on the test database and clock, an
administrator, and a browser-like HTTP client that signs in from a link."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import App, build
from bot.web import create_web_app
from config.settings import load_settings
from handlers.features.admin.common import Actor
from handlers.features.admin.console import issue_link
from handlers.i18n import translator
from handlers.ports import FixedClock

BASE = "https://console.test"
ADMIN = ("telegram", "4242")
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@pytest.fixture
async def app(database_url: str, tmp_path: Path, clock: FixedClock) -> AsyncIterator[App]:
    """The application as `serve` builds it, with PUBLIC_URL over HTTPS and one
    administrator (ADMINS)."""
    settings = load_settings(
        database_url=database_url,
        files_dir=tmp_path / "files",
        public_url=BASE,
        admins=f"{ADMIN[0]}:{ADMIN[1]}",
    )
    built = await build(settings, clock=clock)
    yield built
    await built.close()


@pytest.fixture
async def client(app: App) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the web app that keeps cookies, as a browser does."""
    transport = httpx.ASGITransport(app=create_web_app(app))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


async def link_token(app: App, account: tuple[str, str] = ADMIN) -> str:
    """A fresh sign-in token for an account, as `console link` makes it."""
    async with app.store.transaction() as uow:
        return await issue_link(
            uow, translator("en"), Actor("cli", "cli", app.clock.now()), *account
        )


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token in a page's forms."""
    found = _CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


async def signed_in(client: httpx.AsyncClient, app: App) -> str:
    """Sign the client in from a new link; the CSRF token of its pages."""
    token = await link_token(app)
    response = await client.post(f"/console/signin/{token}")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/console/"
    return csrf_of(await client.get("/console/"))
