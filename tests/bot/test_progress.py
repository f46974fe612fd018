"""Long work shows its progress: a bar on a terminal, plain lines elsewhere (issue 17,
item 10)."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import struct
import termios
from pathlib import Path

import pytest

from bot.cli.progress import progress
from tests.commandline import run


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
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        with os.fdopen(terminal, "w", encoding="utf-8", closefd=True) as stream:
            assert stream.isatty()
            with progress("participants reached", 40, stream=stream) as tick:
                for _ in range(40):
                    tick()
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
    text = shown.decode("utf-8")
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
