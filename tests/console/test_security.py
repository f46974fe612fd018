"""The console's security: nothing without a session, one-time links, CSRF, escaping and
headers — plain HTTP against the web app of `serve`."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from bot.app import App
from bot.web import MAX_REQUEST_BYTES
from handlers.features.admin.console import LINK_LIFETIME
from handlers.ports import FixedClock
from tests.console.conftest import ADMIN, csrf_of, link_token, signed_in

EXPLAINS = 'send <code dir="ltr">/admin console</code> to the bot'
PAGES = ["/console/", "/console/progress/wgic-18-2027"]


@pytest.mark.parametrize("path", PAGES)
async def test_without_a_session_every_page_sends_to_the_explanation(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/signin"
    explanation = await client.get("/console/signin")
    assert explanation.status_code == 200
    assert EXPLAINS in explanation.text
    assert "wgic-18-2027" not in explanation.text
    assert "<nav" not in explanation.text
    assert 'name="csrf"' not in explanation.text


async def test_a_made_up_cookie_is_no_session(client: httpx.AsyncClient) -> None:
    client.cookies.set("console_session", "made-up", domain="console.test")
    response = await client.get("/console/")
    assert response.headers["location"] == "/console/signin"


async def test_a_link_signs_in_once(client: httpx.AsyncClient, app: App) -> None:
    token = await link_token(app)
    shown = await client.get(f"/console/signin/{token}")
    assert shown.status_code == 200
    assert '<button type="submit" class="primary">Sign in</button>' in shown.text
    used = await client.post(f"/console/signin/{token}")
    assert used.status_code == 303
    cookie = used.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/console" in cookie
    page = await client.get("/console/")
    assert page.status_code == 200
    assert "wgic-18-2027" in page.text
    client.cookies.clear()
    again = await client.post(f"/console/signin/{token}")
    assert again.status_code == 403
    assert "cannot be used" in again.text
    assert "set-cookie" not in again.headers
    assert (await client.get(f"/console/signin/{token}")).status_code == 403


async def test_an_expired_link_is_refused(
    client: httpx.AsyncClient, app: App, clock: FixedClock
) -> None:
    token = await link_token(app)
    clock.set(clock.now() + LINK_LIFETIME + timedelta(seconds=1))
    assert (await client.get(f"/console/signin/{token}")).status_code == 403
    response = await client.post(f"/console/signin/{token}")
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


async def test_the_link_of_a_removed_administrator_is_refused(
    client: httpx.AsyncClient, app: App
) -> None:
    token = await link_token(app)
    async with app.store.transaction() as uow:
        assert await uow.admins.remove(*ADMIN)
    response = await client.post(f"/console/signin/{token}")
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


async def test_a_removed_administrator_is_signed_out_at_once(
    client: httpx.AsyncClient, app: App
) -> None:
    await signed_in(client, app)
    async with app.store.transaction() as uow:
        assert await uow.admins.remove(*ADMIN)
    assert (await client.get("/console/")).headers["location"] == "/console/signin"


async def test_a_session_left_idle_ends(
    client: httpx.AsyncClient, app: App, clock: FixedClock
) -> None:
    await signed_in(client, app)
    clock.set(clock.now() + timedelta(minutes=29))
    assert (await client.get("/console/")).status_code == 200
    clock.set(clock.now() + timedelta(minutes=31))
    assert (await client.get("/console/")).headers["location"] == "/console/signin"


async def test_a_post_without_the_csrf_token_changes_nothing(
    client: httpx.AsyncClient, app: App
) -> None:
    csrf = await signed_in(client, app)
    for form in ({}, {"csrf": "0" * 64}):
        refused = await client.post("/console/logout", data=form)
        assert refused.status_code == 403
        assert "security token" in refused.text
        assert (await client.get("/console/")).status_code == 200
    out = await client.post("/console/logout", data={"csrf": csrf})
    assert out.status_code == 303
    assert (await client.get("/console/")).headers["location"] == "/console/signin"


async def test_logout_all_from_the_command_line_ends_every_session(
    client: httpx.AsyncClient, app: App
) -> None:
    from handlers.features.admin.common import Actor
    from handlers.features.admin.console import sign_out_everyone

    await signed_in(client, app)
    async with app.store.transaction() as uow:
        assert await sign_out_everyone(uow, Actor("cli", "cli", app.clock.now())) == 1
    assert (await client.get("/console/")).headers["location"] == "/console/signin"


async def test_the_headers(client: httpx.AsyncClient, app: App) -> None:
    await signed_in(client, app)
    for path in ("/console/", "/console/signin"):
        headers = (await client.get(path)).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        assert headers["x-content-type-options"] == "nosniff"
    script = await client.get("/console/static/console.js")
    assert script.status_code == 200
    assert "content-security-policy" in script.headers


async def test_signing_in_and_out_is_audited_with_the_channel_web(
    client: httpx.AsyncClient, app: App
) -> None:
    csrf = await signed_in(client, app)
    await client.post("/console/logout", data={"csrf": csrf})
    async with app.store.transaction() as uow:
        entries = [(e.actor, e.action, e.channel) for e in await uow.audit.since()]
    assert entries[-3:] == [
        ("cli", "console.link_issued", "cli"),
        ("admin:telegram:4242", "console.signed_in", "web"),
        ("admin:telegram:4242", "console.signed_out", "web"),
    ]


def test_csrf_of_finds_the_token() -> None:
    page = httpx.Response(200, text='<input type="hidden" name="csrf" value="ab12">')
    assert csrf_of(page) == "ab12"


async def test_a_body_over_the_limit_is_refused_before_it_is_read(
    client: httpx.AsyncClient, app: App
) -> None:
    csrf = await signed_in(client, app)
    response = await client.post(
        "/console/invites/import",
        data={"csrf": csrf},
        files={"file": ("big.csv", b"x" * (MAX_REQUEST_BYTES + 1), "text/csv")},
    )
    assert response.status_code == 413
    async with app.store.transaction() as uow:
        assert await uow.invites.list() == []
