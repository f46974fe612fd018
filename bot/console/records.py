"""The records pages: reminders (what is due next, what is due now, what was sent) and the
audit log filtered by who, what, when and channel."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.base import Console
from bot.reminders.planning import KIND, due_reminders, next_reminder
from bot.reminders.sweep import collect
from handlers.features.admin.console import Administrator

SHOWN = 300
"""The most rows one records page lists (newest first)."""


def day(value: str) -> date | None:
    """A date typed as 2027-03-01; None when empty or not a date."""
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


async def reminders(console: Console, request: Request, admin: Administrator) -> Response:
    now = console.app.clock.now()
    upcoming, due_now = [], []
    for facts, recipients, ledger in await collect(console.app.store, now):
        for recipient in recipients:
            slot = next_reminder(facts, recipient, now)
            if slot is not None:
                upcoming.append((facts.id, recipient, slot))
        due_now += due_reminders(facts, recipients, ledger, now, platforms=None)
    async with console.app.store.transaction() as uow:
        sent = [d for d in await uow.deliveries.everything() if d.kind == KIND]
    upcoming.sort(key=lambda row: row[2].due_at)
    return await console.page(
        request,
        "reminders.html",
        upcoming=upcoming[:SHOWN],
        due_now=due_now[:SHOWN],
        sent=list(reversed(sent))[:SHOWN],
    )


async def audit(console: Console, request: Request, admin: Administrator) -> Response:
    query = request.query_params
    wanted = {k: query.get(k, "").strip()[:100] for k in ("who", "what", "channel")}
    start, end = day(query.get("from", "")), day(query.get("to", ""))
    async with console.app.store.transaction() as uow:
        entries = await uow.audit.since(datetime.combine(start, time(0), UTC) if start else None)
    until = datetime.combine(end, time(0), UTC) + timedelta(days=1) if end else None
    shown = [
        e
        for e in reversed(entries)
        if wanted["who"].casefold() in e.actor.casefold()
        and wanted["what"].casefold() in e.action.casefold()
        and (not wanted["channel"] or e.channel == wanted["channel"])
        and (until is None or e.at < until)
    ]
    return await console.page(
        request,
        "audit.html",
        entries=shown[:SHOWN],
        total=len(shown),
        wanted=wanted,
        start=query.get("from", "")[:10],
        end=query.get("to", "")[:10],
        channels=sorted({e.channel for e in entries}),
    )


def routes(console: Console) -> list[BaseRoute]:
    """The reminders page and the audit log."""
    return [
        Route("/reminders", console.guard(reminders), methods=["GET"]),
        Route("/audit", console.guard(audit), methods=["GET"]),
    ]
