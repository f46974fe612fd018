"""E-mailing an invite again from the console, to a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bot.app import App, build
from bot.web import create_web_app
from config.settings import load_settings
from handlers.ports import FixedClock
from tests.admin.test_invite_mail import BOT, Mailbox, smtp_server, subject
from tests.console.conftest import ADMIN, BASE, signed_in


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def mailing(
    database_url: str, tmp_path: Path, clock: FixedClock, mailbox: tuple[Mailbox, int]
) -> AsyncIterator[App]:
    settings = load_settings(
        database_url=database_url,
        files_dir=tmp_path / "files",
        public_url=BASE,
        admins=f"{ADMIN[0]}:{ADMIN[1]}",
        smtp_url=f"smtp://127.0.0.1:{mailbox[1]}",
        smtp_from="constructive-dialogue@unodc.example",
        telegram_bot_username=BOT,
    )
    built = await build(settings, clock=clock)
    yield built
    await built.close()


async def test_an_invite_is_emailed_again_in_the_language_chosen(
    mailing: App, mailbox: tuple[Mailbox, int]
) -> None:
    transport = httpx.ASGITransport(app=create_web_app(mailing))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        csrf = await signed_in(client, mailing)
        await client.post(
            "/console/invites/create",
            data={
                "csrf": csrf,
                "organisation": "Friends of the Court",
                "category": "ngo",
                "consultation": "wgic-18-2027",
                "email": "info@friends.example",
            },
        )
        async with mailing.store.transaction() as uow:
            [invite] = await uow.invites.list()
        page = await client.get("/console/invites")
        assert f"E-mail {invite.code} again to info@friends.example" in page.text
        sent = await client.post(
            "/console/invites/resend", data={"csrf": csrf, "code": invite.code, "language": "fr"}
        )
        assert sent.status_code == 303
        page = await client.get("/console/invites")
        assert f"Invite {invite.code} e-mailed to info@friends.example." in page.text
        [(recipients, message)] = mailbox[0].messages
        assert recipients == ["info@friends.example"]
        assert invite.code in message.get_body(("plain",)).get_content()
        assert subject(message).startswith("Invitation")
