"""What of a Slack request goes into the inbox: its kind, the key it is stored once under,
the participant whose updates it is ordered among, and the body a worker reads back."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.adapters.slack.translate import PLATFORM, event_key
from storage.relay import Incoming

MESSAGE = "message"
HOME = "home"
BUTTON = "button"
FORM = "form"
COMMAND = "command"
SUBMITTED = "submitted"
SAVED = "saved"
"""The kinds of stored request: a DM message (or shared file), the App Home opened, a
button of ours, "Answer in a form", the slash command, and what follows a form submitted
(the Home tab and the DM's next step) or saved with errors left (the Home tab)."""


@dataclass(frozen=True)
class Stored:
    """A request as a worker reads it back from the inbox."""

    kind: str
    key: str
    """Its update key: the team and Slack's event_id, or its trigger_id."""
    payload: dict[str, Any]
    received_at: datetime


def _team(payload: Mapping[str, Any]) -> str:
    team = payload.get("team")
    found = team.get("id") if isinstance(team, dict) else payload.get("team_id")
    return str(found or "")


def user_of(kind: str, payload: Mapping[str, Any]) -> str:
    """The Slack user who sent it."""
    if kind in (MESSAGE, HOME):
        return str((payload.get("event") or {}).get("user") or "")
    if kind == COMMAND:
        return str(payload.get("user_id") or "")
    return str((payload.get("user") or {}).get("id") or "")


def key_of(kind: str, payload: Mapping[str, Any]) -> str:
    """The key a request is stored once under (a retry of it has the same).

    An Events API delivery has Slack's event_id (its retries, with X-Slack-Retry-Num, too);
    a button press or a slash command its trigger_id, the same in each redelivery; what
    follows a saved form the view, its hash and its trigger, digested (an engine update id
    is at most 100 characters).
    """
    if kind in (MESSAGE, HOME):
        return event_key(payload)
    trigger = str(payload.get("trigger_id") or "")
    if kind in (SUBMITTED, SAVED):
        view = payload.get("view") or {}
        seen = f"{view.get('id', '')}:{view.get('hash', '')}:{trigger}"
        return f"{_team(payload)}:{kind}:{hashlib.sha256(seen.encode()).hexdigest()[:40]}"
    return f"{_team(payload)}:{trigger}"


def incoming(kind: str, payload: Mapping[str, Any], now: datetime) -> Incoming:
    """The inbox row of a checked request: one participant's requests are handled in order."""
    chat = f"{_team(payload)}:{user_of(kind, payload)}"
    body = json.dumps({"kind": kind, "payload": payload, "received_at": now.isoformat()})
    return Incoming(PLATFORM, key_of(kind, payload), chat, body)


def read(body: str) -> Stored:
    """A stored request (`incoming`) as a worker reads it.

    Raises:
        ValueError: It is not what `incoming` wrote.
    """
    data = json.loads(body)
    kind, payload = data["kind"], data["payload"]
    if not isinstance(kind, str) or not isinstance(payload, dict):
        raise ValueError("not a stored Slack request")
    return Stored(kind, key_of(kind, payload), payload, datetime.fromisoformat(data["received_at"]))
