"""The answers page: filters, the full text as text, revisions, hiding and showing again."""

from __future__ import annotations

import httpx

from bot.app import App
from handlers.ports import FixedClock
from tests.conftest import Chat, answer_agenda_item_2, new_invite, onboard
from tests.console.conftest import signed_in

HOSTILE = '<script>alert("x")</script><b onmouseover="steal()">bold</b>'


async def answered(app: App, clock: FixedClock, comment: str = HOSTILE) -> Chat:
    alice = Chat(app.engine, "alice")
    await onboard(alice, await new_invite(app.store, clock))
    await answer_agenda_item_2(alice, comment)
    return alice


async def comment_id(app: App) -> int:
    async with app.store.transaction() as uow:
        records = await uow.reports.answers("wgic-18-2027")
    return next(r.answer.id for r in records if r.question.key == "ai2-stakeholder-contribution")


async def test_an_answer_with_html_and_script_is_shown_as_text(
    client: httpx.AsyncClient, app: App, clock: FixedClock
) -> None:
    await answered(app, clock)
    await signed_in(client, app)
    answer = await comment_id(app)
    for path in ("/console/answers", f"/console/answers/{answer}"):
        page = await client.get(path)
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "<b onmouseover" not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


async def test_filters_narrow_the_answers(
    client: httpx.AsyncClient, app: App, clock: FixedClock
) -> None:
    await answered(app, clock, "Our comment on item two")
    await signed_in(client, app)
    every = await client.get("/console/answers?consultation=wgic-18-2027")
    assert "3 answers." in every.text
    comments = await client.get(
        "/console/answers?consultation=wgic-18-2027&question=ai2-stakeholder-contribution"
    )
    assert "1 answer." in comments.text
    assert "Our comment on item two" in comments.text
    none = await client.get("/console/answers?consultation=wgic-18-2027&category=academia")
    assert "0 answers." in none.text
    drafts = await client.get("/console/answers?consultation=wgic-18-2027&status=draft")
    assert "0 answers." in drafts.text


async def test_hide_with_a_reason_then_show_again(
    client: httpx.AsyncClient, app: App, clock: FixedClock
) -> None:
    await answered(app, clock, "Insulting words about the delegation")
    csrf = await signed_in(client, app)
    answer = await comment_id(app)
    empty = await client.post(f"/console/answers/{answer}/hide", data={"csrf": csrf, "reason": " "})
    assert empty.status_code == 303
    page = await client.get(f"/console/answers/{answer}")
    assert "Please give the reason for hiding the answer." in page.text
    hidden = await client.post(
        f"/console/answers/{answer}/hide", data={"csrf": csrf, "reason": "insults a delegate"}
    )
    assert hidden.headers["location"] == f"/console/answers/{answer}"
    page = await client.get(f"/console/answers/{answer}")
    assert (
        f"Answer {answer} is hidden from digests and exports; it stays in the database."
        in page.text
    )
    assert "Reason: insults a delegate" in page.text
    async with app.store.transaction() as uow:
        assert answer not in {r.answer.id for r in await uow.reports.answers()}
    await client.post(f"/console/answers/{answer}/unhide", data={"csrf": csrf})
    async with app.store.transaction() as uow:
        assert answer in {r.answer.id for r in await uow.reports.answers()}
        audit = [(e.actor, e.action, e.channel) for e in await uow.audit.since()]
    assert audit[-2:] == [
        ("admin:telegram:4242", "admin.answer_hidden", "web"),
        ("admin:telegram:4242", "admin.answer_unhidden", "web"),
    ]
