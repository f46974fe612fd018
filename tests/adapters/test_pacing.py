"""What both platforms' limiters share: the retry policy of `bot.adapters.pacing.Limits`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.adapters import pacing
from bot.adapters.pacing import Pacer, RetryLater, Transient
from bot.adapters.slack import limiter as slack
from bot.adapters.telegram import limiter as telegram
from tests.fakes.timer import FakeTimer

POLICY = {"max_attempts": 3, "max_rate_limited": 2, "backoff": 0.25, "max_backoff": 0.4}


def telegram_limiter(timer: FakeTimer) -> Pacer[telegram.Limits]:
    limits = telegram.Limits(**POLICY)  # type: ignore[arg-type]
    return telegram.Limiter(limits, now=timer.now, sleep=timer.sleep)


def slack_limiter(timer: FakeTimer) -> Pacer[slack.Limits]:
    limits = slack.Limits(**POLICY)  # type: ignore[arg-type]
    return slack.Limiter(limits, now=timer.now, sleep=timer.sleep)


BOTH = pytest.mark.parametrize("make", [telegram_limiter, slack_limiter], ids=["telegram", "slack"])
"""Telegram's and Slack's limiters, given the same retry policy and nothing else."""


def test_both_platforms_state_their_limits_on_the_shared_policy() -> None:
    assert issubclass(telegram.Limits, pacing.Limits)
    assert issubclass(slack.Limits, pacing.Limits)
    assert telegram.Limits().max_attempts == slack.Limits().max_attempts == 4


@BOTH
@pytest.mark.parametrize(
    ("failure", "sleeps"),
    [
        (Transient("502"), [0.25, 0.4]),  # three tries: the wait doubled, then capped
        (RetryLater(1), [1.0, 1.0]),  # the first 429, then two honoured
    ],
    ids=["5xx", "429"],
)
async def test_a_failing_call_is_tried_as_often_as_the_policy_says(
    make: Callable[[FakeTimer], Pacer[Any]], failure: Exception, sleeps: list[float]
) -> None:
    timer = FakeTimer()
    attempts = 0

    async def call() -> None:
        nonlocal attempts
        attempts += 1
        raise failure

    with pytest.raises(type(failure)):
        await make(timer).run("42", call)
    assert attempts == 3
    assert timer.sleeps == sleeps
