"""Events in: a checked Slack payload (a DM message, a button, a slash command, a submitted
form) as the engine's neutral events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from typing import Any

from bot.adapters.slack.translate.limits import (
    ANSWER_ACTION,
    BUTTON_ACTION,
    FORM_ACTION,
    PLATFORM,
    TOGGLE_ACTION,
)
from handlers.events import Inbound, IncomingDocument
from handlers.features.forms import FormValue

COMMAND_WORDS = frozenset(
    {"start", "help", "status", "language", "mydata", "forget", "reminders", "cancel", "link"}
)
"""Commands a participant may type as a bare word in the DM: Slack keeps "/help" for itself."""
_ARGUMENT_COMMANDS = frozenset({"start", "link", "reminders"})

Fetch = Callable[[str], Awaitable[bytes]]
"""Downloads a file by its Slack file id (files.info, then url_private_download)."""


@dataclass(frozen=True)
class Profile:
    """What users.info says of a person: locale, time zone, name."""

    locale: str | None = None
    timezone: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class Received:
    """A payload as the channel needs it: the engine's events and where replies go."""

    events: tuple[Inbound, ...]
    channel: str | None
    """The DM channel to answer in."""
    message_ts: str | None = None
    """The bot message whose button was pressed, so a toggle updates it in place."""


def command_text(text: str) -> str:
    """A bare command word typed in the DM ("help", "link ABCD1234") as the engine's "/help".

    Only a whole message that is a command (with one argument for start, link and reminders)
    counts, so an answer that happens to begin with "help" stays an answer.
    """
    words = text.split()
    if not words or words[0].lower() not in COMMAND_WORDS:
        return text
    name = words[0].lower()
    if len(words) == 1 or (len(words) == 2 and name in _ARGUMENT_COMMANDS):
        return "/" + " ".join([name, *words[1:]])
    return text


def slash_command_text(text: str) -> str:
    """`/intersessional help` → `/help`; an empty command continues (`/start`)."""
    words = text.split()
    if not words:
        return "/start"
    return "/" + " ".join([words[0].lower(), *words[1:]])


def event_key(body: Mapping[str, Any]) -> str:
    """The deduplication key of an Events API delivery: its team and event_id."""
    return f"{body.get('team_id', '')}:{body['event_id']}"


def _inbound(
    user_id: str, channel: str, key: str | None, profile: Profile | None, **fields: Any
) -> Inbound:
    profile = profile or Profile()
    return Inbound(
        PLATFORM,
        user_id,
        channel,
        update_id=key,
        locale=profile.locale,
        display_name=profile.display_name,
        timezone=profile.timezone,
        **fields,
    )


def from_message(
    body: Mapping[str, Any], *, profile: Profile | None, fetch: Fetch
) -> Received | None:
    """Translate an `event_callback` envelope holding a `message.im` event.

    Args:
        body: The envelope as Slack sends it (Events API or Socket Mode payload).
        profile: The sender's users.info profile, when known.
        fetch: Downloads a shared file; called only when the engine reads a document.

    Returns:
        None for what nobody wrote to us: another channel type, a bot's message, an edit.
    """
    event = body.get("event") or {}
    channel, user = event.get("channel"), event.get("user")
    if (
        event.get("type") != "message"
        or event.get("channel_type") != "im"
        or event.get("bot_id")
        or not isinstance(channel, str)
        or not isinstance(user, str)
    ):
        return None
    subtype = event.get("subtype")
    key = event_key(body)
    files = event.get("files") or []
    if subtype == "file_share" and files:
        shared = files[0]
        document = IncomingDocument(
            filename=str(shared.get("name") or "document"),
            size=int(shared.get("size") or 0),
            mime_type=shared.get("mimetype"),
            read=partial(fetch, str(shared["id"])),
        )
        return Received((_inbound(user, channel, key, profile, document=document),), channel)
    if subtype is not None:
        return None  # an edit, a deletion, a join: an answer is what was first sent
    text = event.get("text")
    if not isinstance(text, str):
        return None
    return Received(
        (_inbound(user, channel, key, profile, text=command_text(_unescape(text))),), channel
    )


def _unescape(text: str) -> str:
    # Slack escapes these three in the text it delivers; the engine sees what was typed.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _checked(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """The checked payloads of each checkboxes element in a payload's `state.values`."""
    checked: dict[str, list[str]] = {}
    for block_id, actions in values.items():
        for action_id, state in (actions or {}).items():
            if action_id == TOGGLE_ACTION and state.get("type") == "checkboxes":
                checked[block_id] = [o["value"] for o in state.get("selected_options") or []]
    return checked


def _initial(message: Mapping[str, Any], block_id: str) -> tuple[list[str], list[str]]:
    """The options of one checkboxes element as the bot showed them, and which were checked."""
    for block in message.get("blocks") or []:
        if block.get("block_id") != block_id:
            continue
        for element in block.get("elements") or []:
            if element.get("type") == "checkboxes":
                options = [o["value"] for o in element.get("options") or []]
                checked = [o["value"] for o in element.get("initial_options") or []]
                return options, checked
    return [], []


def _confirmed(message: Mapping[str, Any], pressed_in: Any) -> str | None:
    """The checkboxes block a press in block `pressed_in` confirms: the block drawn just
    before it, when that holds checkboxes (`messages` puts the confirm button there)."""
    shown = message.get("blocks") or []
    for before, block in pairwise(shown):
        if block.get("block_id") == pressed_in and any(
            element.get("type") == "checkboxes" for element in before.get("elements") or []
        ):
            block_id = before.get("block_id")
            return block_id if isinstance(block_id, str) else None
    return None


def from_action(body: Mapping[str, Any], *, profile: Profile | None) -> Received | None:
    """Translate a `block_actions` payload for one of our buttons in the DM.

    A choice group of several shows checkboxes and its confirm button. Ticking a box only
    acknowledges; the confirm button sends the engine one toggle per box whose state differs
    from what the engine showed, then its own payload, so the engine's own rules decide.

    Returns:
        None when the action is not a button of ours (a checkbox, the form button).
    """
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    action_id = str(action.get("action_id", ""))
    if not action_id.startswith(BUTTON_ACTION + ":") or "value" not in action:
        return None
    user = str((body.get("user") or {}).get("id", ""))
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    if not user or not isinstance(channel, str):
        return None
    key = f"{(body.get('team') or {}).get('id', '')}:{body.get('trigger_id', '')}"
    value = str(action["value"])
    payloads: list[str] = []
    message = body.get("message") or {}
    block_id = _confirmed(message, action.get("block_id"))
    if block_id is not None:
        now = _checked((body.get("state") or {}).get("values") or {}).get(block_id)
        order, before = _initial(message, block_id)
        if now is not None:
            payloads = [p for p in order if (p in now) != (p in before)]
    payloads.append(value)
    events = tuple(
        _inbound(user, channel, key if i == len(payloads) - 1 else f"{key}:{i}", profile, payload=p)
        for i, p in enumerate(payloads)
    )
    return Received(events, channel, message_ts=container.get("message_ts"))


def form_item(body: Mapping[str, Any]) -> int | None:
    """The agenda item of an "Answer in a form" press, or None for another action."""
    for action in body.get("actions") or []:
        value = str(action.get("value", ""))
        if action.get("action_id") == FORM_ACTION and value.isdigit() and len(value) < 12:
            return int(value)
    return None


def from_command(body: Mapping[str, Any], *, channel: str, profile: Profile | None) -> Inbound:
    """Translate a slash command's form body (`/intersessional status`) into a command.

    Args:
        body: The form fields Slack posts (command, text, user_id, trigger_id, ...).
        channel: The DM channel with the user, where the answer goes.
        profile: The user's users.info profile, when known.
    """
    key = f"{body.get('team_id', '')}:{body.get('trigger_id', '')}"
    text = slash_command_text(str(body.get("text") or ""))
    return _inbound(str(body["user_id"]), channel, key, profile, text=text)


def form_values(view: Mapping[str, Any]) -> tuple[int | None, dict[int, FormValue]]:
    """The agenda item and the raw answers of a submitted form modal (`view.state.values`)."""
    metadata = str(view.get("private_metadata") or "")
    item_id = int(metadata) if metadata.isdigit() and len(metadata) < 12 else None
    values: dict[int, FormValue] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        if not block_id.startswith("q") or not block_id[1:].isdigit():
            continue
        state = (actions or {}).get(ANSWER_ACTION) or {}
        kind = state.get("type")
        raw: FormValue
        if kind in ("checkboxes", "multi_static_select"):
            raw = [o["value"] for o in state.get("selected_options") or []]
        elif kind in ("radio_buttons", "static_select"):
            raw = (state.get("selected_option") or {}).get("value")
        elif kind == "datepicker":
            raw = state.get("selected_date")
        else:
            raw = state.get("value")
        values[int(block_id[1:])] = raw
    return item_id, values
