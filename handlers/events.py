"""The neutral vocabulary between the engine and every channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


class DocumentTooLarge(Exception):
    """Raised by `IncomingDocument.read` when the file proves larger than the engine accepts
    while it is being read (its size was not known before): reading stops at the limit."""


@dataclass(frozen=True)
class IncomingDocument:
    """A file a participant sent; its bytes are fetched only once it passes the checks.

    `read` may raise `DocumentTooLarge` instead of reading past the engine's limit.
    """

    filename: str
    size: int
    mime_type: str | None
    read: Callable[[], Awaitable[bytes]]


@dataclass(frozen=True)
class Inbound:
    """One thing a participant did: wrote text, pressed a button, sent a file or a sticker."""

    platform: str
    user_id: str
    chat_id: str
    update_id: str | None = None
    text: str | None = None
    payload: str | None = None
    document: IncomingDocument | None = None
    unsupported: str | None = None
    """What arrived that we cannot read (a sticker, a photo, a voice message)."""
    locale: str | None = None
    display_name: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Button:
    """A button: what it says and what it sends back."""

    label: str
    payload: str


@dataclass(frozen=True)
class OutgoingDocument:
    """A file the bot sends (a participant's own data, an export)."""

    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True)
class Reply:
    """One message from the bot. Text is plain: each channel escapes and formats it."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: OutgoingDocument | None = None
    replace_previous: bool = False
    """True when the message updates the one before it (a multi-choice toggle)."""
    rtl: bool = field(default=False)
    """True when the text is in a right-to-left language."""

    def all_buttons(self) -> list[Button]:
        """The buttons in reading order."""
        return [button for row in self.buttons for button in row]
