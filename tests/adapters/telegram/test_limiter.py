"""The outbound limiter: Telegram's rate limits, retry_after and bounded retries, on fake time."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.telegram.limiter import Limiter, Limits, RetryLater, Transient, Window
from tests.adapters.telegram.conftest import FakeTimer


def limiter(timer: FakeTimer, **limits: object) -> Limiter:
    return Limiter(Limits(**limits), now=timer.now, sleep=timer.sleep)  # type: ignore[arg-type]


async def send_times(
    limiter: Limiter, timer: FakeTimer, chat: str | None, count: int
) -> list[float]:
    times = []

    async def call() -> None:
        times.append(timer.now() - 1000.0)

    for _ in range(count):
        await limiter.run(chat, call)
    return times


async def test_private_chat_gets_one_message_a_second_after_a_short_burst(timer: FakeTimer) -> None:
    times = await send_times(limiter(timer), timer, "5230018431", 6)
    assert times == [0.0, 0.0, 0.0, 3.0, 3.0, 3.0]


async def test_one_message_a_second_without_bursts(timer: FakeTimer) -> None:
    times = await send_times(limiter(timer, private=Window(1, 1.0)), timer, "42", 4)
    assert times == [0.0, 1.0, 2.0, 3.0]


async def test_group_gets_twenty_a_minute(timer: FakeTimer) -> None:
    times = await send_times(limiter(timer), timer, "-1001234567890", 21)
    assert times[:20] == [0.0] * 20
    assert times[20] == 60.0


async def test_under_thirty_a_second_overall(timer: FakeTimer) -> None:
    shared = limiter(timer)  # 27 a second: headroom under Telegram's 30
    sent: list[float] = []

    async def call() -> None:
        sent.append(timer.now() - 1000.0)

    await asyncio.gather(*[shared.run(str(chat), call) for chat in range(1, 41)])
    assert sorted(sent) == [0.0] * 27 + [1.0] * 13


async def test_calls_that_are_not_messages_are_not_counted(timer: FakeTimer) -> None:
    shared = limiter(timer, private=Window(1, 1.0))

    async def call() -> None:
        return None

    for _ in range(5):
        await shared.run("42", call, counted=False)
    assert timer.sleeps == []


async def test_retry_after_is_honoured_and_nothing_is_dropped(timer: FakeTimer) -> None:
    answers = [RetryLater(7), RetryLater(2), "sent"]

    async def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await limiter(timer).run("42", call) == "sent"
    assert timer.sleeps == [7.0, 2.0]


async def test_a_pause_holds_only_that_chat(timer: FakeTimer) -> None:
    shared = limiter(timer)
    shared.pause("42", 5.0)
    other = await send_times(shared, timer, "43", 1)
    held = await send_times(shared, timer, "42", 1)
    assert (other, held) == ([0.0], [5.0])


async def test_transient_failures_back_off_then_succeed(timer: FakeTimer) -> None:
    failures = [Transient("500"), Transient("timed out")]

    async def call() -> str:
        if failures:
            raise failures.pop(0)
        return "sent"

    assert await limiter(timer).run("42", call) == "sent"
    assert timer.sleeps == [0.5, 1.0]


async def test_retries_are_bounded(timer: FakeTimer) -> None:
    attempts = 0

    async def call() -> None:
        nonlocal attempts
        attempts += 1
        raise Transient("502")

    with pytest.raises(Transient):
        await limiter(timer, max_attempts=3).run("42", call)
    assert attempts == 3


async def test_flood_waits_are_bounded(timer: FakeTimer) -> None:
    async def call() -> None:
        raise RetryLater(1)

    with pytest.raises(RetryLater):
        await limiter(timer, max_flood_waits=2).run("42", call)
    assert timer.sleeps == [1.0, 1.0]


async def test_other_errors_are_not_retried(timer: FakeTimer) -> None:
    attempts = 0

    async def call() -> None:
        nonlocal attempts
        attempts += 1
        raise ValueError("bad request")

    with pytest.raises(ValueError, match="bad request"):
        await limiter(timer).run("42", call)
    assert attempts == 1
