"""The neutral vocabulary between the engine and every channel."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


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
    numbered: bool = False
    """True when the channel shows buttons numbered (the terminal): typed text that is a
    number presses the current step's button of that number."""


@dataclass(frozen=True)
class Button:
    """A button: what it says and what it sends back.

    The payload is the engine's own: a channel sends it back as it was and never reads it.
    """

    label: str
    payload: str
    selected: bool = False
    """True for an option of a choice group that is chosen now; each channel shows it its
    own way (a check mark before the label, a ticked checkbox)."""
    form: int | None = None
    """The agenda item this button opens, for a channel that can also offer the item as one
    form beside it."""


@dataclass(frozen=True)
class ChoiceGroup:
    """The options of a question answered by choosing, for a channel that shows them its own
    way (checkboxes) instead of as buttons.

    Its buttons are also in the reply's `buttons`, in reading order, where a channel that
    shows only buttons finds them; a channel that renders the group leaves them out there.
    """

    key: str
    """Names the group: the same each time the same question is shown."""
    options: tuple[Button, ...]
    """One button per option; pressing one toggles it, `selected` says which are chosen."""
    confirm: Button
    """The button that answers with the options chosen."""
    several: bool = True
    """Whether more than one option may be chosen."""


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
    choices: ChoiceGroup | None = None
    """The buttons that choose among a question's options, when it is answered so."""

    def all_buttons(self) -> list[Button]:
        """The buttons in reading order."""
        return [button for row in self.buttons for button in row]


@dataclass(frozen=True)
class Destination:
    """Where the replies to an event go: into its platform's outbox, in the transaction of
    the event's effects, for the platform's sender to send to `chat_id`."""

    chat_id: str
    note: Mapping[str, Any] = field(default_factory=dict)
    """What the channel needs besides the replies to show them (JSON-ready: the message a
    toggle edits)."""


def outbox_body(replies: Sequence[Reply], destination: Destination) -> str:
    """What an outbox row holds: the replies and the destination's note, as JSON."""
    return json.dumps({"replies": replies_to_json(replies), "note": dict(destination.note)})


def from_outbox_body(body: str) -> tuple[list[Reply], dict[str, Any]]:
    """The replies and the note of an outbox row (`outbox_body`)."""
    data = json.loads(body)
    return replies_from_json(data["replies"]), dict(data["note"])


def replies_to_json(replies: Sequence[Reply]) -> list[dict[str, Any]]:
    """Replies as JSON-ready data, to wait in the outbox (`replies_from_json` reads them)."""
    return [_reply_json(reply) for reply in replies]


def replies_from_json(data: Sequence[Mapping[str, Any]]) -> list[Reply]:
    """The replies `replies_to_json` wrote."""
    return [_reply_from(item) for item in data]


def _button_json(button: Button) -> dict[str, Any]:
    return {"l": button.label, "p": button.payload, "s": button.selected, "f": button.form}


def _button_from(data: Mapping[str, Any]) -> Button:
    return Button(data["l"], data["p"], selected=data["s"], form=data["f"])


def _reply_json(reply: Reply) -> dict[str, Any]:
    document = reply.document
    choices = reply.choices
    return {
        "text": reply.text,
        "buttons": [[_button_json(b) for b in row] for row in reply.buttons],
        "document": None
        if document is None
        else {
            "filename": document.filename,
            "content": base64.b64encode(document.content).decode("ascii"),
            "mime_type": document.mime_type,
        },
        "replace_previous": reply.replace_previous,
        "rtl": reply.rtl,
        "choices": None
        if choices is None
        else {
            "key": choices.key,
            "options": [_button_json(b) for b in choices.options],
            "confirm": _button_json(choices.confirm),
            "several": choices.several,
        },
    }


def _reply_from(data: Mapping[str, Any]) -> Reply:
    document, choices = data["document"], data["choices"]
    return Reply(
        data["text"],
        buttons=tuple(tuple(_button_from(b) for b in row) for row in data["buttons"]),
        document=None
        if document is None
        else OutgoingDocument(
            document["filename"], base64.b64decode(document["content"]), document["mime_type"]
        ),
        replace_previous=data["replace_previous"],
        rtl=data["rtl"],
        choices=None
        if choices is None
        else ChoiceGroup(
            choices["key"],
            tuple(_button_from(b) for b in choices["options"]),
            _button_from(choices["confirm"]),
            several=choices["several"],
        ),
    )
