"""Pure translation between Slack payloads (events, actions, views, slash commands) and the
engine's neutral events and replies, and from replies to Web API calls in Block Kit."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from handlers.events import Button, Inbound, IncomingDocument, OutgoingDocument, Reply
from handlers.features.consultations import Window
from handlers.features.forms import FormQuestion, FormResult, FormValue, ItemForm
from handlers.features.overview import Overview
from handlers.i18n import Translator
from handlers.questions import FieldKind

PLATFORM = "slack"
BUTTON_ACTION = "act"
"""Our buttons' action ids start with this; their value is the engine's payload."""
TOGGLE_ACTION = "tog"
"""The checkboxes of a multi-choice question: changing them only acknowledges."""
DONE_ACTION = "done"
FORM_ACTION = "form"
"""The "Answer in a form" button: its value is the agenda item id."""
FORM_CALLBACK = "answers"
"""The callback_id of the form modal."""
ANSWER_ACTION = "answer"
COMMAND = "/intersessional"
COMMAND_WORDS = frozenset(
    {"start", "help", "status", "language", "mydata", "forget", "reminders", "cancel", "link"}
)
"""Commands a participant may type as a bare word in the DM: Slack keeps "/help" for itself."""
_ARGUMENT_COMMANDS = frozenset({"start", "link", "reminders"})
MAX_SECTION_CHARS = 3000
MAX_BUTTON_CHARS = 75
MAX_ACTIONS_PER_BLOCK = 25
MAX_BLOCKS = 50
MAX_CHECKBOXES = 10
MAX_OPTION_VALUE = 150
"""A checkbox or select option's value; a button's may be 2,000."""
MAX_MODAL_TITLE = 24
MAX_LABEL_CHARS = 2000
MAX_INPUT_CHARS = 3000
FORM_ICON = "📝"

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


@dataclass(frozen=True)
class ApiCall:
    """One Web API call: its method and arguments (JSON-ready, except the document)."""

    method: str
    params: dict[str, Any]
    document: OutgoingDocument | None = field(default=None, compare=True)


# What a signed request must look like before anything acts on it


class Malformed(ValueError):
    """A payload that is not what Slack documents: refused whole, nothing of it processed.

    The message names the field and what is wrong with it, never a value from the payload.
    """


_MISSING = object()
_KINDS: dict[type | tuple[type, ...], str] = {
    str: "a string",
    dict: "an object",
    list: "a list",
    int: "a number",
    bool: "true or false",
    (str, dict): "a string or an object",
}


def _at(data: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(data, dict) or key not in data:
            return _MISSING
        data = data[key]
    return data


def _check(data: Any, path: str, kind: type | tuple[type, ...], *, required: bool = False) -> Any:
    """The value at a dotted path, checked: missing (or null) only when not `required`."""
    value = _at(data, path)
    if value is _MISSING or value is None:
        if required:
            raise Malformed(f"{path} is missing")
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Malformed(f"{path} is not {_KINDS[kind]}")
    if required and kind is str and not value:
        raise Malformed(f"{path} is empty")
    return value


def _objects(data: Any, path: str, *, required: bool = False) -> list[dict[str, Any]]:
    """The list of objects at a dotted path (empty when absent and not `required`)."""
    items = _check(data, path, list, required=required) or []
    if required and not items:
        raise Malformed(f"{path} is empty")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise Malformed(f"{path}[{index}] is not an object")
    return list(items)


def _context(data: Any, *, nested: bool = False) -> None:
    """The fields Bolt reads from every payload to build its context: ids as strings or as
    objects with a string id, authorizations as objects."""
    for name in ("enterprise", "team", "user", "channel"):
        value = _check(data, name, (str, dict))
        if isinstance(value, dict):
            _check(value, "id", str)
    for name in ("team_id", "user_id", "channel_id", "enterprise_id", "thread_ts"):
        _check(data, name, str)
    for authorization in _objects(data, "authorizations"):
        for name in ("team_id", "user_id", "enterprise_id"):
            _check(authorization, name, str)
    if "response_urls" in data:  # Bolt reads it whenever the key is there, null or not
        if not isinstance(data["response_urls"], list):
            raise Malformed("response_urls is not a list")
        _objects(data, "response_urls")
    for name in ("view.team_id", "view.app_installed_team_id"):
        _check(data, name, str)
    for name in ("event", "message", "previous_message", "item"):
        inner = _at(data, name)
        if isinstance(inner, dict) and not nested:
            _context(inner, nested=True)


def _event(body: dict[str, Any]) -> None:
    _check(body, "event_id", str, required=True)
    _check(body, "team_id", str)
    _check(body, "event", dict, required=True)
    kind = _check(body, "event.type", str, required=True)
    event = body["event"]
    if kind == "message":
        subtype = _check(event, "subtype", str)
        _check(event, "channel", str)
        _check(event, "channel_type", str)
        _check(event, "text", str)
        if event.get("bot_id") is None and subtype in (None, "file_share"):
            _check(event, "user", str, required=True)
            _check(event, "channel", str, required=True)
        for shared in _objects(event, "files", required=subtype == "file_share"):
            _check(shared, "id", str, required=True)
            _check(shared, "name", str)
            _check(shared, "size", int)
            _check(shared, "mimetype", str)
    elif kind == "app_home_opened":
        _check(event, "user", str, required=True)
        _check(event, "tab", str)


def _options(data: Any, path: str) -> None:
    for option in _objects(data, path):
        _check(option, "value", str, required=True)


def _interaction(body: dict[str, Any]) -> None:
    # In an interaction, team, user and channel are objects (Bolt also takes strings).
    _check(body, "user", dict, required=True)
    _check(body, "user.id", str, required=True)
    _check(body, "team", dict)
    _check(body, "channel", dict)


def _block_actions(body: dict[str, Any]) -> None:
    _interaction(body)
    _check(body, "trigger_id", str, required=True)
    for action in _objects(body, "actions", required=True):
        _check(action, "action_id", str, required=True)
        _check(action, "block_id", str)
        _check(action, "value", str)
    _check(body, "container", dict)
    _check(body, "container.message_ts", str)
    _check(body, "container.channel_id", str)
    _check(body, "message", dict)
    _check(body, "state", dict)
    for block in _objects(body, "message.blocks"):
        _check(block, "block_id", str)
        for element in _objects(block, "elements"):
            _options(element, "options")
            _options(element, "initial_options")
    _states(body, "state.values")


def _states(data: Any, path: str) -> None:
    """`state.values`: block id → action id → the input's state."""
    for block_id, actions in (_check(data, path, dict) or {}).items():
        if not isinstance(actions, dict):
            raise Malformed(f"{path}.{block_id} is not an object")
        for action_id, state in actions.items():
            where = f"{path}.{block_id}.{action_id}"
            if not isinstance(state, dict):
                raise Malformed(f"{where} is not an object")
            _check(state, "type", str)
            _check(state, "value", str)
            _check(state, "selected_date", str)
            _options(state, "selected_options")
            if _check(state, "selected_option", dict) is not None:
                _check(state, "selected_option.value", str, required=True)


def _view_submission(body: dict[str, Any]) -> None:
    _interaction(body)
    _check(body, "view", dict, required=True)
    _check(body, "view.callback_id", str, required=True)
    _check(body, "view.private_metadata", str)
    _check(body, "view.state", dict)
    _states(body, "view.state.values")
    for block in _objects(body, "view.blocks"):
        _check(block, "type", str)
        _check(block, "block_id", str)


def _command(body: dict[str, Any]) -> None:
    for name in ("command", "user_id", "trigger_id"):
        _check(body, name, str, required=True)
    _check(body, "text", str)


def check_payload(body: Any) -> dict[str, Any]:
    """The payload of a request, once it is known to have the shape Slack documents for
    its kind (event, button, form submission, slash command), in the fields Bolt and this
    adapter read; anything else we are not sent is left for Bolt to acknowledge.

    Raises:
        Malformed: What is wrong, naming the field.
    """
    if not isinstance(body, dict):
        raise Malformed("the payload is not an object")
    _context(body)
    kind = _check(body, "type", str)
    if kind == "url_verification":
        _check(body, "challenge", str, required=True)
    elif kind == "event_callback":
        _event(body)
    elif kind == "block_actions":
        _block_actions(body)
    elif kind == "view_submission":
        _view_submission(body)
    elif "command" in body:
        _command(body)
    elif kind is None and "ssl_check" not in body:
        raise Malformed("the payload has neither a type nor a command")
    return body


ENVELOPE_TYPES = frozenset({"events_api", "interactive", "slash_commands"})
"""The Socket Mode envelopes that carry a payload for the app."""


def check_envelope(kind: Any, payload: Any) -> dict[str, Any]:
    """The payload of a Socket Mode envelope, checked as an HTTP request's is.

    Raises:
        Malformed: What is wrong, naming the field.
    """
    if kind not in ENVELOPE_TYPES:
        raise Malformed("the envelope type is not events_api, interactive or slash_commands")
    checked = check_payload(payload)
    if kind == "slash_commands" and "command" not in checked:
        raise Malformed("command is missing")
    if kind == "events_api" and checked.get("type") is None:
        raise Malformed("type is missing")
    return checked


def kind_of(body: Mapping[str, Any]) -> str:
    """What a checked payload is, for a log line: its type, event type or command."""
    event = body.get("event")
    if isinstance(event, dict):
        return f"{body.get('type')}/{event.get('type')}"
    return str(body.get("type") or body.get("command") or "unknown")


def read_body(body: bytes, content_type: str) -> dict[str, Any]:
    """The payload of a signed HTTP request: a JSON object (Events API), a form with a JSON
    `payload` field (interactivity) or a plain form (a slash command), checked.

    Raises:
        Malformed: The body is not one of those, or its payload is not what Slack sends.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("the body is not UTF-8") from None
    if not text.strip():
        raise Malformed("the body is empty")
    if content_type.split(";")[0].strip().lower() == "application/json" or text.startswith("{"):
        return check_payload(_json(text, "the body"))
    form = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in form:
        return check_payload(_json(form["payload"], "the payload field"))
    return check_payload(form)


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise Malformed(f"{what} is not JSON") from None


def escape(text: str) -> str:
    """Text safe for Slack's mrkdwn: `&`, `<` and `>` escaped, as Slack documents."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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


def from_action(body: Mapping[str, Any], *, profile: Profile | None) -> Received | None:
    """Translate a `block_actions` payload for one of our buttons in the DM.

    A multi-choice question shows checkboxes and a Done button. Ticking a box only
    acknowledges; Done sends the engine one toggle per box whose state differs from what
    the engine showed, then Done, so the engine's own rules decide the answer.

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
    if value.startswith(DONE_ACTION + ":"):
        block_id = f"{TOGGLE_ACTION}-{value.split(':', 1)[1]}"
        now = _checked((body.get("state") or {}).get("values") or {}).get(block_id)
        order, before = _initial(body.get("message") or {}, block_id)
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


# Replies → Web API calls


def _plain(text: str, limit: int = MAX_BUTTON_CHARS) -> dict[str, Any]:
    cut = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": cut or "·", "emoji": True}


def _entity_safe(text: str, cut: int) -> int:
    """`cut`, or the start of the escape entity (`&amp;`, `&lt;`, `&gt;`) it would split."""
    start = text.rfind("&", max(0, cut - len("&amp;") + 1), cut)
    if start > 0 and text.find(";", start, cut) == -1:
        return start
    return cut


def split_text(text: str, limit: int = MAX_SECTION_CHARS) -> list[str]:
    """Split text into parts of at most `limit` characters, at line breaks when possible.

    The text may already be escaped: a part never ends inside an escape entity, so each
    part unescapes to what was written.
    """
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = _entity_safe(rest, limit)
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip("\n ")
    parts.append(rest)
    return [p for p in parts if p.strip()]


def mrkdwn(text: str, limit: int = MAX_SECTION_CHARS) -> str:
    """Text escaped for mrkdwn, then cut to `limit` characters (with "…") outside any entity."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    return escaped[: _entity_safe(escaped, limit - 1)] + "…"


def _sections(text: str) -> list[dict[str, Any]]:
    # Escaping lengthens the text (an "&" is five characters), so escape first, then split
    # what Slack will count.
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": part, "verbatim": True}}
        for part in split_text(escape(text), MAX_SECTION_CHARS)
    ]


def _button(button: Button, index: int) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": f"{BUTTON_ACTION}:{index}",
        "text": _plain(button.label),
        "value": button.payload,
    }


def _is_toggle(button: Button) -> bool:
    return button.payload.startswith(TOGGLE_ACTION + ":")


def _checkboxes(rows: Sequence[Sequence[Button]]) -> dict[str, Any] | None:
    toggles = [b for row in rows for b in row if _is_toggle(b)]
    if not toggles or len(toggles) > MAX_CHECKBOXES:
        return None
    if any(len(b.payload) > MAX_OPTION_VALUE for b in toggles):
        return None  # shown as buttons, which carry it
    question = toggles[0].payload.split(":")[1]
    options = [
        {"text": _plain(b.label.removeprefix("✓ "), MAX_BUTTON_CHARS), "value": b.payload}
        for b in toggles
    ]
    element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": TOGGLE_ACTION,
        "options": options,
    }
    checked = [o for o, b in zip(options, toggles, strict=True) if b.label.startswith("✓ ")]
    if checked:
        element["initial_options"] = checked
    return {"type": "actions", "block_id": f"{TOGGLE_ACTION}-{question}", "elements": [element]}


def _actions(rows: list[list[Button]]) -> list[dict[str, Any]]:
    """One actions block per row of buttons; an agenda item's gets its form button beside it."""
    index = 0
    actions: list[dict[str, Any]] = []
    for number, row in enumerate(r for r in rows if r):
        elements = []
        for button in row:
            elements.append(_button(button, index))
            index += 1
            if button.payload.startswith("item:"):
                elements.append(
                    {
                        "type": "button",
                        "action_id": FORM_ACTION,
                        "text": _plain(f"{FORM_ICON} {button.label}"),
                        "value": button.payload.split(":", 1)[1],
                    }
                )
        actions.append({"type": "actions", "block_id": f"row-{number}", "elements": elements})
    if len(actions) > MAX_BLOCKS:  # too many rows for one message: pack them 25 to a block
        flat = [element for block in actions for element in block["elements"]]
        actions = [
            {
                "type": "actions",
                "block_id": f"row-{n}",
                "elements": flat[start : start + MAX_ACTIONS_PER_BLOCK],
            }
            for n, start in enumerate(range(0, len(flat), MAX_ACTIONS_PER_BLOCK))
        ]
    return actions


def messages(reply: Reply) -> list[list[dict[str, Any]]]:
    """The Block Kit blocks of one reply, as one or more messages of at most 50 blocks.

    The text comes first, as sections; then the buttons: each row of buttons is an actions
    block, a multi-choice question's toggles become one checkboxes element, an agenda item's
    button gets an "Answer in a form" button beside it. A text too long for one message
    continues in the next; the buttons stay together, in the last.
    """
    sections = _sections(reply.text) if reply.text.strip() else []
    rows = [list(row) for row in reply.buttons]
    checkboxes = _checkboxes(rows)
    controls: list[dict[str, Any]] = []
    if checkboxes is not None:
        controls.append(checkboxes)
        rows = [[b for b in row if not _is_toggle(b)] for row in rows]
    controls += _actions(rows)
    chunks = [sections[start : start + MAX_BLOCKS] for start in range(0, len(sections), MAX_BLOCKS)]
    if chunks and len(chunks[-1]) + len(controls) <= MAX_BLOCKS:
        chunks[-1] = chunks[-1] + controls
    elif controls:
        chunks.append(controls)
    return chunks


def blocks(reply: Reply) -> list[dict[str, Any]]:
    """The Block Kit blocks of a reply that fits one message (see `messages`)."""
    return [block for message in messages(reply) for block in message]


def _fallback(blocks: Sequence[Mapping[str, Any]], text: str) -> str:
    # The notification text: the message's first section, else the reply's text.
    for block in blocks:
        if block.get("type") == "section":
            return str(block["text"]["text"])
    return mrkdwn(text) or "·"


def to_calls(
    replies: Sequence[Reply], *, channel: str, update_ts: str | None = None
) -> list[ApiCall]:
    """The Web API calls that show `replies` in a DM.

    Args:
        replies: The engine's replies, in order.
        channel: The DM channel id.
        update_ts: The message whose button was pressed; a reply that replaces the previous
            one updates it (chat.update) instead of posting anew.

    Returns:
        chat.postMessage, chat.update and files.uploadV2 calls, in order; a reply longer
        than one message is several, the first of which may be the update.
    """
    calls: list[ApiCall] = []
    for reply in replies:
        if reply.document is not None:
            calls.append(
                ApiCall(
                    "files.uploadV2",
                    {
                        "channel": channel,
                        "filename": reply.document.filename,
                        "title": reply.document.filename,
                        "initial_comment": escape(reply.text),
                    },
                    reply.document,
                )
            )
            continue
        for shown in messages(reply):
            params = {"channel": channel, "text": _fallback(shown, reply.text), "blocks": shown}
            if reply.replace_previous and update_ts is not None:
                calls.append(ApiCall("chat.update", {**params, "ts": update_ts}))
                update_ts = None
            else:
                calls.append(ApiCall("chat.postMessage", params))
    return calls


# App Home and the form modal


def home_view(overview: Overview | None, t: Translator, *, how_to_join: str) -> dict[str, Any]:
    """The App Home tab: each consultation, its deadline, each agenda item's progress.

    Args:
        overview: The participant's overview; None for someone not registered yet.
        t: The translator of the overview's language.
        how_to_join: What a stranger is told (the engine's sentence).
    """
    items: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(t._("Your consultations"), 150)}
    ]
    if overview is None:
        items += _sections(how_to_join)
    elif not overview.onboarded:
        items += _sections(t._("Please finish the first steps in the Messages tab of this app."))
    elif not overview.consultations:
        items += _sections(t._("There is no consultation for you at the moment."))
    for consultation in overview.consultations if overview else ():
        items.append({"type": "divider"})
        items += _sections(consultation.title)
        items.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": mrkdwn(
                            t._("Deadline: {deadline}", deadline=consultation.deadline_text)
                        ),
                    }
                ],
            }
        )
        for item in consultation.items:
            section: dict[str, Any] = {
                "type": "section",
                "block_id": f"item-{item.item_id}",
                "text": {
                    "type": "mrkdwn",
                    "text": mrkdwn(f"{item.heading}\n{item.progress_text}"),
                },
            }
            if consultation.window == Window.OPEN:
                section["accessory"] = {
                    "type": "button",
                    "action_id": FORM_ACTION,
                    "text": _plain(t._("Answer in a form")),
                    "value": str(item.item_id),
                }
            items.append(section)
    return {"type": "home", "blocks": items[:100]}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label), "value": value}


def _element(question: FormQuestion) -> dict[str, Any] | None:
    """The Block Kit element of a form field; None for a document, sent in the DM."""
    current = question.current
    match question.element:
        case FieldKind.TEXT:
            element: dict[str, Any] = {
                "type": "plain_text_input",
                "action_id": ANSWER_ACTION,
                "multiline": True,
                "max_length": min(question.max_length, MAX_INPUT_CHARS),
            }
            if isinstance(current, str):
                element["initial_value"] = current[:MAX_INPUT_CHARS]
            return element
        case FieldKind.ONE:
            options = [_option(c.id, c.label) for c in question.choices]
            kind = "radio_buttons" if len(options) <= MAX_CHECKBOXES else "static_select"
            element = {"type": kind, "action_id": ANSWER_ACTION, "options": options}
            chosen = [o for o in options if o["value"] == current]
            if chosen:
                element["initial_option"] = chosen[0]
            return element
        case FieldKind.SEVERAL:
            options = [_option(c.id, c.label) for c in question.choices]
            kind = "checkboxes" if len(options) <= MAX_CHECKBOXES else "multi_static_select"
            element = {"type": kind, "action_id": ANSWER_ACTION, "options": options}
            chosen = [o for o in options if isinstance(current, tuple) and o["value"] in current]
            if chosen:
                element["initial_options"] = chosen
            return element
        case FieldKind.NUMBER:
            element = {
                "type": "number_input",
                "action_id": ANSWER_ACTION,
                "is_decimal_allowed": question.decimals > 0,
            }
            for key, value in (("min_value", question.minimum), ("max_value", question.maximum)):
                if value is not None:
                    element[key] = value
            if isinstance(current, str):
                element["initial_value"] = current
            return element
        case FieldKind.DATE:
            element = {"type": "datepicker", "action_id": ANSWER_ACTION}
            if isinstance(current, str):
                element["initial_date"] = current
            return element
        case FieldKind.FILE:
            return None


def form_view(form: ItemForm, t: Translator) -> dict[str, Any]:
    """The modal with every question of an agenda item as an input block.

    Every input is optional: what is left empty stays as it was, so a form can be saved
    half-done as a draft. A document question points to the DM, where files are sent.
    """
    items: list[dict[str, Any]] = _sections(form.heading)
    for question in form.questions:
        element = _element(question) if form.editable else None
        label = question.text + ("" if not question.required else " *")
        if element is None:
            note = (
                t._("Send the document as a file in our direct messages.")
                if question.element == FieldKind.FILE and form.editable
                else t._("Submissions for this consultation are closed; nothing was changed.")
            )
            items += _sections(label)
            items.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(note)}]}
            )
            continue
        block: dict[str, Any] = {
            "type": "input",
            "block_id": f"q{question.id}",
            "optional": True,
            "label": _plain(label, MAX_LABEL_CHARS),
            "element": element,
        }
        hint = " ".join(part for part in (question.help, question.hint) if part)
        if hint:
            block["hint"] = _plain(hint, MAX_LABEL_CHARS)
        items.append(block)
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": str(form.item_id),
        "title": _plain(t._("Agenda item {number}", number=form.number), MAX_MODAL_TITLE),
        "close": _plain(t._("Cancel"), MAX_MODAL_TITLE),
        "blocks": items[:100],
    }
    if form.editable:
        view["submit"] = _plain(t._("Save"), MAX_MODAL_TITLE)
    return view


def form_errors(result: FormResult, view: Mapping[str, Any]) -> dict[str, str]:
    """The `response_action: errors` map of a form: each message under its input block.

    A problem with the whole form (closed, not registered) is shown under the first input.
    """
    errors = {f"q{question_id}": reason for question_id, reason in result.errors.items()}
    if result.problem:
        first = next(
            (
                b["block_id"]
                for b in view.get("blocks") or []
                if b.get("type") == "input" and isinstance(b.get("block_id"), str)
            ),
            None,
        )
        if first is not None:
            errors[first] = result.problem
    return errors
