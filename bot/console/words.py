"""The words and moments the console shows: the states it lists (open, submitted, sent...),
each a message of the catalogue, and moments in UTC, so a page reads in its viewer's
language and direction."""

from __future__ import annotations

from datetime import UTC, datetime

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from handlers.i18n import Translator


def state(t: Translator, value: str) -> str:
    """A state's word in the viewer's language; an unknown value as it is."""
    words = {
        # A consultation's or an agenda item's window.
        "upcoming": t._("upcoming"),
        "open": t._("open"),
        "closed": t._("closed"),
        # A submission.
        "draft": t._("draft"),
        "submitted": t._("submitted"),
        "reopened": t._("reopened"),
        # An organisation, a participant.
        "invited": t._("invited"),
        "registered": t._("registered"),
        "active": t._("active"),
        "pending": t._("pending"),
        "rejected": t._("rejected"),
        "erased": t._("erased"),
        # A delivery in the ledger, and what a reminder sweep does.
        "sending": t._("sending"),
        "sent": t._("sent"),
        "uncertain": t._("uncertain"),
        "failed": t._("failed"),
        "skipped": t._("skipped"),
        "send": t._("send"),
        "retry": t._("retry"),
        "late": t._("late, recorded without sending"),
        # Where a digest's period starts by default.
        "the previous digest": t._("the previous digest"),
        "the opening": t._("the opening"),
    }
    return words.get(value, value)


@pass_context
def state_filter(context: Context, value: str) -> str:
    """`{{ value|state }}` in a template: `state` with the page's translator."""
    return state(context["t"], str(value))


def same(values: list[str]) -> list[tuple[str, str]]:
    """Choices whose shown text is their value (agenda item numbers, panel titles)."""
    return [(v, v) for v in values]


def stamp(moment: datetime, *, seconds: bool = False) -> Markup:
    """A moment in a table, in UTC as 2027-05-31 23:59: kept left to right, so that in an
    Arabic page the date still comes before the time."""
    shown = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return Markup('<span dir="ltr">{}</span>').format(shown)


@pass_context
def when_filter(context: Context, moment: datetime) -> str:
    """`{{ moment|when }}`: a moment in UTC as the viewer's language writes it in a sentence."""
    t: Translator = context["t"]
    return t.when(moment, UTC)
