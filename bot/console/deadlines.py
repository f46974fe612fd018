"""Deadlines and agenda items: extend a consultation's deadline, close and reopen it or one
of its agenda items — `deadlines.extend_deadline` and `set_closed`, as the chat and the
command line call them; reminders follow, as they derive from the deadline."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.base import Console, field
from handlers.features.admin.common import AdminError
from handlers.features.admin.console import Administrator
from handlers.features.admin.deadlines import extend_deadline, set_closed
from handlers.features.consultations import localized, window

PAGE = "/console/deadlines"


async def page(console: Console, request: Request, admin: Administrator) -> Response:
    t, now = console.translator(request), console.app.clock.now()
    shown = []
    async with console.app.store.transaction() as uow:
        for row in await uow.consultations.rows():
            zone = ZoneInfo(row.timezone)
            items = [
                (i.number, localized(i.title, t), window(row, now, i).value, i.closed)
                for i in await uow.consultations.items(row.id)
            ]
            shown.append(
                {
                    "id": row.id,
                    "timezone": row.timezone,
                    "deadline": row.effective_deadline.astimezone(zone),
                    "extended": row.extended_deadline is not None,
                    "window": window(row, now).value,
                    "closed": row.closed,
                    "items": items,
                }
            )
    return await console.page(request, "deadlines.html", consultations=shown)


async def extend(console: Console, request: Request, admin: Administrator) -> Response:
    form = await request.form()
    try:
        async with console.app.store.transaction() as uow:
            said = await extend_deadline(
                uow,
                console.translator(request),
                console.actor(admin),
                field(form, "consultation", limit=64),
                field(form, "deadline", limit=40),
            )
    except AdminError as exc:
        return await console.done(request, PAGE, str(exc), ok=False)
    return await console.done(request, PAGE, said)


async def closing(console: Console, request: Request, admin: Administrator) -> Response:
    form = await request.form()
    closed = request.url.path.endswith("/close")
    try:
        async with console.app.store.transaction() as uow:
            said = await set_closed(
                uow,
                console.translator(request),
                console.actor(admin),
                field(form, "consultation", limit=64),
                field(form, "item", limit=16) or None,
                closed=closed,
            )
    except AdminError as exc:
        return await console.done(request, PAGE, str(exc), ok=False)
    return await console.done(request, PAGE, said)


def routes(console: Console) -> list[BaseRoute]:
    """The page, extending and closing or reopening."""
    return [
        Route("/deadlines", console.guard(page), methods=["GET"]),
        Route("/deadlines/extend", console.guard(extend), methods=["POST"]),
        Route("/deadlines/close", console.guard(closing), methods=["POST"]),
        Route("/deadlines/reopen", console.guard(closing), methods=["POST"]),
    ]
