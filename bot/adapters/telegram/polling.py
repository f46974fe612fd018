"""Polling's bookkeeping: an outage of getUpdates said once, and an update's place in the
queue that the offset moves past."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.adapters.telegram.client import PollingConflict
from bot.adapters.telegram.limiter import RetryLater

log = logging.getLogger("bot.adapters.telegram.channel")
"""The channel's logger: these lines are the channel's, as an operator greps for them."""


class Outage:
    """getUpdates failing: said when it starts (or its cause changes) and when it ends, not
    at every retry, so an overlapping deploy is one clear line, not one a second."""

    def __init__(self) -> None:
        self.failures = 0
        self._cause: type[Exception] | None = None

    def failed(self, exc: Exception) -> float:
        """Note one failure; the seconds to wait before the next try."""
        self.failures += 1
        delay = exc.seconds if isinstance(exc, RetryLater) else min(60.0, 2.0**self.failures)
        if type(exc) is self._cause:
            log.debug("getUpdates failed again (%s); again in %s s", exc, delay)
            return delay
        self._cause = type(exc)
        if isinstance(exc, PollingConflict):
            log.warning(
                "Telegram: another process takes this bot's updates (409 Conflict: %s). "
                "Stop the other `intersessional run` (or remove the webhook of a `serve`) with "
                "this TELEGRAM_BOT_TOKEN; until then getUpdates is retried with backoff",
                exc,
            )
        else:
            log.warning("Telegram: getUpdates failed (%s); retrying with backoff", exc)
        return delay

    def recovered(self) -> None:
        """getUpdates answered: say so if it had been failing."""
        if self.failures:
            log.info("Telegram: getUpdates works again (after %d failed attempts)", self.failures)
        self.failures = 0
        self._cause = None


def position(update: Any) -> int | None:
    """An update's place in the queue (its update_id, even one sent as a string of digits):
    what the offset moves past, whether or not the update itself can be read."""
    update_id = update.get("update_id") if isinstance(update, Mapping) else None
    if isinstance(update_id, str) and update_id.isdigit():
        return int(update_id)
    return update_id if isinstance(update_id, int) and not isinstance(update_id, bool) else None
