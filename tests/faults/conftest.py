"""The Telegram fixtures of tests/adapters/telegram, for the fault tests, with a fake that
lets a hanging call go after a fraction of a second."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.telegram.conftest import (  # noqa: F401 - fixtures re-exported
    _no_lost_task_exceptions,
    app,
    channel,
    conversation,
    lost_task_exceptions,
    polling,
    polling_users,
    settings,
    timer,
    update_ids,
)
from tests.fakes.telegram_server import FakeTelegram, on_loopback


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API; a hung call or an idle long poll ends after 0.3 s."""
    async with on_loopback(FakeTelegram(max_poll_wait=0.3)) as server:
        yield server
