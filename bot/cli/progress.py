"""Progress of long work on the command line: a bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm

Tick = Callable[[], None]
"""Called once for each unit of work done (an e-mail sent, a message delivered…)."""

LINES = 10
"""How many plain lines a piece of work prints when its output is not a terminal."""
SHOWN_FROM = 20
"""The least work whose progress is shown: less is done before anyone waits for it."""


@contextmanager
def progress(what: str, total: int, *, stream: TextIO | None = None) -> Iterator[Tick]:
    """A `Tick` for `total` units of work called `what` ("e-mails sent").

    On a terminal, a progress bar (tqdm) that stays as its last line once done. Elsewhere (a
    log file, a pipe, CI), plain lines "e-mails sent: 50 of 500", about `LINES` of them and
    always the last, so that the file shows where the work stopped.

    Args:
        what: What is counted, as the line names it.
        total: How many units there are; nothing is shown below `SHOWN_FROM`.
        stream: Where it is shown; standard error by default (standard output carries the
            command's result).
    """
    out = stream if stream is not None else sys.stderr
    if total < SHOWN_FROM:
        yield _nothing
        return
    if out.isatty():
        with tqdm(total=total, desc=what, file=out, leave=True, dynamic_ncols=True) as bar:

            def advance() -> None:
                bar.update(1)

            yield advance
        return
    step = max(1, math.ceil(total / LINES))
    done = 0

    def count() -> None:
        nonlocal done
        done += 1
        if done % step == 0 or done == total:
            print(f"{what}: {done} of {total}", file=out, flush=True)

    yield count


def _nothing() -> None:
    """No work, nothing to show."""
