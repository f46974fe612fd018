"""What every console page shares: the signed-in administrator, the CSRF token, the
security headers, the templates, and the message a form's result leaves for the next page."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.app import App
from bot.console.words import same, stamp, state_filter, when_filter
from config.consultation import LANGUAGES
from handlers.features.admin.common import Actor
from handlers.features.admin.console import Administrator, signed_in, token_hash
from handlers.i18n import LANGUAGE_NAMES, Translator, translator

COOKIE = "console_session"
"""The session cookie: a random token, kept in the database only as its hash."""
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
"""No inline script or style anywhere; the console is never framed by another site."""


def navigation(t: Translator) -> list[tuple[str, str]]:
    """The console's pages as its menu lists them, in the viewer's language."""
    return [
        ("/console/", t._("Consultations")),
        ("/console/answers", t._("Answers")),
        ("/console/invites", t._("Organisations and invites")),
        ("/console/digest", t._("Digest")),
        ("/console/deadlines", t._("Deadlines and items")),
        ("/console/broadcast", t._("Broadcast")),
        ("/console/reminders", t._("Reminders")),
        ("/console/audit", t._("Audit log")),
        ("/console/files", t._("Consultation files")),
    ]


def accepted(header: str) -> str:
    """The console language an Accept-Language header asks for most among the six
    (fr-CH;q=0.9, ar...); English when it names none of them."""
    wanted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().replace("_", "-").split("-")[0].lower()
        if language in LANGUAGES and quality > 0:
            wanted.append((-quality, index, language))
    return min(wanted)[2] if wanted else "en"


@pass_context
def _gettext(context: Context, message: str, **values: Any) -> str:
    t: Translator = context["t"]
    return t._(message, **values) if values else t._(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int, **values: Any) -> str:
    t: Translator = context["t"]
    return t.n_(singular, plural, count, **values)


def with_code(message: str, **codes: str) -> Markup:
    """A translated sentence with commands put into its {placeholders} as `<code>`, left to
    right in any language; the sentence and the commands are both escaped."""
    code = Markup('<code dir="ltr">{}</code>')
    return escape(message).format(**{k: code.format(v) for k, v in codes.items()})


class SecurityHeaders:
    """ASGI middleware: the console's security headers on every response that has not set
    its own (the digest shown in a frame sets its own policy)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = "/static/" in scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                wanted = {
                    b"content-security-policy": CONTENT_SECURITY_POLICY.encode(),
                    b"referrer-policy": b"no-referrer",
                    b"x-content-type-options": b"nosniff",
                    b"cross-origin-opener-policy": b"same-origin",
                    b"cache-control": b"max-age=300" if static else b"no-store",
                }
                headers += [(k, v) for k, v in wanted.items() if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_token(session: str) -> str:
    """The CSRF token of a session: derived from its secret token, so it needs no storage
    and another site, which cannot read the cookie, cannot compute it."""
    return hashlib.sha256(f"console-csrf:{session}".encode()).hexdigest()


Handler = Callable[["Console", Request, Administrator], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class Console:
    """The console around the application: its templates, sessions and pages."""

    app: App

    def __post_init__(self) -> None:
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
        )
        # The bot's catalogue; each page renders with its viewer's translator as `t`.
        self.templates.install_gettext_callables(  # type: ignore[attr-defined]
            _gettext, _ngettext, newstyle=False
        )
        self.templates.globals["n_"] = _ngettext
        self.templates.filters.update(
            with_code=with_code, state=state_filter, zip_same=same, stamp=stamp, when=when_filter
        )

    @property
    def secure(self) -> bool:
        """Whether the console is reached over HTTPS (its cookie is then Secure)."""
        return (self.app.settings.public_url or "").startswith("https://")

    @property
    def idle(self) -> timedelta:
        """How long an unused session stays signed in."""
        return timedelta(minutes=self.app.settings.console_idle_minutes)

    def actor(self, admin: Administrator) -> Actor:
        """The administrator acting in the console now."""
        return admin.actor(self.app.clock.now())

    def guard(self, handler: Handler) -> Endpoint:
        """An endpoint only a signed-in administrator reaches; a POST also needs the
        session's CSRF token. Anyone else is sent to the page explaining how to sign in."""

        async def endpoint(request: Request) -> Response:
            session = request.cookies.get(COOKIE, "")
            admin = language = None
            if session:
                async with self.app.store.transaction() as uow:
                    admin = await signed_in(uow, session, self.app.clock.now(), idle=self.idle)
                    language = await uow.kv.get(language_key(session)) if admin else None
            if admin is None:
                return RedirectResponse("/console/signin", status_code=303)
            request.state.session = session
            request.state.csrf = csrf_token(session)
            request.state.language = language
            if request.method == "POST":
                given = (await request.form()).get("csrf")
                if not isinstance(given, str) or not hmac.compare_digest(given, request.state.csrf):
                    return await self.page(request, "refused.html", status=403)
            return await handler(self, request, admin)

        return endpoint

    def translator(self, request: Request) -> Translator:
        """The viewer's language: the one chosen in this session, else the browser's."""
        chosen = getattr(request.state, "language", None)
        return translator(chosen or accepted(request.headers.get("accept-language", "")))

    def render(self, request: Request, template: str, **values: Any) -> str:
        """A template in the viewer's language."""
        t = self.translator(request)
        return self.templates.get_template(template).render(t=t, **values)

    async def page(
        self, request: Request, template: str, *, status: int = 200, **values: Any
    ) -> HTMLResponse:
        """A page, with the message a form's result left for it (shown once)."""
        said = None
        session = getattr(request.state, "session", None)
        if session:
            async with self.app.store.transaction() as uow:
                raw = await uow.kv.pop(_said_key(session))
            said = json.loads(raw) if raw else None
        t = self.translator(request)
        html = self.render(
            request,
            template,
            path=request.url.path,
            back=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
            navigation=navigation(t),
            languages=LANGUAGE_NAMES,
            csrf=getattr(request.state, "csrf", ""),
            said=said,
            **values,
        )
        return HTMLResponse(html, status_code=status)

    async def done(self, request: Request, to: str, message: str, *, ok: bool = True) -> Response:
        """After a form: keep its result for the next page and go there (303), so that
        reloading the page does not send the form again."""
        async with self.app.store.transaction() as uow:
            await uow.kv.put(
                _said_key(request.state.session),
                json.dumps({"text": message, "ok": ok}),
                self.app.clock.now(),
            )
        return RedirectResponse(to, status_code=303)


def _said_key(session: str) -> str:
    return f"console.said:{token_hash(session)[:32]}"


def language_key(session: str) -> str:
    """Where the language an administrator chose in a session is kept."""
    return f"console.language:{token_hash(session)[:32]}"


def field(form: FormData, name: str, *, limit: int = 10_000) -> str:
    """A text field of a form ('' when missing or a file), cut to `limit` characters."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""
