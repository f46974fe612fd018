"""Closed consultations do not look open: listed after the open ones and marked closed, on
their button and in /status, in every language (issue 17, item 5)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.i18n import LANGUAGE_NAMES, translator
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import Chat, new_invite, onboard

TITLE_2027 = (
    "Written comments for the constructive dialogue following the eighteenth meeting of the "
    "Working Group on International Cooperation"
)
TITLE_2023 = (
    "Written comments for the constructive dialogue following the fourteenth meeting of the "
    "Working Group on International Cooperation"
)


@pytest.fixture
async def invited_to_both(chat: Chat, store: Store, clock: FixedClock) -> Chat:
    """Alice, invited to every consultation: the open 2027 one and the closed 2023 one."""
    await onboard(chat, await new_invite(store, clock, consultation=None))
    return chat


async def test_the_open_consultation_comes_first_and_the_closed_one_says_so(
    invited_to_both: Chat,
) -> None:
    chat = invited_to_both
    assert chat.replies[-1].text.splitlines() == [
        "Your consultations:",
        f"• {TITLE_2027} — open until 31 May 2027, 23:59 (Europe/Vienna time)",
        f"• {TITLE_2023} — closed",
    ]
    assert chat.labels == [
        "Constructive dialogue 2027 (WGIC 18)",
        "Constructive dialogue 2023 (WGIC 14) (closed)",
    ]

    await chat.say("/status")
    status = chat.replies[0].text.split("\n\n")
    assert [part.splitlines()[:2] for part in status] == [
        [TITLE_2027, "Deadline: 31 May 2027, 23:59 (Europe/Vienna time)"],
        [
            TITLE_2023,
            "Submissions closed on 6 September 2023, 23:59 (Europe/Vienna time). "
            "Your answers are shown read-only.",
        ],
    ]


CLOSED_LABELS = {
    "fr": "Dialogue constructif 2023 (GTCI 14) (clôturée)",
    "es": "Diálogo constructivo 2023 (GTCI 14) (cerrada)",
    "ru": "Конструктивный диалог 2023 (РГМС 14) (закрыта)",
    "ar": "الحوار البنّاء 2023 (الفريق العامل 14) (مغلقة)",
    "zh": "2023年建设性对话（国际合作工作组第14次会议）（已截止）",
}


@pytest.mark.parametrize("language", list(CLOSED_LABELS))
async def test_closed_is_said_in_every_language(invited_to_both: Chat, language: str) -> None:
    chat = invited_to_both
    await chat.say("/language")
    await chat.press(LANGUAGE_NAMES[language])
    assert len(chat.labels) == 2
    assert chat.labels[1] == CLOSED_LABELS[language]

    await chat.say("/status")
    t = translator(language)
    deadline = datetime(2023, 9, 6, 23, 59, tzinfo=ZoneInfo("Europe/Vienna"))
    when = t._("{when} ({zone} time)", when=t.when(deadline, deadline.tzinfo), zone="Europe/Vienna")
    closed = t._(
        "Submissions closed on {deadline}. Your answers are shown read-only.", deadline=when
    )
    status = [part.splitlines()[1] for part in chat.replies[0].text.split("\n\n")]
    assert status[1] == closed
    assert status[0] != closed
