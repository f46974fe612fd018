"""What the tests of the number and date question types share: a consultation of their
own, its agenda item opened, the replies' texts, a submitted Slack form, a file's problems."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.adapters.slack.translate import check_payload, form_values
from bot.app import load_into
from bot.export import rows
from config.consultation import load_consultations, parse_consultation
from config.errors import ConfigError, Problem
from handlers.engine import Engine
from handlers.features.forms import FormResult
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.adapters.slack.conftest import fixture
from tests.conftest import Chat, new_invite, onboard
from tests.handlers.test_journey import answers_of

FIXTURES = Path(__file__).parents[1] / "fixtures" / "consultations"


async def invited(
    store: Store, clock: FixedClock, path: Path, consultation: str, organisation: str
) -> str:
    """An invite to the consultation of `path`, loaded beside the bundled ones."""
    await load_into(store, load_consultations(path), clock)
    return await new_invite(store, clock, organisation=organisation, consultation=consultation)


async def open_item(chat: Chat, code: str, consultation: str, number: str) -> None:
    """Onboard with `code` and open agenda item `number` of the consultation's button."""
    await onboard(chat, code)
    await chat.press(consultation)
    await chat.press(f"Agenda item {number}")


def texts(chat: Chat) -> list[str]:
    """The text of each of the last replies."""
    return [reply.text for reply in chat.replies]


async def values(store: Store, user: str = "alice") -> dict[str, object]:
    """The stored values of a test user's answers, by question key."""
    return {key: answer["value"] for key, answer in (await answers_of(store, user)).items()}


def inputs(view: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The input blocks of a form modal."""
    return [block for block in view["blocks"] if block["type"] == "input"]


def submission(item_id: int, states: Mapping[int, dict[str, Any]]) -> dict[str, Any]:
    """The recorded view_submission payload with the given state per question id."""
    body = fixture("view_submission")
    body["view"]["private_metadata"] = str(item_id)
    body["view"]["state"]["values"] = {f"q{qid}": {"answer": s} for qid, s in states.items()}
    return body


async def submit(
    engine: Engine, item_id: int, states: Mapping[int, dict[str, Any]], user: str = "alice"
) -> FormResult:
    """Submit a form through the Slack payload's checks and reading, to the engine."""
    _, raw = form_values(check_payload(submission(item_id, states))["view"])
    return await engine.submit_form("test", user, item_id, raw)


def problems(path: Path, change: Callable[[list[dict[str, Any]]], None]) -> list[Problem]:
    """The problems of the file at `path` once `change` has edited its first item's questions."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["agenda_items"][0]["questions"])
    with pytest.raises(ConfigError) as caught:
        parse_consultation(path.name, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return caught.value.problems


def setting(index: int, key: str, value: Any) -> Callable[[list[dict[str, Any]]], None]:
    """A change for `problems`: question `index` gets `key: value`."""

    def change(questions: list[dict[str, Any]]) -> None:
        questions[index][key] = value

    return change


async def exported(store: Store, consultation: str) -> dict[str, list[str]]:
    """The exported values of a consultation, by question key."""
    given: dict[str, list[str]] = {}
    for row in await rows(store, consultation=consultation, published=False):
        given.setdefault(row["question"], []).append(row["value"])
    return given
