"""The digest page: the HTML digest of a period shown in the page, every format to
download, sending now to the consultation's destinations, and the delivery history from
the ledger — the same digest functions as `intersessional digest` and `/admin digest`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.answers import default_consultation
from bot.console.base import Console, field
from bot.digest import period as digest_period
from bot.digest import schedule as digest_schedule
from bot.digest.build import KIND
from bot.digest.deliver import FORMATS, render
from handlers.features.admin.common import audit
from handlers.features.admin.console import Administrator
from storage.models import ConsultationRow

FRAMED_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
)
"""The digest's own HTML carries its style inline and its charts as data: images; it is
shown in a sandboxed frame of the console only, and runs nothing."""


class Chosen:
    """The consultation and period a digest request names."""

    def __init__(self, row: ConsultationRow, since_text: str) -> None:
        self.row = row
        self.since_text = since_text
        self.since: datetime | None = None
        self.problem = ""
        if since_text:
            try:
                self.since = digest_period.since(since_text, ZoneInfo(row.timezone))
            except ValueError:
                self.problem = f"{since_text[:40]} is not a date such as 2027-03-01."


async def chosen(console: Console, values: dict[str, str]) -> Chosen | None:
    async with console.app.store.transaction() as uow:
        rows = await uow.consultations.rows()
    cid = values.get("consultation") or default_consultation(rows, console.app.clock.now())
    row = next((r for r in rows if r.id == cid), None)
    return None if row is None else Chosen(row, values.get("since", "").strip()[:40])


async def page(console: Console, request: Request, admin: Administrator) -> Response:
    found = await chosen(console, dict(request.query_params))
    if found is None:
        return await console.page(request, "missing.html", status=404, what="consultation")
    async with console.app.store.transaction() as uow:
        rows = await uow.consultations.rows()
        history = list(reversed(await uow.deliveries.of_consultation(found.row.id, KIND)))
    start = await digest_period.period_start(console.app.store, found.row.id)
    return await console.page(
        request,
        "digest.html",
        chosen=found,
        consultations=[r.id for r in rows],
        formats=list(FORMATS),
        history=history,
        default_start=start,
    )


async def view(console: Console, request: Request, admin: Administrator) -> Response:
    found = await chosen(console, dict(request.query_params))
    if found is None or found.problem:
        return Response(status_code=404)
    app = console.app
    digest = await digest_period.next_digest(
        app.store, found.row.id, now=app.clock.now(), since=found.since, translator=app.translator
    )
    response = HTMLResponse(render(digest, "html"))  # matplotlib loads only now
    response.headers["content-security-policy"] = FRAMED_POLICY
    return response


async def download(console: Console, request: Request, admin: Administrator) -> Response:
    form = await request.form()
    found = await chosen(console, {k: field(form, k, limit=100) for k in ("consultation", "since")})
    fmt = field(form, "format", limit=10)
    if found is None or found.problem or fmt not in FORMATS:
        return await console.done(
            request,
            "/console/digest",
            "Choose a consultation, a format and a date such as 2027-03-01.",
            ok=False,
        )
    actor = console.actor(admin)
    _, document = await digest_period.write(
        console.app.store,
        found.row.id,
        fmt,
        now=actor.now,
        target="the console",
        since=found.since,
        translator=console.app.translator,
    )
    async with console.app.store.transaction() as uow:
        audit(uow, actor, "admin.digest", consultation=found.row.id, format=fmt)
    return Response(
        document.content,
        media_type=document.mime_type,
        headers={"content-disposition": f'attachment; filename="{document.filename}"'},
    )


async def send(console: Console, request: Request, admin: Administrator) -> Response:
    form = await request.form()
    found = await chosen(console, {k: field(form, k, limit=100) for k in ("consultation", "since")})
    if found is None or found.problem:
        return await console.done(
            request,
            "/console/digest",
            "Choose a consultation and a date such as 2027-03-01.",
            ok=False,
        )
    actor = console.actor(admin)
    async with console.app.store.transaction() as uow:
        audit(uow, actor, "admin.digest_sent", consultation=found.row.id)
    run = await digest_schedule.send(
        console.app.store,
        console.app.outboxes,
        console.app.clock,
        console.app.settings,
        found.row.id,
        occasion=digest_schedule.Occasion.MANUAL,
        due_at=actor.now,
        since=found.since,
        translator=console.app.translator,
    )
    back = f"/console/digest?consultation={found.row.id}"
    if run.status is None:
        return await console.done(request, back, "This digest was just sent.", ok=False)
    if not run.outcomes:
        return await console.done(
            request, back, "No destinations are configured for this consultation.", ok=False
        )
    said = "; ".join(
        f"{o.kind} {o.target}: {'sent' if o.ok else 'failed (' + str(o.error) + ')'}"
        for o in run.outcomes
    )
    return await console.done(request, back, said, ok=all(o.ok for o in run.outcomes))


def routes(console: Console) -> list[BaseRoute]:
    """The digest page, its framed view, downloads and sending."""
    return [
        Route("/digest", console.guard(page), methods=["GET"]),
        Route("/digest/view", console.guard(view), methods=["GET"]),
        Route("/digest/download", console.guard(download), methods=["POST"]),
        Route("/digest/send", console.guard(send), methods=["POST"]),
    ]
