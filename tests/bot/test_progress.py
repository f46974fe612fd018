"""Long work shows its progress: a bar on a terminal, plain lines elsewhere (issue 17,
item 10)."""

from __future__ import annotations

import asyncio
import fcntl
import io
import os
import pty
import select
import struct
import termios
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import pytest

from bench import digest as bench_digest
from bot.cli.digest import DIGEST_SHOWN_FROM
from bot.cli.progress import progress, stages
from storage.db import create_engine
from tests.commandline import run


def _shown_on_a_terminal(work: Callable[[TextIO], None]) -> str:
    """Everything `work` drew on a pseudo-terminal of 80 columns."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        with os.fdopen(terminal, "w", encoding="utf-8", closefd=True) as stream:
            assert stream.isatty()
            work(stream)
        shown = b""
        while select.select([controller], [], [], 0.5)[0]:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    return shown.decode("utf-8")


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    with progress("e-mails sent", 25, stream=out) as tick:
        for _ in range(25):
            tick()
    assert out.getvalue().splitlines() == [
        f"e-mails sent: {n} of 25" for n in (3, 6, 9, 12, 15, 18, 21, 24, 25)
    ]


@pytest.mark.parametrize("total", [0, 1, 19])
def test_nothing_for_little_work(total: int) -> None:
    out = io.StringIO()
    with progress("e-mails sent", total, stream=out) as tick:
        for _ in range(total):
            tick()
    assert out.getvalue() == ""


def test_a_bar_on_a_terminal() -> None:
    def work(stream: TextIO) -> None:
        with progress("participants reached", 40, stream=stream) as tick:
            for _ in range(40):
                tick()

    text = _shown_on_a_terminal(work)
    assert "\r" in text  # redrawn in place, not a line per step
    last = text.replace("\r\n", "\n").split("\r")[-1].strip()
    assert last.startswith("participants reached: 100%")
    assert "40/40" in last
    assert "of 40" not in text


def test_seed_demo_reports_its_progress_in_lines(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "seed-demo")
    assert result.code == 0
    lines = result.err.splitlines()
    assert lines[-1].startswith("sample organisations stored: ")
    done, _, total = lines[-1].removeprefix("sample organisations stored: ").partition(" of ")
    assert done == total
    assert len(lines) <= 10


def test_invite_import_reports_its_progress_in_lines(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"Organisation number {n},ngo" for n in range(1, 26)]
    (cli / "invites.csv").write_text("organisation,category\n" + "\n".join(rows) + "\n")
    result = run(capsys, "invite", "import", "invites.csv")
    assert result.code == 0, result.err
    assert len(result.out.splitlines()) == 25
    assert result.err.splitlines() == [
        *(f"invites created: {n} of 25" for n in (3, 6, 9, 12, 15, 18, 21, 24, 25)),
        "25 invites created",
    ]


@pytest.mark.parametrize(
    ("shown", "lines"),
    [
        (True, ["digest: reading (1 of 2)", "digest: writing the MD (2 of 2)"]),
        (False, []),  # small work: done before anyone waits for it
    ],
)
def test_stages_in_plain_lines_when_not_a_terminal(shown: bool, lines: list[str]) -> None:
    out = io.StringIO()
    with stages("digest", ["reading", "writing the MD"], shown=shown, stream=out) as begin:
        begin("reading")
        begin("writing the MD")
    assert out.getvalue().splitlines() == lines


def test_stages_on_a_terminal_are_one_bar_naming_the_stage_in_hand() -> None:
    def work(stream: TextIO) -> None:
        names = ["reading the answers", "writing the DOCX"]
        with stages("digest", names, shown=True, stream=stream) as begin:
            for name in names:
                begin(name)

    text = _shown_on_a_terminal(work)
    assert "\r" in text
    assert "writing the DOCX" in text  # named while it was in hand
    last = text.replace("\r\n", "\n").split("\r")[-1].strip()
    assert last.startswith("digest: 2/2 ")
    assert last.endswith(" done")
    assert "(1 of 2)" not in text


def test_a_large_digest_reports_its_stages(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def seeded() -> int:
        database = create_engine(database_url)
        try:
            return (await bench_digest.seed(database, 334))["item_submissions"]
        finally:
            await database.dispose()

    assert asyncio.run(seeded()) >= DIGEST_SHOWN_FROM
    result = run(capsys, "digest", "--consultation", "wgic-18-2027", "--format", "md,docx")
    assert result.code == 0, result.err
    [md] = [path.name for path in cli.glob("digest-wgic-18-2027-*.md")]
    [docx] = [path.name for path in cli.glob("digest-wgic-18-2027-*.docx")]
    assert result.err.splitlines() == [
        "digest: reading the answers (1 of 3)",
        "digest: writing the MD (2 of 3)",
        "digest: writing the DOCX (3 of 3)",
        f"Digest of wgic-18-2027 written to {md}",
        f"Digest of wgic-18-2027 written to {docx}",
    ]
