"""The web process: /healthz reports whether the database answers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx

from bot.app import App, build
from bot.web import create_web_app
from config.settings import load_settings
from storage.db import create_engine


async def get_health(app: App) -> tuple[int, object]:
    transport = httpx.ASGITransport(app=create_web_app(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        response = await client.get("/healthz")
        return response.status_code, response.json()


async def test_healthz_reports_database(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(database_url=database_url, files_dir=tmp_path / "files")
    app = await build(settings)
    try:
        assert await get_health(app) == (200, {"status": "ok", "database": "ok"})
        unreachable = (
            "postgresql+asyncpg://postgres@127.0.0.1:1/test"
            if database_url.startswith("postgresql")
            else f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'gone.db'}"
        )
        broken = replace(app, database=create_engine(unreachable))
        assert await get_health(broken) == (503, {"status": "error", "database": "unreachable"})
        await broken.database.dispose()
    finally:
        await app.close()
