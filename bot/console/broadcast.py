"""Broadcast: write a message to a consultation's participants, preview whom it reaches and
how it reads in each language it goes out in, send it, see the delivery counts — the
audience, wording and audit of the chat's `/admin broadcast` and the command line's."""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.answers import default_consultation
from bot.console.base import Console, field
from handlers.features.admin.broadcast import audience, broadcast_messages, record_broadcast
from handlers.features.admin.common import AdminError, consultation, counts_text
from handlers.features.admin.console import Administrator
from storage.models import Participant

PAGE = "/console/broadcast"
PLATFORMS = {"telegram": "Telegram", "slack": "Slack", "terminal": "terminal"}
"""The platforms by the names their users know them by."""
MAX_MESSAGE = 3000


def by_language(reached: list[Participant], text: str) -> list[tuple[str, int, str]]:
    """The message as it goes out in each language: (language, recipients, text)."""
    counts = Counter(p.locale or "en" for p in reached)
    shown = []
    for language, count in sorted(counts.items()):
        sample = next(p for p in reached if (p.locale or "en") == language)
        [(_, [reply])] = broadcast_messages([sample], text)
        shown.append((language, count, reply.text))
    return shown


async def page(console: Console, request: Request, admin: Administrator) -> Response:
    async with console.app.store.transaction() as uow:
        rows = await uow.consultations.rows()
    return await console.page(
        request,
        "broadcast.html",
        consultations=[r.id for r in rows],
        chosen=default_consultation(rows, console.app.clock.now()),
    )


async def read(console: Console, request: Request) -> tuple[str, bool, str]:
    form = await request.form()
    text = field(form, "message", limit=MAX_MESSAGE).strip()
    if not text:
        raise AdminError(console.translator(request)._("Please add the message to send."))
    return field(form, "consultation", limit=64), field(form, "audience") == "missing", text


async def preview(console: Console, request: Request, admin: Administrator) -> Response:
    try:
        cid, missing, text = await read(console, request)
        async with console.app.store.transaction() as uow:
            row = await consultation(uow, console.translator(request), cid, console.app.clock.now())
            reached = await audience(uow, row.id, only_missing=missing)
    except AdminError as exc:
        return await console.done(request, PAGE, str(exc), ok=False)
    return await console.page(
        request,
        "broadcast_preview.html",
        consultation=row.id,
        missing=missing,
        text=text,
        count=len(reached),
        languages_out=by_language(reached, text),
    )


async def send(console: Console, request: Request, admin: Administrator) -> Response:
    actor = console.actor(admin)
    try:
        cid, missing, text = await read(console, request)
        async with console.app.store.transaction() as uow:
            row = await consultation(uow, console.translator(request), cid, actor.now)
            messages = broadcast_messages(await audience(uow, row.id, only_missing=missing), text)
            record_broadcast(
                uow, actor, row.id, missing=missing, recipients=len(messages), text=text
            )
    except AdminError as exc:
        return await console.done(request, PAGE, str(exc), ok=False)
    services = console.app.engine.services
    if services is None:  # build() always wires them.
        said = console.translator(request)._("Sending is not available.")
        return await console.done(request, PAGE, said, ok=False)
    counts = await services.send(messages)
    t = console.translator(request)
    said = " ".join(
        [
            counts_text(t, counts, len(messages)),
            *(
                t._("Through {platform}: {count}.", platform=PLATFORMS.get(p, p), count=n)
                for p, n in sorted(counts.by_platform.items())
            ),
        ]
    )
    return await console.done(request, PAGE, said, ok=not counts.failed)


def routes(console: Console) -> list[BaseRoute]:
    """The form, the preview and the sending."""
    return [
        Route("/broadcast", console.guard(page), methods=["GET"]),
        Route("/broadcast/preview", console.guard(preview), methods=["POST"]),
        Route("/broadcast/send", console.guard(send), methods=["POST"]),
    ]
