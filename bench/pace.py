"""One pace across processes: reminders and replies from three processes on one PostgreSQL
database, against the fake Bot API enforcing Telegram's limits.

Each process (`python -m bench.pace worker`, a subprocess) builds the product as `serve`
does — migrated database, engine, the Telegram channel relaying (inbox workers, a candidate
for the sender's lease) — and, once told to go, delivers one reminder to each of its own
chats through `TelegramChannel.deliver` (what a reminder sweep or a broadcast calls), eight
at a time. At the same moment this process queues one reply for each of as many other chats
in the outbox, which the elected sender (one of the three) sends. The fake answers 429 to
any message over 30 in a rolling second overall or over 3 in 3 s to one chat, counted when
the request arrives. Real time: the limit is a physical ceiling.

`shared=False` runs the same with each process pacing alone (the code before the shared
pace): that is what the shared pace is measured against.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from bench.fanout import REMINDER
from bot.adapters.telegram.channel import from_settings
from bot.app import build
from config.settings import load_settings
from handlers.events import Destination, Reply, outbox_body
from storage.relay_models import OutboxItem
from tests.fakes import serve_loopback
from tests.fakes.telegram_server import TOKEN, Call, FakeTelegram

FIRST_CHAT = 7_100_000_000
CONCURRENCY = 8
"""Deliveries one process has in hand at once (a sweep sends one at a time; a broadcast
and a sweep together, or a digest, more)."""
BOUND = 300.0
LINGER = 30.0
"""Seconds the replies still queued once every reminder went are given to go out."""
OVERALL = 30


async def measure(
    database_url: str, workdir: Path, messages: int, *, processes: int = 3, shared: bool = True
) -> dict[str, Any]:
    """Send `messages` (three quarters reminders, one quarter replies) from `processes`."""
    replies = messages // 4
    per_process = (messages - replies) // processes
    fake = FakeTelegram(max_poll_wait=1.0)
    async with serve_loopback(fake.app) as url:
        fake.url = url
        settings = load_settings(database_url=database_url, files_dir=workdir / "files")
        app = await build(settings)
        async with app.store.transaction() as uow:
            await uow.session.execute(delete(OutboxItem))
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "FILES_DIR": str(workdir / "files"),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": f"{url}/bot",
            "LOG_LEVEL": "WARNING",
        }
        workers = []
        for n in range(processes):
            first = FIRST_CHAT + n * per_process
            log = (workdir / f"pace-{n}.log").open("wb")
            workers.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bench.pace",
                    "worker",
                    str(first),
                    str(per_process),
                    "shared" if shared else "alone",
                    env=env,
                    cwd=Path(__file__).parents[1],
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=log,
                )
            )
            log.close()
        try:
            for worker in workers:
                assert worker.stdout is not None
                if (await worker.stdout.readline()).strip() != b"ready":
                    raise RuntimeError("a worker did not start: see bench logs in " + str(workdir))
            fake.enforce_limits(time.monotonic, private=(3, 3.0))
            expected = processes * per_process + replies
            arrived = asyncio.Event()
            sent = [0]

            def answered(call: Call) -> None:
                sent[0] += call.method == "sendMessage"
                if sent[0] >= expected:
                    arrived.set()

            fake.on_answered = answered
            started = time.monotonic()
            for worker in workers:
                assert worker.stdin is not None
                worker.stdin.write(b"go\n")
                await worker.stdin.drain()
            first_reply = FIRST_CHAT + processes * per_process
            now = datetime.now(UTC)
            for chat in range(first_reply, first_reply + replies):
                body = outbox_body([Reply(f"Thank you, {chat}.")], Destination(str(chat), {}))
                await app.store.relay.enqueue("telegram", str(chat), body, now)
            async with asyncio.timeout(BOUND):
                for worker in workers:
                    assert worker.stdout is not None
                    await worker.stdout.readline()  # "done": its reminders went or failed.
            # Replies still queued go out meanwhile; a message refused too often is lost.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), LINGER)
            assert fake.limits is not None
            arrivals = [at for at, _ in fake.limits.accepted]
            elapsed = max(arrivals) - started
        finally:
            for worker in workers:
                if worker.stdin is not None and worker.returncode is None:
                    worker.stdin.write(b"stop\n")
                    await worker.stdin.drain()
            for worker in workers:
                await worker.wait()
            await app.close()
            fake.close()
    rate = len(arrivals) / elapsed
    return {
        "processes": processes,
        "pace": "shared" if shared else "each alone",
        "messages": len(arrivals),
        "not delivered": expected - len(arrivals),
        "seconds": round(elapsed, 2),
        "msg/s": round(rate, 1),
        "% of 30/s": round(100 * rate / OVERALL, 1),
        "most in 1 s": _most_in_a_second(arrivals),
        "429s": fake.floods,
    }


def _most_in_a_second(times: list[float]) -> int:
    times = sorted(times)
    most = end = 0
    for start, at in enumerate(times):
        while end < len(times) and times[end] < at + 1.0:
            end += 1
        most = max(most, end - start)
    return most


async def worker(first: int, count: int, shared: bool) -> None:
    """One process: the channel as `serve` runs it; on `go`, one reminder to each chat."""
    settings = load_settings()
    app = await build(settings)
    channel = from_settings(settings, app.engine)
    await channel.start()
    if not shared:
        channel.limiter.share(None, "")
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print("ready", flush=True)
    try:
        await reader.readline()
        chats = iter(range(first, first + count))

        async def stream() -> None:
            for chat in chats:
                try:
                    await channel.deliver(str(chat), [REMINDER])
                except Exception as exc:  # Counted by the fake; the bench goes on.
                    print(f"reminder to {chat} failed: {exc}", file=sys.stderr)

        await asyncio.gather(*(stream() for _ in range(CONCURRENCY)))
        print("done", flush=True)
        await reader.readline()
    finally:
        await channel.close()
        await app.close()


if __name__ == "__main__":
    if sys.argv[1:2] != ["worker"]:
        raise SystemExit("usage: python -m bench.pace worker FIRST_CHAT COUNT shared|alone")
    asyncio.run(worker(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "shared"))
