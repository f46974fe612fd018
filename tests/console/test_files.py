"""Consultation files: every problem of an uploaded YAML at once, by field; loading one."""

from __future__ import annotations

import httpx

from bot.app import App
from config.settings import BUNDLED_CONSULTATIONS
from tests.console.conftest import signed_in

BUNDLED = (BUNDLED_CONSULTATIONS / "wgic-18-2027.yaml").read_text(encoding="utf-8")


async def test_every_problem_is_shown_beside_its_field_and_nothing_loads(
    client: httpx.AsyncClient, app: App
) -> None:
    csrf = await signed_in(client, app)
    broken = BUNDLED.replace("id: wgic-18-2027", "id: wgic-19-2028\nsponsor: nobody", 1).replace(
        'timezone: "Europe/Vienna"', 'timezone: "Mars/Olympus"', 1
    )
    assert broken != BUNDLED
    checked = await client.post(
        "/console/files/check",
        data={"csrf": csrf},
        files={"file": ("wgic-19.yaml", broken.encode(), "application/yaml")},
    )
    assert checked.status_code == 422
    assert "2 problems: nothing was loaded." in checked.text
    assert '<th scope="row"><code dir="ltr">sponsor</code></th>' in checked.text
    assert '<th scope="row"><code dir="ltr">dialogue.timezone</code></th>' in checked.text
    assert "unknown time zone" in checked.text
    async with app.store.transaction() as uow:
        assert "wgic-19-2028" not in await uow.consultations.ids()


async def test_a_valid_file_is_checked_then_loaded(client: httpx.AsyncClient, app: App) -> None:
    csrf = await signed_in(client, app)
    renamed = BUNDLED.replace("id: wgic-18-2027", "id: wgic-19-2028", 1)
    checked = await client.post(
        "/console/files/check",
        data={"csrf": csrf},
        files={"file": ("wgic-19.yaml", renamed.encode(), "application/yaml")},
    )
    assert checked.status_code == 200
    assert "wgic-19-2028 is valid. Nothing is loaded until you confirm." in checked.text
    async with app.store.transaction() as uow:
        assert "wgic-19-2028" not in await uow.consultations.ids()
    loaded = await client.post(
        "/console/files/load", data={"csrf": csrf, "yaml": renamed, "name": "wgic-19.yaml"}
    )
    assert loaded.headers["location"] == "/console/files"
    page = await client.get("/console/files")
    assert "Loaded wgic-19-2028." in page.text
    async with app.store.transaction() as uow:
        assert "wgic-19-2028" in await uow.consultations.ids()
        last = (await uow.audit.since())[-1]
    assert (last.action, last.channel) == ("consultation.loaded", "web")
