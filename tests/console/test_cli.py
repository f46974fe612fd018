"""`intersessional console link` and `console logout --all` on the test database."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.features.admin.console import sign_in
from handlers.ports import SystemClock
from storage.repositories import Store
from tests.commandline import run, with_store

pytestmark = pytest.mark.usefixtures("cli")


def test_link_prints_a_url_under_public_url_for_an_administrator(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    assert run(capsys, "admin", "add", "telegram:12345").code == 0
    refused = run(capsys, "console", "link", "telegram:12345")
    assert (refused.code, refused.out) == (2, "")
    assert refused.err == (
        "intersessional: set PUBLIC_URL to where `serve` is reached, e.g. https://bot.example.org\n"
    )
    monkeypatch.setenv("PUBLIC_URL", "https://bot.example.org/")
    made = run(capsys, "console", "link", "telegram:12345")
    assert made.code == 0, made.err
    url, note = made.out.splitlines()
    assert url.startswith("https://bot.example.org/console/signin/")
    assert note == "(works once, within 10 minutes)"
    token = url.rsplit("/", 1)[1]

    async def use(store: Store) -> str | None:
        async with store.transaction() as uow:
            opened = await sign_in(uow, token, SystemClock().now())  # the command's clock
        return None if opened is None else opened[1].name

    assert with_store(database_url, use, load=False) == "admin:telegram:12345"


def test_link_refuses_an_account_that_is_no_administrator(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://bot.example.org")
    refused = run(capsys, "console", "link", "telegram:999")
    assert (refused.code, refused.out) == (2, "")
    assert refused.err == "intersessional: telegram:999 is no administrator.\n"
    wrong = run(capsys, "console", "link", "nowhere")
    assert wrong.code == 2
    assert "is not platform:user_id" in wrong.err


def test_logout_all(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "console", "logout").code == 2
    done = run(capsys, "console", "logout", "--all")
    assert (done.code, done.out) == (0, "0 console session(s) signed out\n")
