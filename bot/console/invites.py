"""Organisations and invites: each organisation's invites, people and status; creating an
invite; a CSV import previewed row by row before anything is written (all rows or none, as
`intersessional invite import`); withdrawing; e-mailing again; pending registrations
approved or rejected — the services of the chat's `/admin` and the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot import invite_mail, invites
from bot.admin import tell
from bot.console.base import Console
from bot.console.base import field as form_field
from config.consultation import LANGUAGES
from handlers.features.admin.common import AdminError, audit
from handlers.features.admin.console import Administrator
from handlers.features.admin.invites import (
    InvalidInvite,
    InviteRequest,
    problem_text,
    revoke_invite,
    validate_invite,
)
from handlers.features.admin.moderation import decide
from handlers.features.onboarding import category_label
from handlers.i18n import Translator
from storage.models import Category, Invite, Participant, SubmissionStatus
from storage.repositories import UnitOfWork

PAGE = "/console/invites"
MAX_CSV_BYTES = 512 * 1024


@dataclass
class OrganisationView:
    """One organisation: its invites, its people and what they submitted."""

    name: str
    category: str
    country: str
    invites: list[Invite] = field(default_factory=list)
    people: list[Participant] = field(default_factory=list)
    submitted: int = 0

    @property
    def status(self) -> str:
        """Where the organisation stands: invited, registered or submitted."""
        if self.submitted:
            return "submitted"
        return "registered" if self.people else "invited"


async def organisations(uow: UnitOfWork) -> list[OrganisationView]:
    """Every organisation with its invites, people and submissions."""
    views = {
        o.id: OrganisationView(o.name, o.category, o.country or "")
        for o in await uow.organisations.all()
    }
    for invite in await uow.reports.invites():
        views[invite.organisation_id].invites.append(invite)
    for person in await uow.reports.participants():
        if person.organisation_id in views:
            views[person.organisation_id].people.append(person)
    by_person = {p.id: p.organisation_id for p in await uow.reports.participants()}
    for cid in await uow.consultations.ids():
        for submission, _ in await uow.reports.submissions(cid):
            organisation = by_person.get(submission.participant_id)
            if organisation in views and submission.status != SubmissionStatus.DRAFT:
                views[organisation].submitted += 1
    return list(views.values())


async def csv_text(t: Translator, request: Request) -> tuple[str, str]:
    """The CSV of an import form (the file chosen, or the text sent back to confirm), and
    what is wrong with it ('' when nothing)."""
    form = await request.form()
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(MAX_CSV_BYTES + 1)
        await upload.close()
        if len(content) > MAX_CSV_BYTES:
            return "", t._("The file is larger than 512 KB; split it.")
        try:
            return content.decode("utf-8-sig"), ""
        except UnicodeDecodeError:
            return "", t._("The file is not UTF-8 text; save it as CSV UTF-8.")
    text = form_field(form, "csv", limit=MAX_CSV_BYTES)
    return text, "" if text.strip() else t._("Choose a CSV file.")


async def page(console: Console, request: Request, admin: Administrator) -> Response:
    async with console.app.store.transaction() as uow:
        values: dict[str, Any] = {
            "organisations": await organisations(uow),
            "pending": await uow.participants.pending(),
            "consultations": await uow.consultations.ids(),
        }
    return await console.page(
        request,
        "invites.html",
        categories=[(c.value, category_label(console.translator(request), c)) for c in Category],
        mail=invite_mail.unconfigured(console.app.settings),
        **values,
    )


async def create(console: Console, request: Request, admin: Administrator) -> Response:
    form = await request.form()
    names = ("organisation", "category", "country", "consultation", "max_uses", "expires")
    given = {
        n: value
        for n in (*names, "email", "language")
        if (value := form_field(form, n, limit=400).strip())
    }
    async with console.app.store.transaction() as uow:
        known = set(await uow.consultations.ids())
    try:
        wanted = validate_invite(
            known_consultations=known,
            organisation=given.pop("organisation", ""),
            category=given.pop("category", ""),
            **given,
        )
    except InvalidInvite as exc:
        return await console.done(
            request, PAGE, problem_text(console.translator(request), exc), ok=False
        )
    actor = console.actor(admin)
    made = await invites.create(
        console.app.store, wanted, now=actor.now, actor=actor.name, channel="web"
    )
    link = invites.deep_link(console.app.settings.telegram_bot_username, made.code)
    t = console.translator(request)
    said = t._(
        "Invite {code} for {organisation}.", code=made.code, organisation=wanted.organisation
    )
    said += f" {link}" if link else ""
    return await console.done(request, PAGE, said)


async def preview(console: Console, request: Request, admin: Administrator) -> Response:
    text, problem = await csv_text(console.translator(request), request)
    if problem:
        return await console.done(request, PAGE, problem, ok=False)
    async with console.app.store.transaction() as uow:
        known = set(await uow.consultations.ids())
    rows, file_problems = invites.read_csv(text, known)
    bad = [r for r in rows if r.problem] + file_problems
    return await console.page(
        request,
        "invites_import.html",
        rows=rows,
        file_problems=file_problems,
        bad=len(bad),
        csv=text,
        mail=invite_mail.unconfigured(console.app.settings),
    )


async def confirm(console: Console, request: Request, admin: Administrator) -> Response:
    t = console.translator(request)
    text, problem = await csv_text(t, request)
    async with console.app.store.transaction() as uow:
        known = set(await uow.consultations.ids())
    requests, problems = invites.parse_csv(text, known) if not problem else ([], [])
    if problem or problems:
        said = problem or t.n_(
            "No invites were created: {count} row has a problem.",
            "No invites were created: {count} rows have problems.",
            len(problems),
        )
        return await console.done(request, PAGE, said, ok=False)
    actor = console.actor(admin)
    created = [
        (
            await invites.create(
                console.app.store, r, now=actor.now, actor=actor.name, channel="web"
            )
        ).code
        for r in requests
    ]
    said = t.n_(
        "{count} invite created: {codes}.",
        "{count} invites created: {codes}.",
        len(created),
        codes=", ".join(created),
    )
    if form_field(await request.form(), "send_email") and not invite_mail.unconfigured(
        console.app.settings
    ):
        outcomes = await invite_mail.announce(
            console.app.store,
            console.app.settings,
            list(zip(created, requests, strict=True)),
            actor.now,
        )
        said += " " + t.n_(
            "{sent} of {count} e-mail sent.",
            "{sent} of {count} e-mails sent.",
            len(outcomes),
            sent=sum(o.ok for o in outcomes),
        )
    return await console.done(request, PAGE, said)


async def revoke(console: Console, request: Request, admin: Administrator) -> Response:
    code = form_field(await request.form(), "code", limit=40)
    try:
        async with console.app.store.transaction() as uow:
            said = await revoke_invite(uow, console.translator(request), console.actor(admin), code)
    except AdminError as exc:
        return await console.done(request, PAGE, str(exc), ok=False)
    return await console.done(request, PAGE, said)


async def decision(console: Console, request: Request, admin: Administrator) -> Response:
    approve = request.url.path.endswith("/approve")
    participant = int(request.path_params["participant"])
    try:
        async with console.app.store.transaction() as uow:
            said, notice = await decide(
                uow,
                console.translator(request),
                console.actor(admin),
                participant,
                approve=approve,
            )
    except AdminError as exc:
        return await console.done(request, PAGE, str(exc), ok=False)
    return await console.done(request, PAGE, await tell(console.app.engine.services, said, notice))


async def resend(console: Console, request: Request, admin: Administrator) -> Response:
    """E-mail an invite's code again to its address, in the language chosen."""
    form = await request.form()
    code, language = form_field(form, "code", limit=40), form_field(form, "language", limit=8)
    unready = invite_mail.unconfigured(console.app.settings)
    async with console.app.store.transaction() as uow:
        invite = await uow.invites.by_code(code.strip().upper())
    if unready or invite is None or not invite.email or invite.revoked_at is not None:
        said = unready or console.translator(request)._(
            "Invite {code} has no e-mail address to send to.", code=code[:40]
        )
        return await console.done(request, PAGE, said[:1].upper() + said[1:], ok=False)
    wanted = InviteRequest(
        organisation=invite.organisation.name,
        category=Category(invite.organisation.category),
        country=invite.organisation.country,
        consultation=invite.consultation_id,
        max_uses=invite.max_uses,
        expires=invite.expires_at,
        email=invite.email,
        language=language if language in LANGUAGES else "en",
    )
    actor = console.actor(admin)
    [outcome] = await invite_mail.announce(
        console.app.store, console.app.settings, [(invite.code, wanted)], actor.now
    )
    async with console.app.store.transaction() as uow:
        audit(uow, actor, "invite.emailed", code=invite.code, ok=outcome.ok)
    if outcome.ok:
        return await console.done(
            request,
            PAGE,
            console.translator(request)._(
                "Invite {code} e-mailed to {address}.", code=invite.code, address=invite.email
            ),
        )
    said = console.translator(request)._(
        "The e-mail to {address} failed: {error}", address=invite.email, error=str(outcome.error)
    )
    return await console.done(request, PAGE, said, ok=False)


def routes(console: Console) -> list[BaseRoute]:
    """The page and its forms."""
    return [
        Route("/invites", console.guard(page), methods=["GET"]),
        Route("/invites/create", console.guard(create), methods=["POST"]),
        Route("/invites/import", console.guard(preview), methods=["POST"]),
        Route("/invites/import/confirm", console.guard(confirm), methods=["POST"]),
        Route("/invites/revoke", console.guard(revoke), methods=["POST"]),
        Route("/invites/resend", console.guard(resend), methods=["POST"]),
        Route("/pending/{participant:int}/approve", console.guard(decision), methods=["POST"]),
        Route("/pending/{participant:int}/reject", console.guard(decision), methods=["POST"]),
    ]
