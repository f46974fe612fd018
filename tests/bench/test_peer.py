"""The peer of `make bench` (`bench.peer_bot`) on the bench's own fake and traffic: two people
walk the journey polling and by webhook, with Telegram's limits enforced, and its memory is
measured as ours is."""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path
from typing import Any

import pytest

from bench import startup, telegram
from bench.peer_bot import State

pytestmark = pytest.mark.slow

PEOPLE = (telegram.FIRST_USER, telegram.FIRST_USER + 1)
UPDATES = 4
"""Two measured steps each: the typed answer (the review), then "Change answer 3"."""


async def _measure(root: Path) -> dict[str, Any]:
    for name in ("polling", "webhook", "memory"):
        (root / name).mkdir()
    # At once, each on its own fake and port: one after the other would take over 30 s.
    polling, webhook, memory = await asyncio.gather(
        telegram.measure(root / "polling", len(PEOPLE), UPDATES, mode="polling", bot="peer"),
        telegram.measure(root / "webhook", len(PEOPLE), UPDATES, mode="webhook", bot="peer"),
        startup.measure(root / "memory", 2, answering=2, bot="peer"),
    )
    return {"polling": polling, "webhook": webhook, "memory": memory, "root": root}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The peer measured polling, by webhook, and for its memory (one run for the module)."""
    return asyncio.run(_measure(tmp_path_factory.mktemp("peer")))


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_every_step_is_answered_with_its_marker_and_no_429(runs: dict[str, Any], mode: str) -> None:
    row = runs[mode]
    # measure() fails when a step's marker is not shown within its bound: every onboarding
    # step and each of the UPDATES measured steps got its reply.
    assert (row["bot"], row["mode"], row["participants"]) == ("peer", mode, len(PEOPLE))
    assert row["updates"] == UPDATES
    assert row["429s"] == 0
    assert 0 < row["p50 ms"] <= row["p99 ms"] <= row["max ms"]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_the_persistence_holds_the_answers_and_the_conversation_state(
    runs: dict[str, Any], mode: str
) -> None:
    # Written when the peer stops (SIGTERM, a graceful stop of run_polling/run_webhook).
    data = pickle.loads((runs["root"] / mode / "peer.pickle").read_bytes())
    answers = {0: "We contributed to it", 1: "Yes", 2: telegram.TEXT}
    assert {user: data["user_data"][user]["answers"] for user in PEOPLE} == dict.fromkeys(
        PEOPLE, answers
    )
    # Each one's last step was "Change answer 3": the text question is open again.
    assert data["conversations"]["consultation"] == {
        (user, user): State.QUESTION for user in PEOPLE
    }


def test_the_peer_memory_is_measured(runs: dict[str, Any]) -> None:
    row = runs["memory"]
    assert row["bot"] == "peer"
    assert row["start-up s"] > 0
    # VmHWM only grows: idle, after the first messages, after the typed answers.
    assert 0 < row["idle peak MB"] <= row["peak MB after"] <= row["peak MB after answers"]
