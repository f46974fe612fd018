"""`make bench`: statement floor, engine, digest, fan-out, start-up, Telegram end to end;
tables on stdout, JSON in bench/results/.

Start-up and memory, and Telegram end to end with 20 people, are measured for our bot and,
in the same run, for the peer: `bench.peer_bot`, a canonical python-telegram-bot bot
(ConversationHandler, PicklePersistence, AIORateLimiter) on the same fake and traffic.

`python -m bench --quick` runs the small sizes only. PostgreSQL is measured as well when
BENCH_DATABASE_URL or DATABASE_URL names a PostgreSQL database (its tables are reused, so
use a database of its own), and then so are the benchmarks of many processes: one pace
across three (`bench.pace`) and the throughput of two against one (`bench.processes`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from bench import digest, engine, fanout, floor, pace, processes, startup, telegram
from config.settings import async_database_url

RESULTS = Path(__file__).parent / "results"


def _table(title: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    print(f"\n{title}")
    keys = list(rows[0])
    widths = [max(len(k), *(len(str(r[k])) for r in rows)) + 2 for k in keys]
    print("".join(k.rjust(w) for k, w in zip(keys, widths, strict=True)))
    for row in rows:
        print("".join(str(row[k]).rjust(w) for k, w in zip(keys, widths, strict=True)))


async def main(quick: bool) -> None:
    postgres = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    sizes = ((1, 200), (100, 200)) if quick else ((1, 500), (100, 1000), (1000, 2000))
    digests = (100,) if quick else (100, 1000, 10_000)
    fanout_size = 200 if quick else 1000
    updates = 50 if quick else 200
    # 20 people stay under the outbound ceiling (30 messages a second); 100 saturate it.
    # Under the ceiling the peer (bench.peer_bot, a canonical python-telegram-bot bot) runs
    # the same traffic beside ours.
    both = ("intersessional", "peer")
    telegram_sizes = (
        ((20, 100, both),) if quick else ((20, 200, both), (100, 1000, ("intersessional",)))
    )
    # Reminders and replies from three processes at Telegram's 30 a second (PostgreSQL).
    paced = 200 if quick else 1000
    # Two `serve` processes against one, limits lifted: enough people to keep them busy.
    crowd = (100, 300) if quick else (300, 900)
    steps: list[dict[str, Any]] = []
    builds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        floors = [await floor.measure(f"sqlite+aiosqlite:///{tmp}/floor.db")]
        if postgres.startswith("postgres"):
            floors.append(await floor.measure(async_database_url(postgres)))
        for participants, count in sizes:
            url = f"sqlite+aiosqlite:///{tmp}/engine{participants}.db"
            steps.append(await engine.measure(url, participants, count))
            if postgres.startswith("postgres"):
                steps.append(
                    await engine.measure(async_database_url(postgres), participants, count)
                )
        for size in digests:
            # Every format at the largest size; the old DOCX and XLSX beside them (about two
            # minutes and 1.6 GB more at 10,000: not in --quick).
            largest = size == digests[-1]
            builds.append(
                await asyncio.to_thread(
                    digest.in_own_process,
                    f"sqlite+aiosqlite:///{tmp}/digest{size}.db",
                    size,
                    formats=digest.FORMATS if largest else (),
                    naive=() if quick or not largest else ("docx", "xlsx"),
                )
            )
        renderings = [rendering for row in builds for rendering in row.pop("formats", [])]
        fanouts = []
        for concurrent in (True, False):
            workdir = Path(tmp) / f"fanout-{concurrent}"
            workdir.mkdir()
            fanouts.append(await fanout.measure(workdir, fanout_size, concurrent=concurrent))
        starts = []
        for bot in both:
            (Path(tmp) / f"startup-{bot}").mkdir()
            starts.append(await startup.measure(Path(tmp) / f"startup-{bot}", updates, bot=bot))
        paces = []
        if postgres.startswith("postgres"):
            for shared in (True, False):
                workdir = Path(tmp) / f"pace-{shared}"
                workdir.mkdir()
                url = async_database_url(postgres)
                paces.append(await pace.measure(url, workdir, paced, shared=shared))
        throughputs: list[dict[str, Any]] = []
        if postgres.startswith("postgres"):
            for count in (1, 2, 1, 2):  # Alternated: the machine's load changes meanwhile.
                workdir = Path(tmp) / f"processes-{count}-{len(throughputs)}"
                workdir.mkdir()
                url = async_database_url(postgres)
                row = await processes.measure(url, workdir, count, *crowd)
                throughputs.append({**row, "load": round(os.getloadavg()[0], 1)})
        telegrams = []
        for people, count, bots in telegram_sizes:
            for mode in ("polling", "webhook"):
                for bot in bots:
                    workdir = Path(tmp) / f"telegram-{bot}-{mode}-{people}"
                    workdir.mkdir()
                    row = await telegram.measure(workdir, people, count, mode=mode, bot=bot)
                    telegrams.append(row)
    _table("Floor: one primary-key read per layer, and one unit of work (median)", floors)
    _table("Engine: answer steps (typed answer + Back, interleaved)", steps)
    _table("Digest: build (and HTML with charts) for N participants", builds)
    _table("Digest: each format from the same digest (now, and naive: before issue 14)", renderings)
    _table("Reminder fan-out: Telegram channel, fake Bot API enforcing 30 msg/s", fanouts)
    _table("One pace across processes: reminders and replies, 3 processes, 30 msg/s", paces)
    _table("Throughput: serve processes on one PostgreSQL, webhook, limits lifted", throughputs)
    _table("Start-up to first getUpdates, peak RSS (VmHWM): ours and the peer", starts)
    _table("Telegram end to end: update to first reply, fake Bot API", telegrams)
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": os.getloadavg(),
        "quick": quick,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench.json").write_text(
        json.dumps(
            {
                "machine": machine,
                "floor": floors,
                "engine": steps,
                "digest": builds,
                "digest_formats": renderings,
                "fanout": fanouts,
                "pace": paces,
                "processes": throughputs,
                "startup": starts,
                "telegram": telegrams,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nmachine: {machine}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    asyncio.run(main(parser.parse_args().quick))
