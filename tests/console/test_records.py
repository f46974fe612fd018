"""The reminders page and the audit log with its filters."""

from __future__ import annotations

import httpx

from bot.app import App
from handlers.ports import FixedClock
from tests.conftest import Chat, new_invite, onboard
from tests.console.conftest import signed_in


async def test_reminders_show_what_is_due_next(
    client: httpx.AsyncClient, app: App, clock: FixedClock
) -> None:
    await signed_in(client, app)
    empty = await client.get("/console/reminders")
    assert "No reminder is planned." in empty.text
    assert "No reminder has been sent yet." in empty.text
    alice = Chat(app.engine, "alice")
    await onboard(alice, await new_invite(app.store, clock))
    page = await client.get("/console/reminders")
    assert "No reminder is planned." not in page.text
    assert "Criminologists without Borders" in page.text
    assert "<td>wgic-18-2027</td>" in page.text


async def test_the_audit_log_filters(client: httpx.AsyncClient, app: App) -> None:
    csrf = await signed_in(client, app)
    await client.post(
        "/console/deadlines/extend",
        data={"csrf": csrf, "consultation": "wgic-18-2027", "deadline": "2027-06-30"},
    )
    every = await client.get("/console/audit")
    assert "admin.deadline_extended" in every.text
    assert "console.link_issued" in every.text
    web = await client.get("/console/audit?channel=web&what=deadline")
    assert "1 entry." in web.text
    assert "admin:telegram:4242" in web.text
    assert "consultation=wgic-18-2027" in web.text
    before = await client.get("/console/audit?to=2027-01-14")
    assert "0 entries." in before.text
    nobody = await client.get("/console/audit?who=nobody")
    assert "0 entries." in nobody.text
