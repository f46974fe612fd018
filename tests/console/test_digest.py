"""The digest page: the digest of a period in a sandboxed frame, downloads that record
their period, sending now to the destinations, and the history from the ledger."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest

from bot.app import App, build
from bot.web import create_web_app
from config.settings import load_settings
from handlers.ports import FixedClock
from tests.console.conftest import ADMIN, BASE, signed_in
from tests.console.test_answers import answered, comment_id
from tests.scheduler.test_digest_template import LETTERHEAD, restyled

COMMENT = "Civil society should be heard in every country visit."


async def test_the_digest_shows_the_answers_and_loses_a_hidden_one(
    client: httpx.AsyncClient, app: App, clock: FixedClock
) -> None:
    await answered(app, clock, COMMENT)
    csrf = await signed_in(client, app)
    page = await client.get("/console/digest")
    assert page.status_code == 200
    assert 'src="/console/digest/view?consultation=wgic-18-2027&amp;since="' in page.text
    view = await client.get("/console/digest/view?consultation=wgic-18-2027")
    assert view.headers["content-security-policy"].endswith("frame-ancestors 'self'; sandbox")
    assert COMMENT in view.text
    answer = await comment_id(app)
    await client.post(f"/console/answers/{answer}/hide", data={"csrf": csrf, "reason": "off topic"})
    assert COMMENT not in (await client.get("/console/digest/view?consultation=wgic-18-2027")).text


async def test_a_bad_period_is_explained(client: httpx.AsyncClient, app: App) -> None:
    await signed_in(client, app)
    page = await client.get("/console/digest?consultation=wgic-18-2027&since=soon")
    assert "soon is not a date such as 2027-03-01." in page.text
    assert "<iframe" not in page.text


async def test_download_docx_records_the_period(
    client: httpx.AsyncClient, app: App, clock: FixedClock
) -> None:
    await answered(app, clock, COMMENT)
    csrf = await signed_in(client, app)
    response = await client.post(
        "/console/digest/download",
        data={"csrf": csrf, "consultation": "wgic-18-2027", "since": "", "format": "docx"},
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    assert response.headers["content-disposition"].endswith('.docx"')
    with zipfile.ZipFile(io.BytesIO(response.content)) as docx:
        assert COMMENT in docx.read("word/document.xml").decode()
    page = await client.get("/console/digest")
    assert "written" in page.text
    assert "file the console" in page.text
    refused = await client.post(
        "/console/digest/download",
        data={"csrf": csrf, "consultation": "wgic-18-2027", "format": "exe"},
    )
    assert refused.status_code == 303


async def test_send_now_delivers_to_the_destinations(
    client: httpx.AsyncClient,
    app: App,
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    await answered(app, clock, COMMENT)
    csrf = await signed_in(client, app)
    sent = await client.post(
        "/console/digest/send", data={"csrf": csrf, "consultation": "wgic-18-2027"}
    )
    assert sent.headers["location"] == "/console/digest?consultation=wgic-18-2027"
    page = await client.get(sent.headers["location"])
    assert "directory digests/wgic-18-2027: sent" in page.text
    assert sorted(p.suffix for p in (tmp_path / "digests" / "wgic-18-2027").iterdir()) == [
        ".docx",
        ".md",
        ".xlsx",
    ]
    assert "manual" in page.text


async def test_download_docx_is_written_into_the_secretariats_template(
    database_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    settings = load_settings(
        database_url=database_url,
        files_dir=tmp_path / "files",
        public_url=BASE,
        admins=f"{ADMIN[0]}:{ADMIN[1]}",
        digest_docx_template=restyled(tmp_path),
    )
    own = await build(settings, clock=clock)
    try:
        await answered(own, clock, COMMENT)
        transport = httpx.ASGITransport(app=create_web_app(own))
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            csrf = await signed_in(client, own)
            response = await client.post(
                "/console/digest/download",
                data={"csrf": csrf, "consultation": "wgic-18-2027", "since": "", "format": "docx"},
            )
    finally:
        await own.close()
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as docx:
        body = docx.read("word/document.xml").decode()
    assert LETTERHEAD in body
    assert COMMENT in body
