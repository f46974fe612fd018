"""The outbound limiter: Telegram's rate limits, retry_after and bounded retries, on fake time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.adapters import pacing
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
    shared = limiter(timer)
    sent: list[float] = []

    async def call() -> None:
        sent.append(timer.now() - 1000.0)

    await asyncio.gather(*[shared.run(str(chat), call) for chat in range(1, 41)])
    assert sent == [0.0] * 30 + [1.0] * 10


async def settle() -> None:
    """Let every task run until it waits for something (no time passes)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_message_in_flight_holds_its_place_until_a_second_after_its_answer(
    timer: FakeTimer,
) -> None:
    shared = limiter(timer, overall=Window(2, 1.0))
    answered = [asyncio.Event(), asyncio.Event()]
    started: list[float] = []

    def call(n: int) -> Callable[[], Awaitable[None]]:
        async def send() -> None:
            started.append(timer.now() - 1000.0)
            if n < len(answered):
                await answered[n].wait()

        return send

    tasks = [asyncio.create_task(shared.run(str(n + 1), call(n))) for n in range(3)]
    await settle()
    # Two in flight: the third waits for an answer, not for a time.
    assert (started, timer.sleeps) == ([0.0, 0.0], [])
    timer.current += 5.0  # the first answer takes 5 s to come back
    answered[0].set()
    await tasks[2]
    # Telegram may have counted the first as late as 5.0: the third goes a second after.
    assert (started, timer.sleeps) == ([0.0, 0.0, 6.0], [1.0])
    answered[1].set()
    await asyncio.gather(*tasks)


async def test_a_chat_counts_a_message_until_a_window_after_its_answer(timer: FakeTimer) -> None:
    shared = limiter(timer, private=Window(1, 1.0))
    started: list[float] = []

    async def slow() -> None:
        started.append(timer.now() - 1000.0)
        timer.current += 2.0  # each answer takes 2 s

    for _ in range(3):
        await shared.run("42", slow)
    assert started == [0.0, 3.0, 6.0]


async def test_a_chat_waiting_for_its_answer_holds_up_no_other_chat(timer: FakeTimer) -> None:
    shared = limiter(timer, private=Window(1, 1.0))
    answered = asyncio.Event()
    started: list[str] = []

    def call(chat: str) -> Callable[[], Awaitable[None]]:
        async def send() -> None:
            started.append(chat)
            if chat == "42" and len(started) == 1:
                await answered.wait()

        return send

    first = asyncio.create_task(shared.run("42", call("42")))
    await settle()
    second = asyncio.create_task(shared.run("42", call("42")))
    await settle()
    await shared.run("43", call("43"))
    assert started == ["42", "43"]
    answered.set()
    await asyncio.gather(first, second)
    assert started == ["42", "43", "42"]
    assert timer.sleeps == [1.0]


async def test_a_failed_call_frees_its_place_before_the_backoff(timer: FakeTimer) -> None:
    shared = limiter(timer, overall=Window(1, 1.0))
    started: list[float] = []
    failures = [Transient("502")]

    async def call() -> None:
        started.append(timer.now() - 1000.0)
        if failures:
            raise failures.pop()

    await shared.run("42", call)
    # The failed try counts from 0.0 (when it failed), not from the end of the 0.5 s backoff.
    assert (started, timer.sleeps) == ([0.0, 1.0], [0.5, 0.5])


async def test_quiet_chats_are_forgotten(timer: FakeTimer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pacing, "QUIET_KEYS_KEPT", 2)
    shared = limiter(timer)

    async def call() -> None:
        return None

    for chat in ("1", "2"):
        await shared.run(chat, call)
    timer.current += 3.0  # the private window: both chats are quiet again
    await shared.run("3", call)
    await shared.run("4", call)
    assert sorted(shared._chats) == ["3", "4"]


async def test_calls_that_are_not_messages_are_not_counted(timer: FakeTimer) -> None:
    shared = limiter(timer, private=Window(1, 1.0))

    async def call() -> None:
        return None

    for _ in range(5):
        await shared.run("42", call, counted=False)
    assert timer.sleeps == []


async def test_retry_after_is_honoured_and_nothing_is_dropped(timer: FakeTimer) -> None:
    answers: list[RetryLater | str] = [RetryLater(7), RetryLater(2), "sent"]

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
        await limiter(timer, max_rate_limited=2).run("42", call)
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


async def test_the_first_message_of_a_reply_never_waits_behind_the_burst_before_it(
    timer: FakeTimer,
) -> None:
    paced = limiter(timer)  # 3 messages in 3 s per private chat
    times: list[float] = []

    async def call() -> None:
        times.append(timer.now() - 1000.0)

    async def reply(messages: int) -> None:
        for index in range(messages):  # as the channel sends one reply's messages
            await paced.run("42", call, reserve=0 if index == 0 else 1)

    await reply(3)
    await timer.sleep(1.0)  # the participant reads it, and answers a second later
    await reply(3)
    # The rest of a reply leaves the chat's last place free: the next reply's first message
    # goes at once (4.0), and the window still holds (never more than 3 in 3 s).
    assert times == [0.0, 0.0, 3.0, 4.0, 6.0, 7.0]
