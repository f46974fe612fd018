"""The terminal channel, driven as a newcomer would: a real process reading scripted stdin,
and stopped by a signal while its stdin stays open."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from bot.adapters.terminal import TerminalChannel, render, to_event
from bot.adapters.terminal.keys import PASTE_OFF, PASTE_ON
from handlers.engine import Engine
from handlers.events import Button, OutgoingDocument, Reply
from storage.db import create_engine, session_factory
from storage.repositories import Store

PDF = b"%PDF-1.7\n%%EOF\n"


def run_cli(args: list[str], cwd: Path, database_url: str, stdin: str = "") -> str:
    """Run `python -m bot ARGS` in a fresh process; fail loudly on a non-zero exit."""
    env = {**os.environ, "DATABASE_URL": database_url, "FILES_DIR": str(cwd / "files")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_buttons_are_numbered_and_documents_saved(tmp_path: Path) -> None:
    reply = Reply(
        "Pick one",
        buttons=((Button("Yes", "ans:1:yes"), Button("No", "ans:1:no")), (Button("Skip", "s"),)),
        document=OutgoingDocument("my-data.json", b"{}", "application/json"),
    )
    text = render(reply, tmp_path)
    assert text.splitlines()[:3] == ["Pick one", "  [1] Yes   [2] No", "  [3] Skip"]
    assert (tmp_path / "my-data.json").read_bytes() == b"{}"


def test_lines_become_events(tmp_path: Path) -> None:
    buttons = [Button("Yes", "ans:1:yes"), Button("Privacy", "tog:2:privacy", selected=True)]
    assert render(Reply("Which?", ((*buttons,),)), tmp_path) == "Which?\n  [1] Yes   [2] ✓ Privacy"
    assert to_event("2\n", buttons, user="u").payload == "tog:2:privacy"
    assert to_event("yes\n", buttons, user="u").payload == "ans:1:yes"
    assert to_event("privacy\n", buttons, user="u").payload == "tog:2:privacy"
    assert to_event("3\n", buttons, user="u").text == "3"
    assert to_event("‹ YES\n", buttons, user="u").payload == "ans:1:yes"
    # Nothing shown yet (a new session): the engine matches it against the current step.
    first = to_event("1\n", [], user="u")
    assert (first.text, first.payload, first.numbered) == ("1", None, True)
    assert to_event("/help\n", buttons, user="u").text == "/help"
    pdf = tmp_path / "submission.pdf"
    pdf.write_bytes(PDF)
    event = to_event(f"{pdf}\n", buttons, user="u")
    assert event.document is not None
    assert event.document.filename == "submission.pdf"
    assert event.document.size == len(PDF)
    assert to_event(str(tmp_path / "missing.pdf"), buttons, user="u").text is not None


@pytest.mark.slow
def test_newcomer_path_shell_then_export(tmp_path: Path, database_url: str) -> None:
    code = run_cli(
        [
            "invite",
            "create",
            "--org",
            "Research Society of International Law",
            "--category",
            "academia",
            "--country",
            "Pakistan",
            "--consultation",
            "wgic-18-2027",
        ],
        tmp_path,
        database_url,
    ).strip()
    assert len(code) == 8
    pdf = tmp_path / "comments.pdf"
    pdf.write_bytes(PDF)
    script = [
        f"/start {code}", "1", "I agree", "1", "2", "1", "4",
        "1", "Agenda item 4", "2", "Skip ›",
        "Human rights safeguards must be built into every request for electronic evidence.",
        str(pdf), "Submit",
    ]  # fmt: skip
    out = run_cli(["shell", "--user", "rsil"], tmp_path, database_url, "\n".join(script) + "\n")
    assert "Which language would you like me to use?\n  [1] English   [2] Français" in out
    assert "  [1] Constructive dialogue 2027 (WGIC 18)" in out
    assert "Document: comments.pdf" in out
    assert "Reference: WGIC-18-2027-4-" in out

    # A new process on the same database: the conversation resumes where it was.
    resumed = run_cli(["shell", "--user", "rsil"], tmp_path, database_url, "/start\n")
    assert "Welcome back! Here is where you left off." in resumed
    assert "Deadline: 31 May 2027, 23:59 (Europe/Vienna time)" in resumed

    exported = json.loads(run_cli(["export", "--format", "json"], tmp_path, database_url))
    assert [(row["question"], row["value"]) for row in exported] == [
        ("ai4-priorities", "Capacity-building and technical assistance"),
        (
            "ai4-suggestions",
            "Human rights safeguards must be built into every request for electronic evidence.",
        ),
        ("ai4-submission", "comments.pdf"),
    ]
    assert {row["organisation"] for row in exported} == {"Research Society of International Law"}
    assert {row["country"] for row in exported} == {"PK"}
    assert exported[1]["language"] == "en"
    stored = list((tmp_path / "files").rglob("*.pdf"))
    assert [p.read_bytes() for p in stored] == [PDF]


async def test_buttons_are_numbered_on_across_the_replies_of_one_answer(
    engine: Engine, tmp_path: Path
) -> None:
    shown: list[str] = []
    channel = TerminalChannel(engine, user="u", write=shown.append, downloads=tmp_path)
    first = Reply("A reminder", ((Button("Open agenda item 2", "resume:1"),),))
    second = Reply("Which?", ((Button("Yes", "ans:1:yes"), Button("No", "ans:1:no")),))
    await channel.deliver("u", [first, second])
    assert shown == ["A reminder\n  [1] Open agenda item 2\n", "Which?\n  [2] Yes   [3] No\n"]
    assert to_event("3", channel._buttons, user="u").payload == "ans:1:no"


@pytest.mark.slow
def test_a_number_is_the_first_line_of_a_new_session(tmp_path: Path, database_url: str) -> None:
    code = run_cli(
        ["invite", "create", "--org", "Research Society of International Law", "--category",
         "academia", "--consultation", "wgic-18-2027"],
        tmp_path,
        database_url,
    ).strip()  # fmt: skip
    script = [f"/start {code}", "1", "I agree", "1", "2", "1", "4", "1", "Agenda item 2"]
    out = run_cli(["shell", "--user", "rsil"], tmp_path, database_url, "\n".join(script) + "\n")
    assert [line for line in out.splitlines() if line.startswith("Question ")] == [
        "Question 1 of 3 · required"
    ]

    # A new process: nothing was shown in it yet, and "1" still presses the first button.
    again = run_cli(["shell", "--user", "rsil"], tmp_path, database_url, "1\nback\nKEEP\n")
    counters = [line for line in again.splitlines() if line.startswith("Question ")]
    assert counters == [
        "Question 2 of 3 · required",
        "Question 1 of 3 · required",
        "Question 2 of 3 · required",
    ]
    assert "Please choose one of the buttons below." not in again


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)], ids=["SIGINT", "SIGTERM"]
)
async def test_trust_13_shell_on_an_open_pipe_stops_within_2s_of_a_signal(
    signum: signal.Signals, code: int, tmp_path: Path, database_url: str
) -> None:
    invite = run_cli(
        ["invite", "create", "--org", "Research Society of International Law", "--category",
         "academia", "--consultation", "wgic-18-2027"],
        tmp_path,
        database_url,
    ).strip()  # fmt: skip
    env = {**os.environ, "DATABASE_URL": database_url, "FILES_DIR": str(tmp_path / "files")}
    shell = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "shell",
        "--user",
        "rsil",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert shell.stdin is not None
    assert shell.stdout is not None
    assert shell.stderr is not None
    try:
        shell.stdin.write(f"/start {invite}\n".encode())
        await shell.stdin.drain()  # and the pipe stays open: no end of input
        out = b""
        while b"Which language would you like me to use?" not in out:
            line = await asyncio.wait_for(shell.stdout.readline(), 60.0)
            assert line, out
            out += line
        signalled_at = time.monotonic()
        shell.send_signal(signum)
        await asyncio.wait_for(shell.wait(), 30.0)
        elapsed = time.monotonic() - signalled_at
        err = (await shell.stderr.read()).decode()
    finally:
        if shell.returncode is None:
            shell.kill()
            await shell.wait()
    log = (tmp_path / "intersessional.log").read_text(encoding="utf-8")  # not the terminal's
    assert elapsed < 2.0
    assert shell.returncode == code, err + log
    assert "Traceback" not in err + log
    assert log.strip().splitlines()[-1].endswith(f"intersessional: stopped ({signum.name})")

    database = create_engine(database_url)
    try:
        async with Store(session_factory(database)).transaction() as uow:
            identity = await uow.identities.get("terminal", "rsil")
    finally:
        await database.dispose()
    assert identity is not None  # the answer was committed: she redeemed the invite
    assert identity.participant_id is not None


LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR)")


def test_the_terminal_shows_the_conversation_and_the_log_goes_to_a_file(
    tmp_path: Path, database_url: str
) -> None:
    # `make run` on a fresh machine, in a real terminal: the scheduler starts (and finds the
    # 2023 digest it missed), yet the person sees only the conversation and where to type.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "LOG_"))}
    env.update(DATABASE_URL=database_url, FILES_DIR=str(tmp_path / "files"), LOG_LEVEL="DEBUG")
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        cwd=tmp_path,
        env=env,
        close_fds=True,
    )
    os.close(terminal)
    try:
        shown = read_until(controller, b"\n> ")
        os.write(controller, b"/help\n")
        shown += read_until(controller, b"\n> ")
        os.write(controller, b"\x04")  # Ctrl-D: end of input
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)
    text = shown.decode("utf-8", errors="replace").replace("\r\n", "\n")
    assert "A local trial invite was created for you: send /start " in text
    assert "(The log is written to intersessional.log; type after the > sign.)" in text
    assert "/mydata" in text  # the answer to /help
    assert not LOG_LINE.search(text), text
    log = (tmp_path / "intersessional.log").read_text(encoding="utf-8")
    assert LOG_LINE.search(log)


def drained(fd: int) -> bytes:
    """What a terminal has shown and nobody read yet."""
    seen = b""
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other side is closed: nothing more
            break
        if not chunk:
            break
        seen += chunk
    return seen


def read_until(fd: int, marker: bytes, timeout: float = 60.0) -> bytes:
    """What a terminal shows until `marker` appears (the prompt)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, seen
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096)
            assert chunk, seen
            seen += chunk
    return seen


async def test_a_paste_longer_than_a_terminal_line_arrives_whole_and_a_text_file_too(
    engine: Engine, tmp_path: Path
) -> None:
    # A terminal in canonical mode would pass 4,095 characters of this 10,000-character line
    # and drop the rest; read key by key, all of it arrives, and the engine says its length.
    controller, terminal = pty.openpty()
    shown: list[str] = []
    with os.fdopen(terminal, "r", encoding="utf-8", closefd=True) as stdin:
        channel = TerminalChannel(engine, user="u", stdin=stdin, write=shown.append)
        receiving = asyncio.create_task(channel.receive(asyncio.Event()))
        await asyncio.to_thread(read_until, controller, PASTE_ON.encode())  # reading keys
        os.write(controller, b"x" * 10_000 + b"\r\x04")  # Enter, then Ctrl-D: end of input
        await asyncio.wait_for(receiving, 30)
        restored = termios.tcgetattr(terminal)
    echoed = drained(controller)
    os.close(controller)
    assert shown == [
        "That message has 10,000 characters; the most I accept is 4,000. Nothing was saved: "
        "please shorten it and send it again.\n"
    ]
    assert restored[3] & termios.ICANON  # as it was
    assert restored[3] & termios.ECHO
    assert echoed.count(b"x") == 10_000  # the person saw what they pasted
    assert echoed.endswith(PASTE_OFF.encode())

    long_text = tmp_path / "comments.txt"
    long_text.write_text("Électronique. " * 1000, encoding="utf-8")
    event = to_event(f"{long_text}\n", [], user="u")
    assert (event.text, event.document) == ("Électronique. " * 1000, None)
