"""Signing in and out of the console: the page that explains how to get a link, the link's
page (a button, so a link preview fetching it uses nothing up), signing out, and the
language the administrator chooses for the session."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.base import COOKIE, Console, field, language_key
from config.consultation import LANGUAGES
from handlers.features.admin.console import Administrator, link_is_usable, sign_in, sign_out


async def language(console: Console, request: Request, admin: Administrator) -> Response:
    """Keep the language chosen in the page for the rest of the session, and go back."""
    form = await request.form()
    chosen, back = field(form, "language", limit=8), field(form, "back", limit=2000)
    if not back.startswith("/console/"):
        back = "/console/"  # only a page of the console: never another site
    if chosen not in LANGUAGES:
        t = console.translator(request)
        return await console.done(
            request,
            back,
            t._("There is no console language {code}.", code=chosen[:8]),
            ok=False,
        )
    async with console.app.store.transaction() as uow:
        await uow.kv.put(language_key(request.state.session), chosen, console.app.clock.now())
    return RedirectResponse(back, status_code=303)


def routes(console: Console) -> list[BaseRoute]:
    """The routes of signing in and out."""

    async def explain(request: Request) -> Response:
        return await console.page(request, "signin.html")

    async def link(request: Request) -> Response:
        token = request.path_params["token"]
        async with console.app.store.transaction() as uow:
            usable = await link_is_usable(uow, token, console.app.clock.now())
        if not usable:
            return await console.page(request, "signin.html", refused=True, status=403)
        return await console.page(request, "signin_link.html")

    async def use(request: Request) -> Response:
        async with console.app.store.transaction() as uow:
            opened = await sign_in(uow, request.path_params["token"], console.app.clock.now())
        if opened is None:
            return await console.page(request, "signin.html", refused=True, status=403)
        response = RedirectResponse("/console/", status_code=303)
        response.set_cookie(
            COOKIE,
            opened[0],
            httponly=True,
            secure=console.secure,
            samesite="lax",
            path="/console",
        )
        return response

    async def logout(console: Console, request: Request, admin: Administrator) -> Response:
        async with console.app.store.transaction() as uow:
            await sign_out(uow, request.state.session, console.actor(admin))
            await uow.kv.pop(language_key(request.state.session))
        response = RedirectResponse("/console/signin", status_code=303)
        response.delete_cookie(COOKIE, path="/console", secure=console.secure, httponly=True)
        return response

    return [
        Route("/signin", explain, methods=["GET"]),
        Route("/signin/{token}", link, methods=["GET"]),
        Route("/signin/{token}", use, methods=["POST"]),
        Route("/logout", console.guard(logout), methods=["POST"]),
        Route("/language", console.guard(language), methods=["POST"]),
    ]
