"""Documents sent in Telegram: the size limit holds while the file is downloaded, not after."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.app import App
from config.settings import Settings
from handlers.ports import FixedClock
from tests.adapters.telegram.conftest import TelegramUser, onboard
from tests.conftest import new_invite
from tests.fakes.telegram_server import FakeTelegram

AMINA = 5230018431
LIMIT = 1024 * 1024
PDF = b"%PDF-1.7\n" + b"0" * (3 * 1024 * 1024)
"""A 3 MB PDF: three times MAX_DOCUMENT_BYTES in this module."""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """MAX_DOCUMENT_BYTES=1048576."""
    return settings.model_copy(update={"max_document_bytes": LIMIT})


async def to_the_document_question(user: TelegramUser, app: App, clock: FixedClock) -> None:
    await onboard(user, await new_invite(app.store, clock))
    await user.press("Constructive dialogue 2027")
    await user.press("Agenda item 4")
    await user.press("Capacity-building")
    await user.press("Skip ›")
    await user.say("Standardised request forms would help civil society follow cases.")
    assert "Send a PDF, DOCX or ODT file" in user.text


def unsized(fake: FakeTelegram, content: bytes) -> dict[str, Any]:
    """A PDF document as an update carries it, without file_size (Telegram omits it at times),
    which getFile's answer leaves out too."""
    document = {"file_name": "Submission.pdf", "mime_type": "application/pdf"}
    return document | fake.add_file(content, sized=False)


async def test_trust_15_a_document_without_a_size_is_refused_part_way_through_the_download(
    app: App, fake: FakeTelegram, clock: FixedClock, users: Callable[..., TelegramUser]
) -> None:
    amina = users(AMINA, "Amina")
    await to_the_document_question(amina, app, clock)
    await amina.send(amina.message("document", document=unsized(fake, PDF)))

    assert amina.text.startswith("This file is larger than 1 MB; please send a smaller one.")
    assert "Send a PDF, DOCX or ODT file" in amina.text  # the question again
    [download] = fake.downloads
    assert not download.complete
    assert download.disconnected
    assert LIMIT < download.served < len(PDF)  # what the connection took before it closed
    assert [p for p in app.files.root.rglob("*") if p.is_file()] == []


async def test_trust_15_a_document_within_the_limit_is_read_whole(
    app: App, fake: FakeTelegram, clock: FixedClock, users: Callable[..., TelegramUser]
) -> None:
    amina = users(AMINA, "Amina")
    await to_the_document_question(amina, app, clock)
    small = PDF[: LIMIT - 1]
    await amina.upload("Submission.pdf", small, "application/pdf")
    assert "Document: Submission.pdf" in amina.text
    [download] = fake.downloads
    assert (download.complete, download.served) == (True, len(small))
    [stored] = [p for p in app.files.root.rglob("*") if p.is_file()]
    assert stored.read_bytes() == small


async def test_trust_15_a_document_telegram_says_is_too_large_is_not_downloaded(
    app: App, fake: FakeTelegram, clock: FixedClock, users: Callable[..., TelegramUser]
) -> None:
    amina = users(AMINA, "Amina")
    await to_the_document_question(amina, app, clock)
    document = unsized(fake, PDF)
    fake.unsized.discard(document["file_id"])  # getFile knows the size; the update did not
    await amina.send(amina.message("document", document=document))
    assert amina.text.startswith("This file is larger than 1 MB; please send a smaller one.")
    assert fake.downloads == []
