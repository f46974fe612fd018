"""Start-up time and peak resident memory of `intersessional run`, or the peer, on the fake.

Start-up is measured from spawning the process to its first getUpdates call (imports,
settings, migrations, consultations loaded, getMe, commands set). Peak memory is the kernel's
high-water mark of the process (VmHWM in /proc/<pid>/status), read when idle, again after
N updates from N different people have each been answered, and again once a few of them have
walked to a text question and typed an answer (the first answer loads the language
profiles that tag it). The peer (`bench.peer_bot`, python-telegram-bot's own stack) is
measured the same way, so the two figures stand side by side.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from tests.fakes import serve_loopback
from tests.faults.bot_process import BotProcess, ObservedTelegram, Person

FIRST_USER = 6_100_000_000


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/<pid>/status")


class CommandProcess(BotProcess):
    """`intersessional run` itself (the console script), rather than `python -m bot run`."""

    def command(self) -> list[str]:
        """What to run."""
        script = shutil.which("intersessional", path=str(Path(sys.executable).parent))
        return [script, "run"] if script else [sys.executable, "-m", "bot", "run"]

    async def start(self) -> None:
        """Start the command; returns once it is ready (`ready`)."""
        self.starts += 1
        seen = self.fake.getupdates
        log = (self.workdir / f"bot-{self.starts}.log").open("wb")
        self.fake.process = await asyncio.create_subprocess_exec(
            *self.command(),
            cwd=self.workdir,
            env=self.env | {"LOG_LEVEL": "WARNING"},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        log.close()
        await self.ready(seen)

    async def ready(self, getupdates: int) -> None:
        """Wait until the process has made a getUpdates call after the first `getupdates`."""
        await self.fake.wait_for(
            lambda: self.fake.getupdates > getupdates or self.fake.process is None
        )


async def walk(fake: ObservedTelegram, person: Person, code: str) -> None:
    """From the invite to a text question of an agenda item, and a typed answer."""
    from bench.telegram import ONBOARDING, TEXT  # bench.telegram imports this module

    for kind, argument, marker in (*ONBOARDING, ("say", TEXT, "Submit")):
        before = len(fake.calls)
        if kind == "say":
            person.inject(person.text_update(argument.format(code=code)))
        else:
            person.inject(person.press_update(argument))
        await fake.wait_for(lambda b=before, m=marker: m in person.shown(b), bound=120.0)


async def measure(
    workdir: Path, updates: int, answering: int = 20, *, bot: str = "intersessional"
) -> dict[str, Any]:
    """Start the command, time it, answer `updates` people, then let `answering` of them
    type an answer; its peak memory at each stage.

    `bot` is "intersessional" (`intersessional run`) or "peer" (`bench.peer_bot` polling,
    which takes any invite code), measured alike.
    """
    from bench.telegram import bot_process, invite_codes  # bench.telegram imports this module

    fake = ObservedTelegram()
    database_url = f"sqlite+aiosqlite:///{workdir}/startup.db"
    codes = await invite_codes(bot, database_url, workdir, answering)
    async with serve_loopback(fake.app) as url:
        fake.url = url
        command = bot_process(bot, "polling", fake, database_url, workdir)
        started = time.perf_counter()
        await command.start()
        startup = time.perf_counter() - started
        process = fake.process
        if process is None:
            raise RuntimeError(f"{bot} ended at start-up:\n" + command.logs())
        try:
            await asyncio.sleep(1.0)  # settle: the scheduler's first sweep, lazy imports
            idle = peak_rss_mb(process.pid)
            ids = itertools.count(900_000_000)
            people = [Person(fake, FIRST_USER + n, ids) for n in range(updates)]
            started = time.perf_counter()
            for person in people:
                person.inject(person.text_update("Hello, I would like to contribute."))
            await fake.wait_for(
                lambda: all(fake.messages.get(p.user_id) for p in people), bound=300.0
            )
            answered = time.perf_counter() - started
            loaded = peak_rss_mb(process.pid)
            walks = [Person(fake, FIRST_USER + updates + n, ids) for n in range(answering)]
            await asyncio.gather(*(walk(fake, p, c) for p, c in zip(walks, codes, strict=True)))
            answered_peak = peak_rss_mb(process.pid)
        finally:
            await command.stop()
            fake.close()
    return {
        "bot": bot,
        "start-up s": round(startup, 2),
        "idle peak MB": round(idle, 1),
        "updates": updates,
        "answered in s": round(answered, 2),
        "updates/s": round(updates / answered, 1),
        "peak MB after": round(loaded, 1),
        "answering": answering,
        "peak MB after answers": round(answered_peak, 1),
    }
