"""A text answer longer than its question allows is kept, not lost: the participant chooses to
keep its first part (cut at a word) or to get it back as a file to shorten."""

from __future__ import annotations

import re

from handlers.actions import KeepFirstPart, SendAsFile
from handlers.conversation import Context
from handlers.events import Button, OutgoingDocument

KEY = "overflow"
"""Where the step context keeps the text that was too long, until the question is left."""

MAX_KEPT_CHARS = 100_000
"""The longest text kept to choose from; a longer message is refused as before (no platform
sends one: Telegram's limit is 4,096 characters, Slack's 40,000)."""

_BREAK = re.compile(r"\s|(?<=[.!?;。！？；،؛])")
"""Where a text may be cut: at a space or line break, or after a sentence's end in the
scripts that write no spaces (Chinese)."""


def first_part(text: str, limit: int) -> str:
    """The longest beginning of `text` within `limit` characters that ends at a word
    boundary; a hard cut at `limit` when the only boundary is in its first half."""
    if len(text) <= limit:
        return text
    breaks = [found.start() for found in _BREAK.finditer(text, 0, limit + 1)]
    cut = breaks[-1] if breaks and breaks[-1] > limit // 2 else limit
    return text[:cut].rstrip()


def offer(ctx: Context, question_id: int, text: str, reason: str, limit: int) -> None:
    """Keep `text` in the step context and offer its first part or a file of it."""
    ctx.me.context = {**ctx.me.context, KEY: text}
    kept = first_part(text, limit)
    t = ctx.t
    ctx.say(
        reason
        + " "
        + t._("I kept it: keep its first part, or get it back as a file to shorten it."),
        [
            [
                Button(
                    t._("Keep the first {count} characters", count=t.number(len(kept))),
                    KeepFirstPart(question_id).payload(),
                )
            ],
            [Button(t._("Send it back to me as a file"), SendAsFile(question_id).payload())],
        ],
    )


def kept(ctx: Context) -> str | None:
    """The text kept from the last answer that was too long, if any."""
    text = ctx.data.get(KEY)
    return text if isinstance(text, str) and text else None


def as_file(ctx: Context, question_id: int, text: str) -> None:
    """Send the kept text back as a plain-text file, whole."""
    ctx.say(
        ctx.t._(
            "Here is your text, whole: shorten it, then send it again (or keep its first part "
            "with the button above)."
        ),
        document=OutgoingDocument(
            f"answer-{question_id}.txt", text.encode("utf-8"), "text/plain; charset=utf-8"
        ),
    )
