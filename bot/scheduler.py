"""The scheduler of the long-running processes: a sweep every minute sends what is due.

One APScheduler `AsyncIOScheduler` with jobs defined here in code. A job takes only its id;
what is due is computed from our tables at each sweep (`bot.reminders.due_reminders`,
`bot.digest.schedule.due_digests`), so nothing is pickled, and a second process or a
restart finds the same answer, the ledger making sure each goes out once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot import reminders
from bot.app import App
from bot.digest import schedule as digest_schedule

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60
"""How often the sweeps run."""

UPDATE_MEMORY = timedelta(days=7)
"""How long a processed update id is remembered. Telegram keeps an unconfirmed update for
24 hours and Slack retries an event within minutes, so a week covers every redelivery;
without forgetting, the table would grow with every message ever received."""
QUIET_WINDOW_SECONDS = 3600.0
"""A shared window of the outbound pace unused this long is forgotten (`storage.pace`)."""

Job = Callable[[], Awaitable[object]]


def default_jobs(app: App) -> dict[str, Job]:
    """The sweeps every long-running process runs: reminders, digests, housekeeping."""

    async def remind() -> object:
        report = await reminders.sweep(app.store, app.outboxes, app.clock)
        if report.due or report.uncertain:
            log.info("reminders: %s", report.summary())
        return report

    async def digest() -> object:
        return await digest_schedule.sweep(
            app.store, app.outboxes, app.clock, app.settings, translator=app.translator
        )

    async def housekeeping() -> object:
        async with app.store.transaction() as uow:
            forgotten = await uow.updates.forget_before(app.clock.now() - UPDATE_MEMORY)
        if forgotten:
            log.info("forgot %d processed update ids older than %s", forgotten, UPDATE_MEMORY)
        # Sent replies are kept as long, so an operator can see what went out, and when.
        sent = await app.store.relay.forget_sent(app.clock.now() - UPDATE_MEMORY)
        if sent:
            log.info("forgot %d sent replies older than %s", sent, UPDATE_MEMORY)
        # The windows of chats written to long ago: made again when next used.
        await app.store.pace.forget_quiet(QUIET_WINDOW_SECONDS)
        # Files an erasure marked for removal are removed after its commit; a process that
        # died in between leaves them marked, and this sweep finishes the work.
        removed = await app.store.collect_files(app.files.remove)
        if removed:
            log.info("removed %d stored files no document refers to any more", removed)
        return forgotten

    return {"reminders": remind, "digests": digest, "housekeeping": housekeeping}


class Scheduler:
    """Runs each job at start and every `interval` seconds; one run of a job at a time."""

    def __init__(
        self,
        app: App,
        *,
        jobs: Mapping[str, Job] | None = None,
        interval: float = SWEEP_SECONDS,
    ) -> None:
        self.jobs = dict(jobs) if jobs is not None else default_jobs(app)
        self.interval = interval
        self._scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._running: set[asyncio.Task[None]] = set()

    async def run_job(self, job_id: str) -> None:
        """Run one job by its id; a failure is logged and the next sweep tries again."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await self.jobs[job_id]()
        except Exception:
            log.exception("scheduled job %s failed", job_id)
        finally:
            if task is not None:
                self._running.discard(task)

    def start(self) -> None:
        """Start the sweeps: each job runs now, then every `interval` seconds."""
        for job_id in self.jobs:
            self._scheduler.add_job(
                self.run_job,
                IntervalTrigger(seconds=self.interval),
                args=[job_id],
                id=job_id,
                replace_existing=True,
            )
            self._scheduler.add_job(self.run_job, args=[job_id], id=f"{job_id}-at-start")
        self._scheduler.start()
        log.info("scheduler started: %s every %s s", ", ".join(self.jobs), self.interval)

    def job_ids(self) -> list[str]:
        """The ids of the scheduled jobs."""
        return sorted(job.id for job in self._scheduler.get_jobs())

    async def stop(self) -> None:
        """Stop scheduling and let a sweep in progress finish.

        The scheduler's shutdown cancels running jobs, and a send cancelled mid-way would be
        left uncertain; so new runs are paused first and the running ones awaited.
        """
        if self._scheduler.running:
            self._scheduler.pause()
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


@asynccontextmanager
async def scheduled(app: App) -> AsyncIterator[Scheduler]:
    """The scheduler running for the life of a long-running process."""
    scheduler = Scheduler(app)
    scheduler.start()
    try:
        yield scheduler
    finally:
        await scheduler.stop()
