"""Progress of long work on the command line: a bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

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
        from tqdm import tqdm  # only on a terminal: `run` imports this module, never draws

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


Begin = Callable[[str], None]
"""Called as each stage of a piece of work begins, with the stage's name."""


@contextmanager
def stages(
    what: str, names: Sequence[str], *, shown: bool, stream: TextIO | None = None
) -> Iterator[Begin]:
    """A `Begin` for work done in stages, such as a digest: read the answers, then write
    each format.

    On a terminal, a bar of the stages done with the name of the one in hand after it; it
    stays as the last line once done. Elsewhere, a plain line as each stage begins,
    "digest: writing the DOCX (3 of 5)", so that a log shows where the work stopped.

    Args:
        what: The work, as the line names it ("digest").
        names: The stages, in order; `Begin` is called with each (an unknown name counts as
            the next stage).
        shown: Whether the work is long enough to show: below `SHOWN_FROM` units of work it
            is done before anyone waits for it.
        stream: Where it is shown; standard error by default.
    """
    out = stream if stream is not None else sys.stderr
    if not shown or not names:
        yield _ignore
        return
    total = len(names)
    begun = 0
    if out.isatty():
        from tqdm import tqdm  # as in `progress`

        with tqdm(
            total=total,
            desc=what,
            file=out,
            leave=True,
            dynamic_ncols=True,
            bar_format="{desc}: {n_fmt}/{total_fmt} {bar} {postfix}",
        ) as bar:

            def advance(name: str) -> None:
                nonlocal begun
                if begun:
                    bar.update(1)
                begun += 1
                bar.set_postfix_str(name)

            yield advance
            if begun:
                bar.update(1)
                bar.set_postfix_str("done")
        return

    def line(name: str) -> None:
        nonlocal begun
        begun += 1
        print(f"{what}: {name} ({min(begun, total)} of {total})", file=out, flush=True)

    yield line


def _nothing() -> None:
    """No work, nothing to show."""


def _ignore(_name: str) -> None:
    """A stage of work too small to show."""
