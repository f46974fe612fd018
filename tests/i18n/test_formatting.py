"""Dates, numbers and right-to-left text in each language."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.i18n import FSI, PDI, translator

VIENNA = ZoneInfo("Europe/Vienna")
DEADLINE = datetime(2027, 5, 31, 21, 59, tzinfo=UTC)  # 23:59 in Vienna


@pytest.mark.parametrize(
    ("language", "when", "day"),
    [
        ("en", "31 May 2027, 23:59", "31 May 2027"),
        ("fr", "31 mai 2027, 23:59", "31 mai 2027"),
        ("es", "31 de mayo de 2027, 23:59", "31 de mayo de 2027"),
        ("ru", "31 мая 2027 года, 23:59", "31 мая 2027 года"),
        ("zh", "2027年5月31日 23:59", "2027年5月31日"),
        ("ar", "31 أيار/مايو 2027، 23:59", "31 أيار/مايو 2027"),
    ],
)
def test_dates_as_each_language_writes_them(language: str, when: str, day: str) -> None:
    t = translator(language)
    assert (t.when(DEADLINE, VIENNA), t.day(DEADLINE, VIENNA)) == (when, day)


def test_arabic_months_are_the_united_nations_double_names() -> None:
    t = translator("ar")
    months = [t.day(datetime(2027, m, 15, 12, tzinfo=UTC), VIENNA) for m in (1, 6, 7, 9, 12)]
    assert months == [
        "15 كانون الثاني/يناير 2027",
        "15 حزيران/يونيه 2027",
        "15 تموز/يوليه 2027",
        "15 أيلول/سبتمبر 2027",
        "15 كانون الأول/ديسمبر 2027",
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "10,485,760"),
        ("fr", "10\u202f485\u202f760"),
        ("es", "10.485.760"),
        ("ru", "10\xa0485\xa0760"),
        ("zh", "10,485,760"),
        ("ar", "10,485,760"),
    ],
)
def test_numbers_as_each_language_groups_them(language: str, expected: str) -> None:
    assert translator(language).number(10_485_760) == expected


def isolated(text: str) -> str:
    return f"{FSI}{text}{PDI}"


def test_arabic_sentences_isolate_latin_phrases() -> None:
    t = translator("ar")
    welcome = t._(
        "Welcome! You were invited on behalf of {organisation}. This bot collects your "
        "organisation's inputs for the constructive dialogues of the review mechanism of the "
        "United Nations Convention against Transnational Organized Crime.",
        organisation="Nyman Gibson Miralis (NGM)",
    )
    assert welcome.startswith(
        "مرحباً بكم! لقد تلقيتم دعوة باسم " + isolated("Nyman Gibson Miralis (NGM)")
    )
    rejected = t._("I do not know a country called {name}.", name="Atlantis 2")
    assert rejected == "لا أعرف بلداً باسم «" + isolated("Atlantis 2") + "»."


def test_single_latin_tokens_stay_bare_and_clean_to_copy() -> None:
    """A reference, a code or a time zone keeps in one piece in Arabic without an isolate."""
    t = translator("ar")
    reference = "WGIC-18-2027-2-F9KTLG"
    assert t._("Reference: {reference}", reference=reference) == "الرقم المرجعي: " + reference
    assert t._("{when} ({zone} time)", when=t.when(DEADLINE, VIENNA), zone="Europe/Vienna") == (
        "31 أيار/مايو 2027، 23:59 (بتوقيت Europe/Vienna)"
    )
    link = t._(
        "To continue on another platform (Telegram or Slack) with the same profile and "
        "answers, send this there within {minutes} minutes:\n/link {code}",
        minutes=15,
        code="K7TQ2MXP",
    )
    assert link.splitlines()[-1] == "/link K7TQ2MXP"


def test_arabic_values_in_arabic_sentences_need_no_isolate() -> None:
    # A heading on a line of its own then keeps the line right-to-left.
    t = translator("ar")
    heading = t._("Agenda item {number}: {title}", number="2", title="إحاطة بشأن عملية الاستعراض")
    assert heading == "البند 2 من جدول الأعمال: إحاطة بشأن عملية الاستعراض"
    assert t._("Review — {heading}", heading=heading) == "مراجعة — " + heading


def test_a_bare_number_is_not_isolated_so_a_button_can_still_be_typed() -> None:
    t = translator("ar")
    assert t._("Agenda item {number}", number="2") == "البند 2 من جدول الأعمال"
    assert t._("Change answer {number}", number=3) == "تعديل الإجابة 3"


def test_arabic_commands_keep_their_slash_in_place() -> None:
    text = translator("ar")._("I do not know that command. Send /help to see what I can do.")
    assert text == "لا أعرف هذا الأمر. أرسلوا " + isolated("/help") + " لمعرفة ما يمكنني القيام به."
    # A command's Latin arguments go with it (a message not in the catalogue, for the rule).
    assert translator("ar")._("أرسلوا /reminders off الآن.") == (
        "أرسلوا " + isolated("/reminders off") + " الآن."
    )


def test_left_to_right_sentences_isolate_only_right_to_left_values() -> None:
    t = translator("en")
    assert t._("Document: {name}", name="report.pdf") == "Document: report.pdf"
    assert t._("Document: {name}", name="تقرير 2027.pdf") == "Document: " + isolated(
        "تقرير 2027.pdf"
    )
    assert t._("I do not know that command. Send /help to see what I can do.") == (
        "I do not know that command. Send /help to see what I can do."
    )


def test_isolating_twice_wraps_once() -> None:
    t = translator("ar")
    once = t.isolate("Kennis")
    assert t.isolate(once) == once == isolated("Kennis")
    assert t._("Document: {name}", name=once) == "الوثيقة: " + once
    # What is inside an isolate no longer counts: the deadline stays unwrapped.
    deadline = "31 أيار/مايو 2027، 23:59 (بتوقيت " + once + ")"
    assert t._("Deadline: {deadline}", deadline=deadline) == "الموعد النهائي: " + deadline
    # Two isolates side by side are not one: wrapping them is still needed.
    pair = isolated("a") + " " + isolated("b")
    assert t.isolate(pair) == isolated(pair)


def test_plural_forms_in_use() -> None:
    ar, ru = translator("ar"), translator("ru")
    singular = "{count} required question is still missing."
    plural = "{count} required questions are still missing."
    assert [ar.n_(singular, plural, n) for n in (1, 2, 3, 11, 100)] == [
        "لا يزال هناك سؤال إلزامي واحد بلا إجابة.",
        "لا يزال هناك سؤالان إلزاميان بلا إجابة.",
        "لا تزال هناك 3 أسئلة إلزامية بلا إجابة.",
        "لا يزال هناك 11 سؤالاً إلزامياً بلا إجابة.",
        "لا يزال هناك 100 سؤال إلزامي بلا إجابة.",
    ]
    assert [ru.n_(singular, plural, n) for n in (1, 3, 5, 21)] == [
        "Еще не дан ответ на 1 обязательный вопрос.",
        "Еще не дан ответ на 3 обязательных вопроса.",
        "Еще не дан ответ на 5 обязательных вопросов.",
        "Еще не дан ответ на 21 обязательный вопрос.",
    ]
    assert translator("zh").n_(singular, plural, 4) == "还有4个必答问题尚未回答。"
