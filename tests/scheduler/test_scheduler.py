"""The APScheduler sweeps inside the long-running processes (waiting on events, not time)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.scheduler import SWEEP_SECONDS, UPDATE_MEMORY, Scheduler, default_jobs, scheduled
from config.settings import Settings
from handlers.engine import Engine
from handlers.ports import FileStore, FixedClock
from storage.db import create_engine
from storage.models import DeliveryStatus
from storage.repositories import Store
from tests.conftest import Chat, onboard
from tests.scheduler.conftest import SLOT_14D, RecordingOutbox, ledger


async def test_each_job_runs_at_start_by_its_id_and_stop_waits_for_it() -> None:
    started: dict[str, asyncio.Event] = {"reminders": asyncio.Event(), "digests": asyncio.Event()}
    release = asyncio.Event()
    finished: list[str] = []

    def job(name: str):  # type: ignore[no-untyped-def]
        async def run() -> None:
            started[name].set()
            await release.wait()
            finished.append(name)

        return run

    scheduler = Scheduler(None, jobs={name: job(name) for name in started})  # type: ignore[arg-type]
    assert scheduler.interval == SWEEP_SECONDS == 60
    scheduler.start()
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in started.values())), timeout=10)
    assert scheduler.job_ids() == ["digests", "reminders"]  # the runs at start are done with
    stopping = asyncio.create_task(scheduler.stop())
    await asyncio.sleep(0)
    assert not stopping.done()  # a sweep in progress is let finish
    release.set()
    await asyncio.wait_for(stopping, timeout=10)
    assert sorted(finished) == ["digests", "reminders"]


async def test_a_failing_job_is_logged_and_the_scheduler_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ran = asyncio.Event()

    async def broken() -> None:
        ran.set()
        raise RuntimeError("database gone")

    scheduler = Scheduler(None, jobs={"reminders": broken})  # type: ignore[arg-type]
    scheduler.start()
    await asyncio.wait_for(ran.wait(), timeout=10)
    await scheduler.stop()
    assert "scheduled job reminders failed" in caplog.text


@pytest.fixture
async def app(
    database_url: str,
    store: Store,
    clock: FixedClock,
    engine: Engine,
    files: FileStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[App]:
    monkeypatch.chdir(tmp_path)
    database = create_engine(database_url)
    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    yield App(settings, database, store, engine, clock, files)
    await database.dispose()


async def test_the_real_sweeps_send_a_due_reminder_through_the_app_s_outboxes(
    app: App, engine: Engine, store: Store, clock: FixedClock, invite: str
) -> None:
    await onboard(Chat(engine, "alice"), invite)
    clock.set(SLOT_14D)
    outbox = RecordingOutbox()
    app.outboxes["test"] = outbox
    async with scheduled(app):
        await asyncio.wait_for(outbox.entered.wait(), timeout=30)
    assert [chat for chat, _ in outbox.sent] == ["chat-alice"]
    reminders = [row for row in await ledger(store) if row.kind == "reminder"]
    assert [row.status for row in reminders] == [DeliveryStatus.SENT]


async def test_housekeeping_forgets_update_ids_after_a_week_and_only_then(
    app: App, engine: Engine, store: Store, clock: FixedClock
) -> None:
    start = clock.now()
    stranger = Chat(engine, "bob")
    await stranger.say("hello", update_id="old")
    clock.set(start + UPDATE_MEMORY - timedelta(seconds=1))
    await stranger.say("hello again", update_id="recent")
    clock.set(start + UPDATE_MEMORY + timedelta(seconds=1))
    housekeeping = default_jobs(app)["housekeeping"]
    assert await housekeeping() == 1
    assert await housekeeping() == 0
    async with store.transaction() as uow:
        assert not await uow.updates.seen("test", "old")
        assert await uow.updates.seen("test", "recent")
    # A redelivery inside the week is still recognised.
    assert await stranger.say("hello again", update_id="recent") == []


async def test_trust_01_housekeeping_removes_files_an_interrupted_erasure_left(
    app: App, store: Store
) -> None:
    pdf = b"%PDF-1.7\n%%EOF\n"
    async with store.transaction() as uow:
        stored = await app.files.put(pdf, ".pdf", hold=uow.blobs.hold)
    async with store.transaction() as uow:  # an erasure committed; its process then died
        assert await uow.blobs.release([stored.path]) == [stored.path]
    assert (app.files.root / stored.path).exists()
    await default_jobs(app)["housekeeping"]()
    assert not (app.files.root / stored.path).exists()
    async with store.transaction() as uow:
        assert await uow.blobs.doomed() == []
