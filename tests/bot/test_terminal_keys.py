"""A terminal read key by key (issue 17, item 7): what a person types and pastes becomes the
lines the shell sends, and what they see is echoed back."""

from __future__ import annotations

import asyncio
import os
import pty
import termios

from bot.adapters.terminal.keys import PASTE_END, PASTE_ON, PASTE_START, LineEditor
from bot.adapters.terminal.lines import lines


def edited(*chunks: str) -> tuple[list[str], str, bool]:
    """The lines the chunks complete, what was echoed, and whether the input ended."""
    echoed: list[str] = []
    editor = LineEditor(echoed.append)
    done = [line for chunk in chunks for line in editor.feed(chunk)]
    return done, "".join(echoed), editor.ended


def test_enter_ends_a_line_and_what_is_typed_is_echoed() -> None:
    assert edited("Back\r", "2\n") == (["Back\n", "2\n"], "Back\r\n2\r\n", False)
    assert edited("one\r\ntwo\r")[0] == ["one\n", "two\n"]  # CR LF is one line break


def test_backspace_and_ctrl_u_edit_the_line() -> None:
    done, echoed, _ = edited("Kepp\x7f\x7fep\r", "wrong\x15right\r")
    assert done == ["Keep\n", "right\n"]
    assert echoed.startswith("Kepp\b \b\b \bep\r\n")


def test_erasing_a_wide_character_erases_two_columns() -> None:
    done, echoed, _ = edited("意见\x7f\r")
    assert done == ["意\n"]
    assert echoed == "意见\b\b  \b\b\r\n"


def test_backspace_on_an_empty_line_does_nothing() -> None:
    assert edited("\x7f\x08ok\r") == (["ok\n"], "ok\r\n", False)


def test_a_paste_with_line_breaks_is_one_message_sent_with_enter() -> None:
    paste = f"{PASTE_START}First paragraph.\r\nSecond paragraph.{PASTE_END}"
    done, _, _ = edited(paste, "\r")
    assert done == ["First paragraph.\nSecond paragraph.\n"]


def test_paste_marks_cut_between_reads_still_count() -> None:
    paste = f"{PASTE_START}a\rb{PASTE_END}\r"
    done, _, _ = edited(*paste)  # one character per read
    assert done == ["a\nb\n"]


def test_arrow_keys_and_function_keys_are_ignored() -> None:
    done, echoed, _ = edited("ye\x1b[D\x1b[1;5Cs\x1bOP\r")
    assert done == ["yes\n"]
    assert "\x1b" not in echoed


def test_ctrl_d_ends_the_input_on_an_empty_line_only() -> None:
    assert edited("abc\x04\r") == (["abc\n"], "abc\r\n", False)
    assert edited("abc\r\x04ignored\r") == (["abc\n"], "abc\r\n", True)


def test_control_characters_in_a_paste_are_dropped() -> None:
    done, _, _ = edited(f"{PASTE_START}a\x7fb\x00c{PASTE_END}\r")
    assert done == ["abc\n"]


async def test_a_terminal_passes_a_long_paste_whole() -> None:
    controller, terminal = pty.openpty()
    with os.fdopen(terminal, "r", encoding="utf-8", closefd=True) as stdin:
        collected: list[str] = []

        async def read() -> None:
            async for line in lines(stdin):
                collected.append(line)

        reading = asyncio.create_task(read())
        shown = b""
        while PASTE_ON.encode() not in shown:  # the terminal is read key by key from now
            shown += await asyncio.to_thread(os.read, controller, 1024)
        assert not termios.tcgetattr(terminal)[3] & termios.ICANON
        long_line = "é" * 6_000
        typed = (long_line + "\r" + f"{PASTE_START}one\rtwo{PASTE_END}\r\x04").encode()
        # The person's terminal writes and shows at once (neither may wait for the other).
        echo = asyncio.create_task(asyncio.to_thread(_drain, controller))
        await asyncio.to_thread(os.write, controller, typed)
        await asyncio.wait_for(reading, 30)
        assert termios.tcgetattr(terminal)[3] & termios.ICANON  # restored
    os.close(controller)
    await echo  # the other side closed, its reader ends
    assert collected == [long_line + "\n", "one\ntwo\n"]


def _drain(fd: int) -> bytes:
    """What the terminal shows until it is closed."""
    shown = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # closed
            return shown
        if not chunk:
            return shown
        shown += chunk
