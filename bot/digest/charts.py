"""The digest's charts as PNG: submissions over time, and organisations by category."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.digest.model import Digest, counted, un_date

BLUE = "#009edb"
"""The United Nations blue."""
GREY = "#b3b3b3"


@dataclass(frozen=True)
class Chart:
    """One chart: its title, what it shows in words (for text alternatives) and the PNG."""

    title: str
    description: str
    png: bytes


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    # No software tag, so the same digest gives the same bytes.
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def _tick(day: date) -> str:
    return f"{day.day} {day:%b}"


def submissions_over_time(digest: Digest) -> Chart | None:
    """Agenda items submitted, added up day by day; None before the first submission."""
    if not digest.submissions_by_day:
        return None
    days = [day for day, _ in digest.submissions_by_day]
    totals = list(accumulate(count for _, count in digest.submissions_by_day))
    start = days[0] - timedelta(days=1)
    # Days as numbers from the day before the first submission, labelled as dates below.
    xs = [0, *((day - start).days for day in days)]
    ys = [0, *totals]
    figure = Figure(figsize=(6.4, 2.5), layout="constrained")
    axes = figure.add_subplot()
    axes.step(xs, ys, where="post", color=BLUE)
    axes.fill_between(xs, ys, step="post", color=BLUE, alpha=0.15)
    span = xs[-1]
    ticks = sorted({round(span * i / 5) for i in range(6)}) if span >= 5 else list(range(span + 1))
    axes.set_xticks(ticks, [_tick(start + timedelta(days=t)) for t in ticks])
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("Agenda items submitted")
    axes.set_ylim(bottom=0)
    axes.spines[["top", "right"]].set_visible(False)
    return Chart(  # Its title is the caption under it, not drawn twice.
        title="Submissions over time (cumulative)",
        description=f"{counted(totals[-1], 'agenda item')} submitted from {un_date(days[0])} "
        f"to {un_date(days[-1])}.",
        png=_png(figure),
    )


def by_category(digest: Digest) -> Chart | None:
    """Organisations registered and submitted, by category; None when there are none."""
    shown = [c for c in digest.categories if c.registered or c.submitted]
    if not shown:
        return None
    figure = Figure(figsize=(6.4, 2.5), layout="constrained")
    axes = figure.add_subplot()
    positions = list(range(len(shown)))
    width = 0.38
    axes.barh(
        [p + width / 2 for p in positions],
        [c.registered for c in shown],
        height=width,
        color=GREY,
        label="Registered",
    )
    axes.barh(
        [p - width / 2 for p in positions],
        [c.submitted for c in shown],
        height=width,
        color=BLUE,
        label="Submitted",
    )
    axes.set_yticks(positions, [c.label for c in shown])
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(frameon=False, loc="lower right")
    description = "; ".join(
        f"{c.label}: {c.registered} registered, {c.submitted} submitted" for c in shown
    )
    return Chart(title="Organizations by category", description=description, png=_png(figure))


def charts(digest: Digest) -> list[Chart]:
    """The charts worth showing for this digest."""
    return [chart for chart in (submissions_over_time(digest), by_category(digest)) if chart]
