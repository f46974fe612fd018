"""Signed requests whose payload is not what Slack documents: 400, one line, nothing done."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.slack.channel import bolt_request
from bot.adapters.slack.translate import (
    Malformed,
    check_payload,
    form_errors,
    form_item,
    form_values,
    from_action,
    from_message,
    kind_of,
)
from bot.app import App
from handlers.features.forms import FormResult
from tests.adapters.slack.conftest import fixture, signed_headers
from tests.adapters.slack.test_reliability import stored
from tests.adapters.slack.test_translate import never
from tests.fakes.slack_server import FakeSlack

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def changed(name: str, change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """A recorded payload with one change made to it."""
    payload = copy.deepcopy(fixture(name))
    change(payload)
    return payload


def as_json(payload: object) -> tuple[bytes, str]:
    """An Events API body."""
    return json.dumps(payload).encode(), JSON


def as_interaction(payload: object) -> tuple[bytes, str]:
    """An interactivity body: the payload as JSON in a form field."""
    return urlencode({"payload": json.dumps(payload)}).encode(), FORM


def as_command(**changes: str | None) -> tuple[bytes, str]:
    """A slash command's form body, with fields changed or (None) left out."""
    form = {**fixture("slash_command"), **changes}
    return urlencode({k: v for k, v in form.items() if v is not None}).encode(), FORM


def _parent(payload: Any, path: str) -> tuple[Any, str]:
    *parents, last = path.split(".")
    for key in parents:
        payload = payload[int(key) if key.isdigit() else key]
    return payload, last


def without(path: str) -> Callable[[dict[str, Any]], object]:
    """A change that removes the field at a dotted path (a number indexes a list)."""

    def change(payload: dict[str, Any]) -> object:
        parent, last = _parent(payload, path)
        return parent.pop(last)

    return change


def setting(path: str, value: object) -> Callable[[dict[str, Any]], object]:
    """A change that sets the field at a dotted path (a number indexes a list)."""

    def change(payload: dict[str, Any]) -> object:
        parent, last = _parent(payload, path)
        parent[last] = value
        return value

    return change


SHAPES: dict[str, tuple[bytes, str]] = {
    # What the body is.
    "not UTF-8": (b"\xff\xfe{}", JSON),
    "empty": (b"", JSON),
    "JSON cut short": (b'{"type": "event_callback", ', JSON),
    "JSON that is a list": as_json([1, 2]),
    "JSON that is a string": as_json("event_callback"),
    "payload field not JSON": (b"payload=%7Bnot+json", FORM),
    "payload field a list": as_interaction([{"type": "block_actions"}]),
    "a form with neither payload nor command": (b"a=b", FORM),
    "no type": as_json({"event_id": "Ev1"}),
    # Events API.
    "url_verification without challenge": as_json({"type": "url_verification"}),
    "event without event_id": as_json(changed("message_im", without("event_id"))),
    "event_id a number": as_json(changed("message_im", setting("event_id", 5))),
    "event not an object": as_json(changed("message_im", setting("event", "hello"))),
    "event without type": as_json(changed("message_im", without("event.type"))),
    "message without user": as_json(changed("message_im", without("event.user"))),
    "user a list": as_json(changed("message_im", setting("event.user", ["U0AMINA001"]))),
    "channel a number": as_json(changed("message_im", setting("event.channel", 7))),
    "text a number": as_json(changed("message_im", setting("event.text", 5))),
    "files not a list": as_json(changed("file_share", setting("event.files", "F0SHARED01"))),
    "a file without id": as_json(changed("file_share", without("event.files.0.id"))),
    "file size a string": as_json(changed("file_share", setting("event.files.0.size", "big"))),
    "app_home_opened without user": as_json(changed("app_home_opened", without("event.user"))),
    "team a number": as_json(changed("message_im", setting("team", 5))),
    "authorizations a string": as_json(changed("message_im", setting("authorizations", "x"))),
    "enterprise a number": as_json(changed("message_im", setting("enterprise", 3))),
    # Interactivity: buttons.
    "block_actions without actions": as_interaction(changed("block_actions", without("actions"))),
    "block_actions with no action": as_interaction(
        changed("block_actions", setting("actions", []))
    ),
    "an action not an object": as_interaction(changed("block_actions", setting("actions", ["x"]))),
    "action_id a number": as_interaction(
        changed("block_actions", setting("actions", [{"action_id": 1, "value": "lang:en"}]))
    ),
    "value an object": as_interaction(
        changed("block_actions", setting("actions", [{"action_id": "act:0", "value": {}}]))
    ),
    "block_actions without user": as_interaction(changed("block_actions", without("user"))),
    "user without id": as_interaction(changed("block_actions", setting("user", {}))),
    "trigger_id a number": as_interaction(changed("block_actions", setting("trigger_id", 9))),
    "state values a list": as_interaction(changed("block_actions", setting("state.values", []))),
    "message blocks not a list": as_interaction(
        changed("block_actions", setting("message.blocks", "x"))
    ),
    "a checkbox option without value": as_interaction(
        changed(
            "block_actions",
            setting(
                "message.blocks",
                [
                    {
                        "type": "actions",
                        "block_id": "tog-7",
                        "elements": [{"type": "checkboxes", "options": [{"text": {}}]}],
                    }
                ],
            ),
        )
    ),
    # Interactivity: the form.
    "view_submission without view": as_interaction(changed("view_submission", without("view"))),
    "view not an object": as_interaction(changed("view_submission", setting("view", "V0FORM0001"))),
    "view without callback_id": as_interaction(
        changed("view_submission", without("view.callback_id"))
    ),
    "an input state not an object": as_interaction(
        changed("view_submission", setting("view.state.values.q1", "x"))
    ),
    "selected_options not a list": as_interaction(
        changed(
            "view_submission",
            setting(
                "view.state.values.q1", {"answer": {"type": "checkboxes", "selected_options": 1}}
            ),
        )
    ),
    "private_metadata a number": as_interaction(
        changed("view_submission", setting("view.private_metadata", 1))
    ),
    "view_submission without user": as_interaction(changed("view_submission", without("user"))),
    # Slash commands.
    "slash command without user_id": as_command(user_id=None),
    "slash command with an empty user_id": as_command(user_id=""),
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_trust_12_malformed_slack_payloads_get_400_and_change_nothing(
    shape: str,
    app: App,
    fake: FakeSlack,
    web: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    body, content_type = SHAPES[shape]
    response = await web.post(
        "/slack/events",
        content=body,
        headers={"Content-Type": content_type, **signed_headers(body)},
    )
    assert response.status_code == 400
    refused = [r for r in caplog.records if r.getMessage().startswith("Slack request refused")]
    assert [(r.levelname, r.name) for r in refused] == [("WARNING", "bot.adapters.slack.http")]
    assert "\n" not in refused[0].getMessage()
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert await stored(app) == (0, 0)
    assert fake.calls == []


async def test_trust_12_a_request_no_listener_takes_is_acknowledged_in_one_line(
    app: App, fake: FakeSlack, web: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reaction = changed("message_im", setting("event", {"type": "reaction_added", "user": "U1"}))
    closed = {"type": "view_closed", "user": {"id": "U0AMINA001"}, "view": {"id": "V1"}}
    for body, content_type in (as_json(reaction), as_interaction(closed)):
        response = await web.post(
            "/slack/events",
            content=body,
            headers={"Content-Type": content_type, **signed_headers(body)},
        )
        assert response.status_code == 200
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("bot.adapters.slack")]
    assert lines == [
        "Slack request not handled (event_callback/reaction_added): acknowledged",
        "Slack request not handled (view_closed): acknowledged",
    ]
    assert await stored(app) == (0, 0)


def mutations() -> st.SearchStrategy[tuple[str, list[str | int], object]]:
    """A recorded payload, a path into it, and what to put there instead."""
    values = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=5),
        st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=3)), max_size=2),
        st.dictionaries(st.sampled_from(["id", "value", "type", "x"]), st.text(max_size=3)),
    )
    return st.sampled_from(
        ["message_im", "file_share", "app_home_opened", "block_actions", "view_submission"]
    ).flatmap(lambda name: st.tuples(st.just(name), st.sampled_from(paths(fixture(name))), values))


def paths(data: object, prefix: tuple[str | int, ...] = ()) -> list[list[str | int]]:
    """Every path to a value in a JSON document."""
    found: list[list[str | int]] = [list(prefix)] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += paths(value, (*prefix, index))
    return found


@settings(max_examples=500, derandomize=True, deadline=None)
@given(mutations())
def test_trust_12_whatever_passes_the_check_is_read_without_error(
    mutation: tuple[str, list[str | int], object],
) -> None:
    name, path, value = mutation
    payload = copy.deepcopy(fixture(name))
    parent: Any = payload
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    try:
        checked = check_payload(payload)
    except Malformed as refused:
        problem: str | None = str(refused)
    else:
        problem = None
    if problem is not None:
        assert "\n" not in problem
        return
    # What passed is read by Bolt and by every translation without raising.
    bolt_request(checked, {})
    kind_of(checked)
    if checked.get("type") == "event_callback":
        from_message(checked, profile=None, fetch=never)
    elif checked.get("type") == "block_actions":
        from_action(checked, profile=None)
        form_item(checked)
    elif checked.get("type") == "view_submission":
        form_values(checked["view"])
        form_errors(FormResult("en", problem="closed"), checked["view"])
