"""Deadlines and items: extending, closing and reopening through the chat's services."""

from __future__ import annotations

import httpx

from bot.app import App
from tests.console.conftest import signed_in


async def test_extend_the_deadline_and_close_and_reopen_an_item(
    client: httpx.AsyncClient, app: App
) -> None:
    csrf = await signed_in(client, app)
    page = await client.get("/console/deadlines")
    assert '<strong id="deadline-wgic-18-2027" dir="ltr">2027-05-31 23:59</strong>' in page.text
    early = await client.post(
        "/console/deadlines/extend",
        data={"csrf": csrf, "consultation": "wgic-18-2027", "deadline": "2027-01-01"},
    )
    assert early.headers["location"] == "/console/deadlines"
    page = await client.get("/console/deadlines")
    assert "The new deadline must be after the current one" in page.text
    await client.post(
        "/console/deadlines/extend",
        data={"csrf": csrf, "consultation": "wgic-18-2027", "deadline": "2027-06-30"},
    )
    page = await client.get("/console/deadlines")
    assert (
        "The deadline of wgic-18-2027 is now 30 June 2027, 23:59; reminders follow the new "
        "deadline." in page.text
    )
    assert '<strong id="deadline-wgic-18-2027" dir="ltr">2027-06-30 23:59</strong>' in page.text
    await client.post(
        "/console/deadlines/close",
        data={"csrf": csrf, "consultation": "wgic-18-2027", "item": "2"},
    )
    page = await client.get("/console/deadlines")
    assert "Submissions for agenda item 2 of wgic-18-2027 are closed." in page.text
    async with app.store.transaction() as uow:
        items = {i.number: i.closed for i in await uow.consultations.items("wgic-18-2027")}
        assert items["2"] is True
        audit = [(e.action, e.channel) for e in await uow.audit.since()]
    await client.post(
        "/console/deadlines/reopen",
        data={"csrf": csrf, "consultation": "wgic-18-2027", "item": "2"},
    )
    async with app.store.transaction() as uow:
        items = {i.number: i.closed for i in await uow.consultations.items("wgic-18-2027")}
    assert items["2"] is False
    assert audit[-2:] == [("admin.deadline_extended", "web"), ("admin.closed", "web")]
