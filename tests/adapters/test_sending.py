"""What both platform channels send the same way: an edit the platform refuses is posted anew."""

from __future__ import annotations

import pytest

from bot.adapters.sending import ApiCall, send
from bot.adapters.telegram.limiter import Limiter
from tests.fakes.timer import FakeTimer


class Refused(Exception):
    """The platform refused a call."""


async def test_a_refused_edit_is_made_again_as_its_new_message() -> None:
    timer = FakeTimer()
    made: list[str] = []

    async def make(call: ApiCall) -> str:
        made.append(call.method)
        if call.method == "edit":
            raise Refused
        return call.method

    limiter = Limiter(now=timer.now, sleep=timer.sleep)
    edit = ApiCall("edit", {"ts": "1"}, instead=ApiCall("post", {}))
    assert await send(limiter, "C1", edit, make, refused=Refused) == "post"
    assert made == ["edit", "post"]

    with pytest.raises(Refused):  # a call that is no edit has nothing to fall back on
        await send(limiter, "C1", ApiCall("edit", {}), make, refused=Refused)
    assert made == ["edit", "post", "edit"]
