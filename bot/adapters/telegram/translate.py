"""Pure translation between Bot API JSON and the engine's neutral events and replies."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeGuard

from bot.adapters import drawn_label
from bot.adapters.sending import ApiCall
from handlers.events import Button, Inbound, IncomingDocument, Reply

PLATFORM = "telegram"
PARSE_MODE = "HTML"
MAX_MESSAGE_CHARS = 4096
"""Telegram's limit for a message's text, counted after entity parsing."""
MAX_CAPTION_CHARS = 1024
MAX_CALLBACK_DATA_BYTES = 64
UNSUPPORTED_CONTENT = (
    "sticker",
    "photo",
    "animation",
    "video",
    "video_note",
    "voice",
    "audio",
    "contact",
    "location",
    "venue",
    "poll",
    "dice",
    "game",
    "story",
    "invoice",
    "paid_media",
)
"""Message contents a participant may send that the engine cannot read."""
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
"""The update types the bot asks Telegram for (polling and webhook alike)."""


class MalformedUpdate(ValueError):
    """An update whose shape is not the Bot API's: refused whole, never half read.

    Its message names the update (when its id is readable) and the part at fault, on one
    line and without any of the update's content, so it can be logged as it is.
    """

    def __init__(self, problem: str, update_id: int | None = None) -> None:
        where = f"Telegram update {update_id}" if update_id is not None else "Telegram update"
        super().__init__(f"{where} refused: {problem}")
        self.update_id = update_id


Fetch = Callable[[str], Awaitable[bytes]]
"""Downloads a file by its Telegram file_id."""


@dataclass(frozen=True)
class Received:
    """One update as the channel needs it: the engine's event and what Telegram expects back."""

    update_id: int
    chat_id: str | None
    event: Inbound | None = None
    """None when nothing in the update is for the engine (an edit, a group message...)."""
    callback_query_id: str | None = None
    """Set for a pressed button: Telegram shows a spinner until it is answered."""
    message_id: int | None = None
    """The bot message whose button was pressed, so a toggle can edit it in place."""
    reachable: bool | None = None
    """From `my_chat_member` in a private chat: False when the user blocked the bot."""

    @property
    def ordering_key(self) -> str:
        """Updates with the same key are processed one after another, in order."""
        return self.chat_id if self.chat_id is not None else f"update:{self.update_id}"


def update_key(bot_id: str, update_id: int) -> str:
    """The deduplication key of an update: update ids are only unique per bot."""
    return f"{bot_id}:{update_id}"


def to_received(update: Mapping[str, Any], *, bot_id: str, fetch: Fetch) -> Received:
    """Translate one Bot API `Update` object, checking the shape of what it reads.

    Args:
        update: The update as JSON (webhook body, or one element of getUpdates).
        bot_id: The bot's numeric id (the part of the token before the colon).
        fetch: Downloads a file by file_id; called only when the engine reads a document.

    Returns:
        What the channel does with the update.

    Raises:
        MalformedUpdate: A part the bot reads is missing or of the wrong type (a callback
            without `from`, a message without `chat`, a document without `file_id`, an
            update_id that is not an integer...).
    """
    if not isinstance(update, Mapping):
        raise MalformedUpdate("it is not a JSON object")
    update_id = update.get("update_id")
    if not _is_int(update_id):
        raise MalformedUpdate("update_id is missing or not an integer")
    try:
        return _translate(update, update_id, update_key(bot_id, update_id), fetch)
    except _Shape as exc:
        raise MalformedUpdate(str(exc), update_id) from None


class _Shape(Exception):
    """A part of the update that is missing or of the wrong type (its dotted path)."""


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _object(parent: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if not isinstance(value, Mapping):
        raise _Shape(f"{where}.{key} is missing or not an object")
    return value


def _optional_object(parent: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any] | None:
    return _object(parent, key, where) if parent.get(key) is not None else None


def _integer(parent: Mapping[str, Any], key: str, where: str) -> int:
    value = parent.get(key)
    if not _is_int(value):
        raise _Shape(f"{where}.{key} is missing or not an integer")
    return value


def _text(parent: Mapping[str, Any], key: str, where: str) -> str | None:
    """An optional string field."""
    value = parent.get(key)
    if value is not None and not isinstance(value, str):
        raise _Shape(f"{where}.{key} is not a string")
    return value


def _chat(parent: Mapping[str, Any], where: str) -> tuple[str, bool]:
    """The chat's id, and whether it is a private chat (the only kind the bot serves)."""
    chat = _object(parent, "chat", where)
    chat_id = _integer(chat, "id", f"{where}.chat")
    return str(chat_id), _text(chat, "type", f"{where}.chat") == "private"


def _translate(update: Mapping[str, Any], update_id: int, key: str, fetch: Fetch) -> Received:
    if "message" in update:
        return _from_message(update_id, key, _object(update, "message", "update"), fetch)
    if "callback_query" in update:
        return _from_callback(update_id, key, _object(update, "callback_query", "update"))
    if "my_chat_member" in update:
        member = _object(update, "my_chat_member", "update")
        chat_id, private = _chat(member, "my_chat_member")
        new = _object(member, "new_chat_member", "my_chat_member")
        status = _text(new, "status", "my_chat_member.new_chat_member")
        if not private:
            return Received(update_id, chat_id)
        return Received(update_id, chat_id, reachable=status not in ("kicked", "left"))
    # Edits, channel posts and the rest change nothing: an answer is what was first sent.
    for value in update.values():
        if isinstance(value, Mapping) and isinstance(value.get("chat"), Mapping):
            chat = value["chat"]
            return Received(update_id, str(chat["id"]) if _is_int(chat.get("id")) else None)
    return Received(update_id, None)


def _sender(user: Mapping[str, Any], where: str) -> dict[str, Any]:
    user_id = _integer(user, "id", where)
    names = (_text(user, "first_name", where), _text(user, "last_name", where))
    name = " ".join(part for part in names if part).strip()
    return {
        "user_id": str(user_id),
        "locale": _text(user, "language_code", where) or None,
        "display_name": name or None,
    }


def _from_message(update_id: int, key: str, message: Mapping[str, Any], fetch: Fetch) -> Received:
    chat_id, private = _chat(message, "message")
    sender = _optional_object(message, "from", "message")
    text = _text(message, "text", "message")
    document = _optional_object(message, "document", "message")
    if not private or sender is None:
        # The conversation is personal: group chats would show one person's data to all.
        return Received(update_id, chat_id)
    base = Inbound(PLATFORM, chat_id=chat_id, update_id=key, **_sender(sender, "message.from"))
    if text is not None:
        return Received(update_id, chat_id, _with(base, text=text))
    if document is not None:
        where = "message.document"
        file_id = _text(document, "file_id", where)
        if not file_id:
            raise _Shape(f"{where}.file_id is missing")
        size = document.get("file_size")
        if size is not None and not _is_int(size):
            raise _Shape(f"{where}.file_size is not an integer")
        incoming = IncomingDocument(
            filename=_text(document, "file_name", where) or "document",
            size=size or 0,
            mime_type=_text(document, "mime_type", where),
            read=partial(fetch, file_id),
        )
        return Received(update_id, chat_id, _with(base, document=incoming))
    kind = next((kind for kind in UNSUPPORTED_CONTENT if kind in message), None)
    if kind is not None:
        return Received(update_id, chat_id, _with(base, unsupported=kind))
    return Received(update_id, chat_id)  # a service message: nobody wrote anything


def _from_callback(update_id: int, key: str, query: Mapping[str, Any]) -> Received:
    where = "callback_query"
    query_id = _text(query, "id", where)
    if not query_id:
        raise _Shape(f"{where}.id is missing or not a string")
    sender = _sender(_object(query, "from", where), f"{where}.from")
    data = _text(query, "data", where)
    message = _optional_object(query, "message", where)
    if message is None:
        # A button on an inline message, which may sit in any chat: answered, nothing else.
        return Received(update_id, None, callback_query_id=query_id)
    chat_id, private = _chat(message, f"{where}.message")
    if not private:
        # Pressed in a group: the answer would show one person's step to everyone there.
        return Received(update_id, chat_id, callback_query_id=query_id)
    # An inaccessible message (date 0) can no longer be edited.
    message_id = (
        _integer(message, "message_id", f"{where}.message") if message.get("date") else None
    )
    event = (
        Inbound(PLATFORM, chat_id=chat_id, update_id=key, payload=data, **sender)
        if data is not None
        else None
    )
    return Received(update_id, chat_id, event, callback_query_id=query_id, message_id=message_id)


def _with(base: Inbound, **fields: Any) -> Inbound:
    return Inbound(
        base.platform,
        base.user_id,
        base.chat_id,
        update_id=base.update_id,
        locale=base.locale,
        display_name=base.display_name,
        **fields,
    )


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split a text into messages of at most `limit` characters without breaking words.

    Paragraph breaks are preferred, then line breaks, then spaces; only a single word
    longer than the limit is cut.
    """
    chunks: list[str] = []
    rest = text
    while True:
        fit = _fitting(rest, limit)
        if fit >= len(rest):
            chunks.append(rest)
            break
        window = rest[: fit + 1]  # one more, so a break right after the limit is found
        cut, skip = fit, 0
        for separator, earliest in (("\n\n", fit // 2), ("\n", fit // 2), (" ", 1), ("\n", 1)):
            at = window.rfind(separator)
            if at >= earliest:
                cut, skip = at, len(separator)
                break
        chunks.append(rest[:cut])
        rest = rest[cut + skip :]
    return [chunk for chunk in chunks if chunk.strip()] or [text[: _fitting(text, limit)]]


def keyboard(buttons: Sequence[Sequence[Button]]) -> dict[str, Any]:
    """An inline keyboard; each button sends our payload back as callback_data."""
    rows = []
    for row in buttons:
        cells = []
        for button in row:
            if len(button.payload.encode()) > MAX_CALLBACK_DATA_BYTES:
                raise ValueError(f"button payload over 64 bytes: {button.payload!r}")
            cells.append({"text": drawn_label(button), "callback_data": button.payload})
        rows.append(cells)
    return {"inline_keyboard": rows}


def to_calls(
    replies: Sequence[Reply], *, chat_id: str, edit_message_id: int | None = None
) -> list[ApiCall]:
    """The Bot API calls that show `replies` in a chat.

    Args:
        replies: The engine's replies, in order.
        chat_id: Where they go.
        edit_message_id: The message whose button was pressed; a reply that replaces the
            previous one (a multi-choice toggle) edits it instead of sending a new message.

    Returns:
        sendMessage, editMessageText and sendDocument calls, in order. Text is escaped for
        HTML parse mode; long texts are split; buttons go on the last part.
    """
    calls: list[ApiCall] = []
    for reply in replies:
        markup = {"reply_markup": keyboard(reply.buttons)} if reply.buttons else {}
        text = reply.text if reply.text.strip() else ("·" if reply.buttons else "")
        if reply.document is not None:
            caption = text if utf16_length(text) <= MAX_CAPTION_CHARS else ""
            if text and not caption:
                calls += _messages(chat_id, text, {})
            params: dict[str, Any] = {"chat_id": chat_id, **markup}
            if caption:
                params |= {"caption": html.escape(caption), "parse_mode": PARSE_MODE}
            calls.append(ApiCall("sendDocument", params, reply.document))
        elif (
            reply.replace_previous
            and edit_message_id is not None
            and utf16_length(text) <= MAX_MESSAGE_CHARS
        ):
            message = {"chat_id": chat_id, "text": html.escape(text), "parse_mode": PARSE_MODE}
            edit = {"chat_id": chat_id, "message_id": edit_message_id, **message, **markup}
            # Too old to edit, or deleted: then the new state is shown as a new message.
            anew = ApiCall("sendMessage", {**message, **markup})
            calls.append(ApiCall("editMessageText", edit, instead=anew))
            edit_message_id = None  # one pressed message, edited once
        elif text:
            calls += _messages(chat_id, text, markup)
    return calls


def _messages(chat_id: str, text: str, markup: dict[str, Any]) -> list[ApiCall]:
    parts = split_text(text)
    return [
        ApiCall(
            "sendMessage",
            {
                "chat_id": chat_id,
                "text": html.escape(part),
                "parse_mode": PARSE_MODE,
                **(markup if index == len(parts) - 1 else {}),
            },
        )
        for index, part in enumerate(parts)
    ]
