"""What both platform channels send the same way: one API call, and an edit that is refused
shown as a new message instead."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from bot.adapters.pacing import Pacer
from handlers.events import OutgoingDocument

T = TypeVar("T")


@dataclass(frozen=True)
class ApiCall:
    """One Web API or Bot API call: its method and arguments (JSON-ready, except the
    document)."""

    method: str
    params: dict[str, Any]
    document: OutgoingDocument | None = field(default=None, compare=True)
    instead: ApiCall | None = field(default=None, compare=False, repr=False)
    """For an edit of a message already shown: the call that shows the same as a new message,
    made when the platform refuses the edit."""


async def send(
    pacer: Pacer[Any],
    chat_id: str,
    call: ApiCall,
    make: Callable[[ApiCall], Awaitable[T]],
    *,
    refused: type[Exception],
    reserve: int = 0,
) -> T:
    """Make one call within the platform's limits.

    An edit the platform refuses (the message is too old to edit, or was deleted) is made
    again as its new message (`ApiCall.instead`): the participant sees the new state either
    way.

    Args:
        pacer: The platform's limiter.
        chat_id: The chat the call sends to.
        call: The call.
        make: Makes a call (the platform client's `send`).
        refused: What the client raises when the platform refuses a call.
        reserve: Places of the chat's window to leave free (`Pacer.run`).

    Raises:
        Whatever `make` and the pacer raise, except an edit's refusal.
    """
    try:
        return await pacer.run(chat_id, partial(make, call), reserve=reserve)
    except refused:
        if call.instead is None:
            raise
        return await pacer.run(chat_id, partial(make, call.instead), reserve=reserve)
