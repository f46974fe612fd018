"""Commands that only send (`remind`, `broadcast`) reach Telegram through the real channel.

`main()` runs its own event loop, so each command runs in a worker thread while the fake
Bot API serves on loopback from the test's loop. Participants are onboarded through the
engine as Telegram users whose private chat id is their user id, as Telegram has it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import runtime
from bot.app import build, load_into
from config.consultation import load_consultations
from config.settings import BUNDLED_CONSULTATIONS, load_settings
from handlers.actions import Resume
from handlers.conversation import EngineOptions
from handlers.engine import Engine
from handlers.ports import FileStore, FixedClock
from storage.db import create_engine, session_factory
from storage.models import AuditEntry, Delivery, ParticipantStatus
from storage.repositories import Store
from tests.commandline import Run, point_at, run
from tests.conftest import NOW, Chat, new_invite, onboard
from tests.fakes.telegram_server import TOKEN, FakeTelegram, on_loopback, parse_html
from tests.scheduler.test_cli import consultation_due_now


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API on 127.0.0.1."""
    async with on_loopback(FakeTelegram()) as server:
        yield server


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, fake: FakeTelegram
) -> Path:
    """The command line on the test database, with TELEGRAM_BASE_URL at the fake server."""
    point_at(monkeypatch, tmp_path, database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_BASE_URL", f"{fake.url}/bot")
    return tmp_path


@pytest.fixture
async def loaded(database_url: str) -> AsyncIterator[Store]:
    """A store of the test's own, to prepare data before a command runs."""
    database = create_engine(database_url)
    try:
        yield Store(session_factory(database))
    finally:
        await database.dispose()


async def telegram_participant(
    store: Store, clock: FixedClock, files: Path, user_id: int, organisation: str, consultation: str
) -> int:
    """A participant onboarded from Telegram; their id."""
    engine = Engine(store, clock=clock, files=FileStore(files), options=EngineOptions())
    code = await new_invite(store, clock, organisation=organisation, consultation=consultation)
    await onboard(Chat(engine, str(user_id), "telegram"), code, publish=False)
    async with store.transaction() as uow:
        identity = await uow.identities.get("telegram", str(user_id))
        assert identity is not None
        assert identity.participant_id is not None
        identity.chat_id = str(user_id)
        return identity.participant_id


async def command(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """Run the command line in a thread, so the fake keeps serving on this loop."""
    return await asyncio.to_thread(run, capsys, *argv)


async def ledger(store: Store) -> list[Delivery]:
    async with store.transaction() as uow:
        return list(await uow.deliveries.everything())


async def audit(store: Store) -> list[AuditEntry]:
    async with store.transaction() as uow:
        return list(await uow.audit.since())


async def test_remind_sends_a_due_reminder_to_telegram_once(
    cli: Path,
    fake: FakeTelegram,
    loaded: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, due = consultation_due_now(cli / "consultations")
    monkeypatch.setenv("CONSULTATIONS_PATH", str(folder))
    clock = FixedClock(due - timedelta(days=1))
    await load_into(loaded, load_consultations(folder), clock)
    participant = await telegram_participant(
        loaded, clock, cli / "files", 4711, "Criminologists without Borders", "test-remind"
    )
    async with loaded.transaction() as uow:
        [item] = await uow.consultations.items("test-remind")

    first = await command(capsys, "remind")

    assert first.code == 0, first.err
    assert "sent: 1," in first.err
    # Only sending: the token check, then the reminder; no polling, no webhook change.
    assert [call.method for call in fake.calls] == ["getMe", "sendMessage"]
    [reminder] = fake.sent("sendMessage", chat_id=4711)
    assert parse_html(reminder.params["text"]).startswith(
        "Reminder: submissions for Reminder test close on "
    )
    assert "• Agenda item 2: Briefing — 1 required question unanswered" in parse_html(
        reminder.params["text"]
    )
    assert reminder.params["reply_markup"]["inline_keyboard"] == [
        [{"text": "Agenda item 2", "callback_data": Resume(item.id).payload()}]
    ]
    [row] = await ledger(loaded)
    assert (row.kind, row.status, row.participant_id) == ("reminder", "sent", participant)

    second = await command(capsys, "remind")

    assert second.code == 0, second.err
    assert "sent: 0," in second.err
    assert len(fake.sent("sendMessage")) == 1
    assert len(await ledger(loaded)) == 1


async def test_remind_dry_run_does_not_even_open_the_channel(
    cli: Path,
    fake: FakeTelegram,
    loaded: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, due = consultation_due_now(cli / "consultations")
    monkeypatch.setenv("CONSULTATIONS_PATH", str(folder))
    clock = FixedClock(due - timedelta(days=1))
    await load_into(loaded, load_consultations(folder), clock)
    await telegram_participant(
        loaded, clock, cli / "files", 4711, "Criminologists without Borders", "test-remind"
    )

    result = await command(capsys, "remind", "--dry-run")

    assert result.code == 0, result.err
    assert "to send: 1," in result.err
    assert fake.calls == []
    assert await ledger(loaded) == []


async def broadcast_audience(loaded: Store, files: Path) -> None:
    """Two participants of the 2027 consultation on Telegram, one on a platform not running."""
    clock = FixedClock(NOW)
    await load_into(loaded, load_consultations(BUNDLED_CONSULTATIONS), clock)
    await telegram_participant(
        loaded, clock, files, 4711, "Criminologists without Borders", "wgic-18-2027"
    )
    await telegram_participant(
        loaded, clock, files, 4712, "Institute for Data Ethics", "wgic-18-2027"
    )
    engine = Engine(loaded, clock=clock, files=FileStore(files), options=EngineOptions())
    code = await new_invite(loaded, clock, organisation="Open Borders Lab")
    await onboard(Chat(engine, "carol"), code, publish=False)


async def test_broadcast_previews_without_yes_and_sends_nothing(
    cli: Path, fake: FakeTelegram, loaded: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    await broadcast_audience(loaded, cli / "files")

    result = await command(
        capsys, "broadcast", "--consultation", "wgic-18-2027", "The deadline is near."
    )

    assert (result.code, result.out, result.err) == (
        0,
        "This message will go to 3 participants of wgic-18-2027:\n\nThe deadline is near.\n",
        "Nothing was sent; add --yes to send it.\n",
    )
    assert fake.calls == []
    assert "admin.broadcast" not in [entry.action for entry in await audit(loaded)]


async def test_broadcast_with_yes_delivers_to_each_participant_and_is_audited(
    cli: Path, fake: FakeTelegram, loaded: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    await broadcast_audience(loaded, cli / "files")

    result = await command(
        capsys, "broadcast", "--consultation", "wgic-18-2027", "The deadline is near.", "--yes"
    )

    assert (result.code, result.out) == (
        0,
        "Delivered to 2 of 3; unreachable: 0; failed: 0; no running channel: 1.\n",
    )
    sent = {call.params["chat_id"]: call.params["text"] for call in fake.sent("sendMessage")}
    expected = "Message from the secretariat:\n\nThe deadline is near."
    assert {chat: parse_html(text) for chat, text in sent.items()} == {
        4711: expected,
        4712: expected,
    }
    [entry] = [entry for entry in await audit(loaded) if entry.action == "admin.broadcast"]
    assert (entry.actor, entry.channel) == ("cli", "cli")
    assert entry.detail == {
        "consultation": "wgic-18-2027",
        "missing": False,
        "recipients": 3,
        "text": "The deadline is near.",
    }


async def test_broadcast_of_an_empty_message_is_refused(
    cli: Path, fake: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await command(capsys, "broadcast", "--consultation", "wgic-18-2027", "  ", "--yes")

    assert (result.code, result.err) == (
        2,
        "intersessional: Please add the message to send.\n",
    )
    assert [call.method for call in fake.calls] == ["getMe"]


async def test_sending_channels_register_the_outbox_and_remove_it_on_exit(
    fake: FakeTelegram, database_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    settings = load_settings(
        database_url=database_url,
        files_dir=tmp_path / "files",
        telegram_bot_token=TOKEN,
        telegram_base_url=f"{fake.url}/bot",
    )
    app = await build(settings, clock=clock)
    try:
        async with runtime.sending_channels(app) as outboxes:
            assert list(outboxes) == ["telegram"]
            assert app.engine.services is not None
        assert app.outboxes == {}
    finally:
        await app.close()
    assert [call.method for call in fake.calls] == ["getMe"]


async def test_a_telegram_channel_that_cannot_start_is_left_out(
    fake: FakeTelegram,
    database_url: str,
    tmp_path: Path,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = load_settings(
        database_url=database_url,
        files_dir=tmp_path / "files",
        telegram_bot_token="1:not-the-token-the-fake-knows",
        telegram_base_url=f"{fake.url}/bot",
    )
    app = await build(settings, clock=clock)
    try:
        async with runtime.sending_channels(app) as outboxes:
            assert outboxes == {}
    finally:
        await app.close()
    assert (
        "Telegram: cannot send from this command (TELEGRAM_BOT_TOKEN: Telegram refused the "
        "token (401 Unauthorized). Fix: copy the token from @BotFather again)"
    ) in caplog.text
    assert "not-the-token-the-fake-knows" not in caplog.text


async def test_approve_on_the_command_line_tells_the_participant_on_telegram(
    cli: Path, fake: FakeTelegram, loaded: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FixedClock(NOW)
    await load_into(loaded, load_consultations(BUNDLED_CONSULTATIONS), clock)
    participant = await telegram_participant(
        loaded, clock, cli / "files", 4711, "Criminologists without Borders", "wgic-18-2027"
    )
    async with loaded.transaction() as uow:
        waiting = await uow.participants.get(participant)
        assert waiting is not None
        waiting.status = ParticipantStatus.PENDING

    result = await command(capsys, "approve", str(participant))

    assert (result.code, result.out) == (
        0,
        f"Participant {participant} (Criminologists without Borders) is approved."
        " The participant was told.\n",
    )
    [told] = fake.sent("sendMessage", chat_id=4711)
    assert parse_html(told.params["text"]) == (
        "The secretariat approved your registration: you can now answer. "
        "Send /start to see your consultations."
    )
