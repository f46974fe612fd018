"""The web process: /healthz reports whether the database answers; no request can flood it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import App, build
from bot.web import BodyLimit, create_web_app
from config.settings import load_settings
from storage.db import create_engine
from tests.adapters.slack.conftest import SIGNING_SECRET, fixture, signed_headers
from tests.fakes import serve_loopback
from tests.fakes.slack_server import TOKEN, FakeSlack


async def get_health(app: App) -> tuple[int, object]:
    transport = httpx.ASGITransport(app=create_web_app(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        response = await client.get("/healthz")
        return response.status_code, response.json()


async def test_healthz_reports_database(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(database_url=database_url, files_dir=tmp_path / "files")
    app = await build(settings)
    try:
        assert await get_health(app) == (200, {"status": "ok", "database": "ok"})
        unreachable = (
            "postgresql+asyncpg://postgres@127.0.0.1:1/test"
            if database_url.startswith("postgresql")
            else f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'gone.db'}"
        )
        broken = replace(app, database=create_engine(unreachable))
        assert await get_health(broken) == (503, {"status": "error", "database": "unreachable"})
        await broken.database.dispose()
    finally:
        await app.close()


MIB = 1024 * 1024


class _Attacker(asyncio.Protocol):
    """The client side of one raw HTTP connection: what the server answered, kept even when
    it then resets the connection (as a server does when it closes on an unread body)."""

    def __init__(self) -> None:
        self.answer = bytearray()
        self.answered = asyncio.get_running_loop().create_future()
        self._writable = asyncio.Event()
        self._writable.set()

    def data_received(self, data: bytes) -> None:
        self.answer += data
        if b"\r\n" in self.answer and not self.answered.done():
            self.answered.set_result(bytes(self.answer))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.answered.done():
            self.answered.set_result(bytes(self.answer))
        self._writable.set()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    async def drain(self) -> None:
        # Yield every time, so that an answer is read as soon as it arrives.
        await asyncio.sleep(0)
        await self._writable.wait()


async def raw_post(
    url: str,
    path: str,
    size: int,
    *,
    chunked: bool,
    piece: bytes = b"x" * 65536,
    pause: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """POST `size` bytes as an attacker would: keep sending until the server answers.

    Args:
        url: The server's base URL.
        path: The route.
        size: How many bytes of body to send at most.
        chunked: Without Content-Length (Transfer-Encoding: chunked).
        piece: What the body is made of.
        pause: Awaited once half a megabyte has been sent without an answer, before the rest.

    Returns:
        The HTTP status the server answered, read while the body is still being sent.
    """
    host, port = url.removeprefix("http://").split(":")
    loop = asyncio.get_running_loop()
    transport, attacker = await loop.create_connection(_Attacker, host, int(port))
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    transport.write(
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"{framing}\r\n\r\n".encode()
    )
    sent = 0
    while sent < size and not attacker.answered.done() and not transport.is_closing():
        part = piece[: size - sent]
        transport.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
        await attacker.drain()
        sent += len(part)
        if pause is not None and sent >= MIB // 2:
            await pause()
            pause = None
    if chunked and not transport.is_closing():
        transport.write(b"0\r\n\r\n")
    answer = await asyncio.wait_for(attacker.answered, 30)
    transport.close()
    assert answer, f"no answer after {sent} bytes"
    return int(answer.split(b"\r\n", 1)[0].split()[1])


async def test_trust_06_a_body_over_the_limit_gets_413_and_is_never_held(
    database_url: str, tmp_path: Path
) -> None:
    largest = 0

    async def reader(scope: Any, receive: Any, send: Any) -> None:
        # An endpoint that reads the whole body, as Starlette's Request.body() does.
        nonlocal largest
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            largest = max(largest, len(body))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read"})

    limited = BodyLimit(reader, limit=MIB)
    async with serve_loopback(limited) as url:
        # Content-Length says too much: refused before a byte of the body is read.
        assert await raw_post(url, "/", 40 * MIB, chunked=False) == 413
        assert largest == 0
        # No Content-Length (chunked): reading stops at the limit.
        assert await raw_post(url, "/", 40 * MIB, chunked=True) == 413
        assert 0 < largest <= MIB
        # At the limit, the body is read in full.
        assert await raw_post(url, "/", MIB, chunked=True) == 200
        assert await raw_post(url, "/", MIB, chunked=False) == 200

    # Every route of the web process is behind it, known or not.
    settings = load_settings(database_url=database_url, files_dir=tmp_path / "files")
    app = await build(settings)
    try:
        async with serve_loopback(create_web_app(app)) as url:
            for path in ("/slack/events", "/telegram/webhook", "/healthz", "/nowhere"):
                assert await raw_post(url, path, 2 * MIB, chunked=False) == 413
            assert await raw_post(url, "/nowhere", 1024, chunked=False) == 404
    finally:
        await app.close()


def rss(pid: int) -> int:
    """The resident memory of a process, in bytes (VmRSS of /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class WebProcess:
    """`intersessional serve` in a subprocess on a free loopback port; its log kept in memory."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env | {"PORT": str(self.port)}
        self.workdir = workdir
        self.lines: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._ready = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> WebProcess:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            cwd=self.workdir,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            limit=64 * MIB,  # a line is read whole, however long a library made it
        )
        self._reader = asyncio.create_task(self._read(self.process))
        await asyncio.wait_for(self._ready.wait(), 60)
        return self

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append(line)
            if "Uvicorn running on" in line:
                self._ready.set()
        self._ready.set()  # it ended: the waiter must not hang

    async def __aexit__(self, *exc: object) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._reader is not None:
            await self._reader

    @property
    def pid(self) -> int:
        """The process id."""
        assert self.process is not None
        assert self.process.returncode is None, self.log
        return self.process.pid

    @property
    def log(self) -> str:
        """Everything the process wrote to stderr so far."""
        return "\n".join(self.lines)


def holding(halfway: asyncio.Barrier, release: asyncio.Event) -> Callable[[], Awaitable[None]]:
    """A `raw_post` pause: meet the others at `halfway`, then wait for `release`."""

    async def hold() -> None:
        await halfway.wait()
        await release.wait()

    return hold


FORGED = "\n2026-01-01 INFO forged"
MARKER = "never-logged-7f3a"


@pytest.mark.slow
async def test_trust_06_unsigned_40_mb_requests_leave_memory_and_health_alone(
    database_url: str, tmp_path: Path
) -> None:
    fake = FakeSlack()
    async with serve_loopback(fake.app) as fake_url:
        fake.url = fake_url
        fake.person("U0AMINA001", "Amina")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
        env |= {
            "DATABASE_URL": database_url,
            "FILES_DIR": str(tmp_path / "files"),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": f"{fake_url}/api/",
            "LOG_LEVEL": "DEBUG",  # the most a library could log
        }
        async with WebProcess(env, tmp_path) as web, httpx.AsyncClient(base_url=web.url) as client:
            # A signed message, so every code path that could log a body has run once.
            event = fixture("message_im")
            event["event"]["text"] = f"hello {MARKER}{FORGED}"
            signed = json.dumps(event).encode()
            headers = {"Content-Type": "application/json", **signed_headers(signed)}
            assert (
                await client.post("/slack/events", content=signed, headers=headers)
            ).status_code == 200
            unsigned = json.dumps({"type": "event_callback", "text": MARKER + FORGED}).encode()
            assert (await client.post("/slack/events", content=unsigned)).status_code == 401
            assert (await client.get("/healthz")).status_code == 200
            before = rss(web.pid)

            piece = (MARKER + FORGED).encode() * 2048

            health: list[float] = []
            peak = before

            # Timed from a thread of its own, as another client of the server would be: the
            # uploads share this event loop, and their writes would be counted otherwise.
            prober = httpx.Client(base_url=web.url)

            def probe() -> tuple[float, int]:
                started = time.perf_counter()
                response = prober.get("/healthz")
                return time.perf_counter() - started, response.status_code

            async def check_health() -> None:
                nonlocal peak
                took, status = await asyncio.to_thread(probe)
                health.append(took)
                assert status == 200
                peak = max(peak, rss(web.pid))

            statuses: list[int] = []
            for _ in range(5):  # 20 requests, four at a time, half of them chunked
                # The chunked ones stop halfway through their first megabyte; while the
                # server holds them, the health check is asked three times.
                halfway = asyncio.Barrier(3)
                release = asyncio.Event()

                async def hold(
                    halfway: asyncio.Barrier = halfway, release: asyncio.Event = release
                ) -> None:
                    await halfway.wait()
                    await release.wait()

                wave = [
                    asyncio.ensure_future(
                        raw_post(
                            web.url,
                            "/slack/events",
                            40 * MIB,
                            chunked=n % 2 == 1,
                            piece=piece,
                            pause=hold if n % 2 == 1 else None,
                        )
                    )
                    for n in range(4)
                ]
                await asyncio.wait_for(halfway.wait(), 30)
                for _ in range(3):
                    await check_health()
                release.set()
                statuses += await asyncio.gather(*wave)
            await asyncio.to_thread(prober.close)
            after = rss(web.pid)

        assert statuses == [413] * 20
        assert len(health) == 15
        assert max(health) < 0.1, sorted(health)[-5:]
        assert peak - before < 50 * MIB, (before, peak)
        assert after - before < 50 * MIB, (before, after)
        # No body reached the log, and nothing in a request made a line of its own.
        assert MARKER not in web.log
        assert not [line for line in web.lines if line.startswith("2026-01-01 INFO forged")]
        # Nor the reply the bot sent (how to join).
        [reply] = fake.calls_of("chat.postMessage")
        assert "organisations invited by the secretariat" in reply.params["text"]
        assert "organisations invited by the secretariat" not in web.log
