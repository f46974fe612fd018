"""Guessing codes: after five wrong invite or link codes in ten minutes an account waits."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from handlers.conversation import Context

log = logging.getLogger(__name__)

MAX_WRONG = 5
"""Wrong codes an account may send within `WINDOW`; the last of them starts the wait."""
WINDOW = timedelta(minutes=10)
WAIT = timedelta(minutes=15)


async def use_code(ctx: Context, kind: str, use: Callable[[], Awaitable[bool]]) -> None:
    """Try a code the account sent, unless it sent too many wrong ones lately.

    Invite codes and link codes are the same kind of secret, so they are counted together,
    per account (platform and user id) and in the database, so that every process sees the
    same count. While the account waits, its code is not even looked up. A right code
    forgets the wrong ones; so does the end of the window. Nothing logged holds a code.

    Args:
        ctx: The event's context.
        kind: What the code is for (`invite`, `link`), for the log.
        use: Looks the code up and uses it, saying what happened; True when it was right.
    """
    platform, user_id = ctx.event.platform, ctx.event.user_id
    failures = ctx.uow.code_failures
    blocked = await failures.blocked_until(platform, user_id, ctx.now)
    if blocked is not None:
        log.warning(
            "%s code from %s:%s refused: cooling down until %s",
            kind,
            platform,
            user_id,
            blocked.isoformat(),
        )
        ctx.say(wait_text(ctx, blocked))
        return
    if await use():
        await failures.clear(platform, user_id)
        return
    count, blocked = await failures.failed(
        platform, user_id, ctx.now, window=WINDOW, limit=MAX_WRONG, wait=WAIT
    )
    log.warning(
        "wrong %s code from %s:%s (%d of %d within %d minutes)%s",
        kind,
        platform,
        user_id,
        count,
        MAX_WRONG,
        int(WINDOW.total_seconds() // 60),
        "" if blocked is None else f"; no code is looked up until {blocked.isoformat()}",
    )
    if blocked is not None:
        ctx.say(wait_text(ctx, blocked))


def wait_text(ctx: Context, until: datetime) -> str:
    """Why the account's code was not tried, and in how many minutes it may try again."""
    minutes = max(1, math.ceil((until - ctx.now).total_seconds() / 60))
    return ctx.t.n_(
        "Too many wrong codes were sent from this account. Please try again in {count} minute.",
        "Too many wrong codes were sent from this account. Please try again in {count} minutes.",
        minutes,
    )
