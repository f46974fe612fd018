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
from handlers.i18n import Translator
from storage.models import ConsultationRow

FRAMED_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
)
"""The digest's own HTML carries its style inline and its charts as data: images; it is
shown in a sandboxed frame of the console only, and runs nothing."""


class Chosen:
    """The consultation and period a digest request names."""

    def __init__(self, row: ConsultationRow, since_text: str, t: Translator) -> None:
        self.row = row
        self.since_text = since_text
        self.since: datetime | None = None
        self.problem = ""
        if since_text:
            try:
                self.since = digest_period.since(since_text, ZoneInfo(row.timezone))
            except ValueError:
                self.problem = t._("{text} is not a date such as 2027-03-01.", text=since_text[:40])


async def chosen(console: Console, request: Request, values: dict[str, str]) -> Chosen | None:
    async with console.app.store.transaction() as uow:
        rows = await uow.consultations.rows()
    cid = values.get("consultation") or default_consultation(rows, console.app.clock.now())
    row = next((r for r in rows if r.id == cid), None)
    since = values.get("since", "").strip()[:40]
    return None if row is None else Chosen(row, since, console.translator(request))


async def page(console: Console, request: Request, admin: Administrator) -> Response:
    found = await chosen(console, request, dict(request.query_params))
    if found is None:
        what = console.translator(request)._("There is no such consultation.")
        return await console.page(request, "missing.html", status=404, what=what)
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
    found = await chosen(console, request, dict(request.query_params))
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
    wanted = {k: field(form, k, limit=100) for k in ("consultation", "since")}
    found = await chosen(console, request, wanted)
    fmt = field(form, "format", limit=10)
    if found is None or found.problem or fmt not in FORMATS:
        said = console.translator(request)._(
            "Choose a consultation, a format and a date such as 2027-03-01."
        )
        return await console.done(request, "/console/digest", said, ok=False)
    actor = console.actor(admin)
    _, document = await digest_period.write(
        console.app.store,
        found.row.id,
        fmt,
        now=actor.now,
        target="the console",
        since=found.since,
        translator=console.app.translator,
        docx_template=console.app.settings.digest_docx_template,
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
    wanted = {k: field(form, k, limit=100) for k in ("consultation", "since")}
    found = await chosen(console, request, wanted)
    t = console.translator(request)
    if found is None or found.problem:
        said = t._("Choose a consultation and a date such as 2027-03-01.")
        return await console.done(request, "/console/digest", said, ok=False)
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
        return await console.done(request, back, t._("This digest was just sent."), ok=False)
    if not run.outcomes:
        said = t._("No destinations are configured for this consultation.")
        return await console.done(request, back, said, ok=False)
    said = "; ".join(
        t._("{kind} {target}: sent", kind=o.kind, target=o.target)
        if o.ok
        else t._(
            "{kind} {target}: failed ({error})", kind=o.kind, target=o.target, error=str(o.error)
        )
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
