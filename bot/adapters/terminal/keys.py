"""A terminal read key by key, so that a long paste arrives whole.

In canonical mode a terminal passes at most 4,095 characters of one line (Linux's
`N_TTY_BUF_SIZE`, less the newline) and drops the rest of a longer paste before the program
sees it. The shell therefore reads a terminal in non-canonical mode and edits the line
itself: it echoes what is typed, erases with Backspace (Ctrl-U erases the line), ends the
line with Enter and the input with Ctrl-D on an empty line. With bracketed paste (which
terminals of the last fifteen years support) a pasted text is one message even when it
holds line breaks: they are kept, and Enter sends it.
Ctrl-C and Ctrl-Z are still the terminal's (signals).
"""

from __future__ import annotations

import os
import termios
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

PASTE_ON = "\x1b[?2004h"
"""Asks the terminal to mark what is pasted (bracketed paste mode)."""
PASTE_OFF = "\x1b[?2004l"
PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
ERASE = ("\x7f", "\x08")
KILL_LINE = "\x15"
END_OF_INPUT = "\x04"


class LineEditor:
    """Typed keys in, whole lines out; what the person should see goes to `echo`."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.echo = echo
        self.line: list[str] = []
        self.pasting = False
        self.ended = False
        self._escape = ""
        self._after_cr = False

    def feed(self, keys: str) -> list[str]:
        """The lines `keys` complete, each ending with a newline; `ended` once Ctrl-D is
        pressed on an empty line (what follows is ignored)."""
        done: list[str] = []
        for key in keys:
            if self.ended:
                break
            after_cr, self._after_cr = self._after_cr, key == "\r"
            if key == "\n" and after_cr:
                continue  # CR LF (Windows text, a terminal's Enter): one line break
            if self._escape or key == "\x1b":
                self._sequence(key)
            elif key in "\r\n":
                self._newline(done)
            elif _printable(key):
                self._add(key)
            elif self.pasting:
                continue  # a control character in pasted text is no key pressed
            elif key in ERASE:
                self._erase(1)
            elif key == KILL_LINE:
                self._erase(len(self.line))
            elif key == END_OF_INPUT:
                self.ended = not self.line
        return done

    def rest(self) -> str:
        """Nothing: a line not sent with Enter when the terminal closes is not sent."""
        return ""

    def _add(self, key: str) -> None:
        self.line.append(key)
        self.echo(key)

    def _newline(self, done: list[str]) -> None:
        self.echo("\r\n")
        if self.pasting:
            self.line.append("\n")
            return
        done.append("".join(self.line) + "\n")
        self.line = []

    def _erase(self, count: int) -> None:
        """Erase the last `count` characters of the line as typed (not across a pasted
        line break: what is above cannot be redrawn)."""
        for _ in range(count):
            if not self.line or self.line[-1] == "\n":
                return
            width = 2 if unicodedata.east_asian_width(self.line.pop()) in "WF" else 1
            self.echo("\b" * width + " " * width + "\b" * width)

    def _sequence(self, key: str) -> None:
        """Collect an escape sequence; the paste marks switch pasting, the rest (arrows,
        function keys) are ignored: the line is edited at its end only."""
        self._escape += key
        sequence = self._escape
        if len(sequence) < 2:
            return
        if sequence[1] == "[":  # CSI: parameters, then one final byte from @ to ~
            if len(sequence) == 2 or not "@" <= key <= "~":
                return
        elif sequence[1] == "O" and len(sequence) < 3:  # SS3: one more byte
            return
        self._escape = ""
        if sequence == PASTE_START:
            self.pasting = True
        elif sequence == PASTE_END:
            self.pasting = False


def _printable(key: str) -> bool:
    """A character that goes into the line: a tab or anything but a control character."""
    return key == "\t" or unicodedata.category(key) != "Cc"


@contextmanager
def keys_of(fd: int) -> Iterator[Callable[[str], None]]:
    """The terminal on `fd` read key by key while inside; what to echo on it is written
    with the callable given. Its settings are restored on the way out, whatever happens."""
    saved = termios.tcgetattr(fd)
    changed = termios.tcgetattr(fd)
    changed[0] &= ~termios.ICRNL  # iflags: a pasted CR LF stays one line break
    changed[3] &= ~(termios.ICANON | termios.ECHO)  # lflags; ISIG stays: Ctrl-C is a signal
    changed[6][termios.VMIN] = 1
    changed[6][termios.VTIME] = 0

    def write(text: str) -> None:
        with suppress(OSError):
            os.write(fd, text.encode("utf-8"))

    termios.tcsetattr(fd, termios.TCSANOW, changed)
    write(PASTE_ON)
    try:
        yield write
    finally:
        write(PASTE_OFF)
        termios.tcsetattr(fd, termios.TCSANOW, saved)
