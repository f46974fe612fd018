"""Broadcast: preview the audience and the message per language, then send it."""

from __future__ import annotations

import httpx

from bot.app import App
from handlers.ports import FixedClock
from tests.console.conftest import signed_in
from tests.console.test_answers import answered


async def test_preview_then_send(client: httpx.AsyncClient, app: App, clock: FixedClock) -> None:
    await answered(app, clock, "A comment long enough to be taken.")
    csrf = await signed_in(client, app)
    empty = await client.post(
        "/console/broadcast/preview",
        data={"csrf": csrf, "consultation": "wgic-18-2027", "audience": "all", "message": " "},
    )
    assert empty.headers["location"] == "/console/broadcast"
    assert "Please add the message to send." in (await client.get("/console/broadcast")).text
    form = {
        "csrf": csrf,
        "consultation": "wgic-18-2027",
        "audience": "all",
        "message": "The deadline is near <b>.",
    }
    preview = await client.post("/console/broadcast/preview", data=form)
    assert (
        '<p role="status" id="audience">This message will go to 1 participant of '
        "wgic-18-2027.</p>" in preview.text
    )
    assert "Message from the secretariat:\n\nThe deadline is near &lt;b&gt;." in preview.text
    async with app.store.transaction() as uow:
        assert [e.action for e in await uow.audit.since()][-1] == "console.signed_in"
    sent = await client.post("/console/broadcast/send", data=form)
    assert sent.headers["location"] == "/console/broadcast"
    page = await client.get("/console/broadcast")
    assert "Delivered to 0 of 1; unreachable: 0; failed: 0; no running channel: 1." in page.text
    async with app.store.transaction() as uow:
        last = (await uow.audit.since())[-1]
    assert (last.action, last.channel, last.detail["recipients"]) == ("admin.broadcast", "web", 1)
