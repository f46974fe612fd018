"""Said once, and said exactly: the multiple-choice instruction, and a receipt that is short and
says whose clock it is read on (issue 17, item 6)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from config.consultation import Consultation
from handlers.i18n import LANGUAGE_NAMES, translator, utc_offset
from tests.conftest import Chat, answer_agenda_item_2, onboard


@pytest.mark.parametrize("language", list(LANGUAGE_NAMES))
async def test_the_multiple_choice_instruction_is_said_once(
    chat: Chat, invite: str, bundled: list[Consultation], language: str
) -> None:
    await onboard(chat, invite)
    await chat.say("/language")
    await chat.press(LANGUAGE_NAMES[language])
    t = translator(language)
    await chat.press(chat.labels[0])  # the 2027 consultation
    await chat.press(t._("Agenda item {number}", number="3"))
    question = next(c for c in bundled if c.id == "wgic-18-2027").agenda_items[1].questions[0]
    assert chat.unique_reply().text.splitlines()[3:] == [
        question.text.get(language),
        t._("Choose all that apply, then press Done."),
    ]


async def test_the_receipt_is_short_and_gives_its_time_zone(chat: Chat, invite: str) -> None:
    await onboard(chat, invite)
    await answer_agenda_item_2(chat, "The constructive dialogue should include a written round.")
    receipt = chat.replies[0].text.splitlines()
    assert receipt[0] == (
        "Thank you. Your submission on agenda item 2 was received on 15 January 2027 at 11:00 "
        "(Vienna time, UTC+1)."
    )
    assert receipt[1].startswith("Reference: WGIC-18-2027-2-")
    assert receipt[2:] == [
        "You can change your answers until 31 May 2027, 23:59 (Europe/Vienna time)."
    ]


@pytest.mark.parametrize(
    ("zone", "moment", "expected"),
    [
        ("Europe/Vienna", datetime(2026, 12, 1, 23, 2, tzinfo=UTC), "UTC+1"),
        ("Europe/Vienna", datetime(2027, 7, 1, 12, 0, tzinfo=UTC), "UTC+2"),
        ("Asia/Kolkata", datetime(2027, 1, 1, tzinfo=UTC), "UTC+5:30"),
        ("America/New_York", datetime(2027, 1, 1, tzinfo=UTC), "UTC-5"),
        ("UTC", datetime(2027, 1, 1, tzinfo=UTC), "UTC"),
    ],
)
def test_offsets_from_utc(zone: str, moment: datetime, expected: str) -> None:
    assert utc_offset(moment.astimezone(ZoneInfo(zone))) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "2 December 2026 at 00:02 (Vienna time, UTC+1)"),
        ("fr", "2 décembre 2026 à 00:02 (heure de Vienne, UTC+1)"),
        ("es", "2 de diciembre de 2026 a las 00:02 (hora de Viena, UTC+1)"),
        ("ru", "2 декабря 2026 года в 00:02 (часовой пояс: Вена, UTC+1)"),
        ("zh", "2026年12月2日 00:02（维也纳时间，UTC+1）"),
        ("ar", "2 كانون الأول/ديسمبر 2026، الساعة 00:02 (بتوقيت فيينا، \u2068UTC+1\u2069)"),
    ],
)
def test_a_receipt_moment_in_every_language(language: str, expected: str) -> None:
    moment = datetime(2026, 12, 1, 23, 2, tzinfo=UTC)
    assert translator(language).received(moment, ZoneInfo("Europe/Vienna")) == expected
