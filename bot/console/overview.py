"""The consultations page: each consultation's dialogue, deadline (its own time and the
viewer's), window and progress — agenda item × category — refreshed in place by
console.js from the progress fragment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot import stats
from bot.console.base import Console
from handlers.features.admin.console import Administrator
from handlers.features.consultations import Window, localized, title, window
from handlers.features.onboarding import category_label
from handlers.i18n import Translator
from storage.models import Category, ConsultationRow
from storage.repositories import UnitOfWork


@dataclass(frozen=True)
class Overview:
    """One consultation as the console lists it."""

    id: str
    title: str
    dialogue: str
    dialogue_date: str
    timezone: str
    deadline: datetime
    deadline_local: str
    window: str
    progress: list[stats.ItemProgress]


def format_date(day: date, t: Translator) -> str:
    """A calendar date in `t`'s language, as the United Nations writes it (31 May 2027)."""
    return t.day(datetime.combine(day, time(12), UTC), UTC)


def categories(t: Translator) -> list[tuple[Category, str]]:
    """The progress table's columns: each category and its label in `t`'s language."""
    return [(c, category_label(t, c)) for c in Category]


async def overview(uow: UnitOfWork, row: ConsultationRow, now: datetime, t: Translator) -> Overview:
    """What the console shows of one consultation, in `t`'s language."""
    zone = ZoneInfo(row.timezone)
    deadline = row.effective_deadline
    return Overview(
        id=row.id,
        title=title(row, t),
        dialogue=localized(row.definition.get("dialogue", {}).get("title"), t),
        dialogue_date=format_date(row.dialogue_date, t),
        timezone=row.timezone,
        deadline=deadline,
        deadline_local=t.when(deadline, zone),
        window=window(row, now).value,
        progress=await stats.progress(uow, row.id, t),
    )


async def consultations(console: Console, request: Request, admin: Administrator) -> Response:
    now = console.app.clock.now()
    async with console.app.store.transaction() as uow:
        rows = sorted(
            await uow.consultations.rows(),
            # The open ones first, then the latest deadline first.
            key=lambda r: (window(r, now) != Window.OPEN, -r.effective_deadline.timestamp()),
        )
        t = console.translator(request)
        shown = [await overview(uow, row, now, t) for row in rows]
    return await console.page(
        request, "consultations.html", consultations=shown, categories=categories(t)
    )


async def fragment(console: Console, request: Request, admin: Administrator) -> Response:
    cid = request.path_params["consultation"]
    async with console.app.store.transaction() as uow:
        row = await uow.consultations.get(cid)
        t = console.translator(request)
        found = None if row is None else await overview(uow, row, console.app.clock.now(), t)
    if found is None:
        return Response(status_code=404)
    html = console.render(request, "progress.html", c=found, categories=categories(t))
    return Response(html, media_type="text/html")


def routes(console: Console) -> list[BaseRoute]:
    """The consultations page and its progress fragment."""
    return [
        Route("/", console.guard(consultations), methods=["GET"]),
        Route("/progress/{consultation}", console.guard(fragment), methods=["GET"]),
    ]
