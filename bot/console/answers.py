"""The answers page: filter every answer of a consultation, read one in full with its
revisions, hide it (with a reason) or show it again — `moderation.hide_answer`, as the chat's
`/admin hide` and the command line's `hide` do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.base import Console, field
from bot.console.words import state
from bot.reminders.planning import definition_of
from config.consultation import Consultation
from handlers.features.admin.common import AdminError, UnnamedConsultation, choose
from handlers.features.admin.console import Administrator
from handlers.features.admin.moderation import hide_answer
from handlers.features.consultations import localized
from handlers.features.onboarding import category_label
from handlers.i18n import LANGUAGE_NAMES, Translator
from storage.models import Category, ConsultationRow, SubmissionStatus
from storage.repositories import AnswerRecord, UnitOfWork

SHOWN = 200
"""The most answers one page lists; the filters narrow it down."""


@dataclass(frozen=True)
class Filters:
    """What the answers are narrowed to; '' lets every value through."""

    consultation: str = ""
    item: str = ""
    question: str = ""
    category: str = ""
    country: str = ""
    language: str = ""
    panel: str = ""
    status: str = ""
    shown: str = ""
    """'' every answer, 'visible' or 'hidden'."""

    @classmethod
    def of(cls, query: QueryParams) -> Filters:
        """The filters of a request's query string."""
        return cls(**{f.name: query.get(f.name, "").strip()[:100] for f in fields(cls)})


def panels_of(records: list[AnswerRecord], definitions: dict[str, Consultation]) -> dict[int, str]:
    """Each answer's panel (by answer id): the panel of its agenda item its organisation
    is on, as the consultation's file names them."""
    found: dict[int, str] = {}
    for record in records:
        definition = definitions.get(record.consultation_id)
        items = definition.agenda_items if definition else []
        name = (record.organisation.name if record.organisation else "").strip().casefold()
        for item in items:
            if item.number != record.item.number:
                continue
            for panel in item.panels:
                if name in {o.strip().casefold() for o in panel.organisations}:
                    found[record.answer.id] = panel.title.en
    return found


def matches(record: AnswerRecord, panel: str, f: Filters) -> bool:
    """Whether an answer passes the filters."""
    organisation = record.organisation
    wanted = {
        f.item: record.item.number,
        f.question: record.question.key,
        f.category: organisation.category if organisation else "",
        f.country: (organisation.country or "") if organisation else "",
        f.language: record.answer.language or "",
        f.panel: panel,
        f.status: record.status.value,
        f.shown: "hidden" if record.answer.hidden_reason else "visible",
    }
    return all(not given or given == actual for given, actual in wanted.items())


def default_consultation(rows: Sequence[ConsultationRow], now: datetime) -> str:
    """The consultation a page shows when none is named: the only open one, else the first."""
    try:
        return choose(rows, None, now).id
    except UnnamedConsultation:
        return rows[0].id if rows else ""


async def listing(uow: UnitOfWork, f: Filters, now: datetime, t: Translator) -> dict[str, Any]:
    """The answers page's values: the filter choices (value, shown in `t`'s language) and
    the answers that pass."""
    rows = await uow.consultations.rows()
    chosen = f.consultation or default_consultation(rows, now)
    records = await uow.reports.answers(chosen or None, hidden=True)
    definitions = {r.id: definition_of(r) for r in rows if r.id == chosen}
    panels = panels_of(records, definitions)
    passing = [r for r in records if matches(r, panels.get(r.answer.id, ""), f)]
    countries = {r.organisation.country for r in records if r.organisation}
    languages = {r.answer.language for r in records if r.answer.language}
    return {
        "filters": f,
        "chosen": chosen,
        "consultations": [r.id for r in rows],
        "items": sorted({r.item.number for r in records}),
        "questions": sorted({(r.item.number, r.question.key) for r in records}),
        "categories": [(c.value, category_label(t, c)) for c in Category],
        "countries": [(c, t.country(c)) for c in sorted(c for c in countries if c)],
        "answer_languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in sorted(languages)],
        "panels": sorted(set(panels.values())),
        "statuses": [(s.value, state(t, s.value)) for s in SubmissionStatus],
        "answers": passing[:SHOWN],
        "total": len(passing),
        "panel_of": panels,
        "item_title": {r.item.number: localized(r.item.title, t) for r in records},
    }


async def answers(console: Console, request: Request, admin: Administrator) -> Response:
    async with console.app.store.transaction() as uow:
        values = await listing(
            uow,
            Filters.of(request.query_params),
            console.app.clock.now(),
            console.translator(request),
        )
    return await console.page(request, "answers.html", **values)


async def answer(console: Console, request: Request, admin: Administrator) -> Response:
    answer_id = int(request.path_params["answer"])
    async with console.app.store.transaction() as uow:
        found = await uow.answers.by_id(answer_id)
        if found is None:
            what = console.translator(request)._("There is no such answer.")
            return await console.page(request, "missing.html", status=404, what=what)
        revisions = await uow.answers.revisions(answer_id)
        record = next(
            (r for r in await uow.reports.answers(hidden=True) if r.answer.id == answer_id),
            None,
        )
    return await console.page(
        request, "answer.html", record=record, answer=found, revisions=revisions
    )


async def moderate(console: Console, request: Request, admin: Administrator) -> Response:
    answer_id = int(request.path_params["answer"])
    form = await request.form()
    reason = field(form, "reason", limit=2000) if request.url.path.endswith("/hide") else None
    try:
        async with console.app.store.transaction() as uow:
            said = await hide_answer(
                uow, console.translator(request), console.actor(admin), answer_id, reason
            )
    except AdminError as exc:
        return await console.done(request, f"/console/answers/{answer_id}", str(exc), ok=False)
    return await console.done(request, f"/console/answers/{answer_id}", said)


def routes(console: Console) -> list[BaseRoute]:
    """The answers list, one answer, hiding and showing again."""
    return [
        Route("/answers", console.guard(answers), methods=["GET"]),
        Route("/answers/{answer:int}", console.guard(answer), methods=["GET"]),
        Route("/answers/{answer:int}/hide", console.guard(moderate), methods=["POST"]),
        Route("/answers/{answer:int}/unhide", console.guard(moderate), methods=["POST"]),
    ]
