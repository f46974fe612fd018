"""What a request from Slack must look like before anything acts on it: its payload checked
field by field, by kind (event, button, form, slash command, Socket Mode envelope)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl


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
