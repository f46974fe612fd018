"""The date question type: a journey answering it, bad input, its display in the review,
its Slack form field, the digest, the export, the sample data and the file's checks."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.slack.translate import Malformed, check_payload, form_view
from bot.digest import render_md, sample
from bot.digest.build import Figure, build
from bot.export import rows
from config.errors import Problem
from handlers.engine import Engine
from handlers.i18n import translator
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import Chat
from tests.fakes.slack_server import view_errors
from tests.handlers.replies import DEADLINE, receipt
from tests.handlers.test_bad_input import snapshot
from tests.handlers.typed_questions import (
    FIXTURES,
    exported,
    inputs,
    invited,
    open_item,
    problems,
    setting,
    submission,
    submit,
    texts,
    values,
)

DATES = FIXTURES / "dates.yaml"
CONSULTATION = "test-dates-2027"
SINCE = "Since when has your organization worked on international cooperation?"
REPORT = "When do you expect to publish your next report?"
DATE_HINT = "Type a date as year-month-day or day/month/year, for example 2027-03-15 or 15/03/2027."
RANGE = "The date must be from 1 January 1950 to 31 May 2027."
SINCE_HINT = f"{DATE_HINT} {RANGE}"
HEADING = "Agenda item 6: Experience"
SINCE_PROMPT = f"{HEADING}\nQuestion 1 of 2 · required\n\n{SINCE}\n{SINCE_HINT}"
REPORT_PROMPT = f"{HEADING}\nQuestion 2 of 2\n\n{REPORT}\n{DATE_HINT}"
UNREADABLE = f"I could not read that as a date. {DATE_HINT}"


@pytest.fixture
async def dates(store: Store, clock: FixedClock) -> str:
    """An invite to the consultation that asks for dates."""
    return await invited(store, clock, DATES, CONSULTATION, "Criminologists without Borders")


async def open_item_6(chat: Chat, code: str) -> None:
    await open_item(chat, code, "Dates 2027", "6")


async def answer_all(chat: Chat, since: str, report: str | None) -> None:
    """From the first question, answer each question (None: skip it), up to the review."""
    await chat.say(since)
    if report is None:
        await chat.press("Skip ›")
    else:
        await chat.say(report)
    assert chat.text.startswith(f"Review — {HEADING}")


async def test_dates_are_asked_stored_reviewed_and_submitted(
    chat: Chat, dates: str, store: Store
) -> None:
    await open_item_6(chat, dates)
    assert texts(chat) == [SINCE_PROMPT]
    assert chat.labels == ["‹ Back", "Save and exit"]
    await chat.say("15/03/1998")
    assert texts(chat) == [REPORT_PROMPT]
    await chat.say("2031-09-30")
    assert texts(chat) == [
        f"Review — {HEADING}\n\n"
        f"1. {SINCE}\n   → 15 March 1998\n"
        f"2. {REPORT}\n   → 30 September 2031\n\n"
        "Status: not submitted"
    ]
    await chat.press("Submit")
    assert receipt(6, "TEST-DATES-2027").fullmatch(chat.texts[0]), chat.texts
    assert chat.texts[1] == (
        f"Dates of international cooperation\nDeadline: {DEADLINE}\n"
        f"• {HEADING} — 2 of 2 questions answered · submitted"
    )
    assert await values(store) == {
        "ai6-since": {"date": "1998-03-15"},
        "ai6-next-report": {"date": "2031-09-30"},
    }


async def test_the_current_answer_is_shown_and_typed_labels_still_act_as_buttons(
    chat: Chat, dates: str
) -> None:
    await open_item_6(chat, dates)
    await answer_all(chat, "2001-09-01", None)
    await chat.press("Change answer 1")
    assert texts(chat) == [
        f"{HEADING}\nQuestion 1 of 2 · required\n\n{SINCE}\n"
        f"Your current answer: 1 September 2001\n{SINCE_HINT}"
    ]
    await chat.say("Keep ›")
    assert chat.text.startswith(f"Review — {HEADING}")
    await chat.press("Change answer 2")
    await chat.say("save and exit")
    assert chat.replies[0].text.startswith("Saved.")


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("yesterday", UNREADABLE),
        ("31/02/2027", UNREADABLE),
        ("2027-13-01", UNREADABLE),
        ("15 March 2027", UNREADABLE),
        ("03/15/2027", UNREADABLE),
        ("1949-12-31", RANGE),
        ("01/06/2027", RANGE),
    ],
)
async def test_a_bad_date_is_explained_and_nothing_is_saved(
    chat: Chat, dates: str, store: Store, typed: str, reason: str
) -> None:
    await open_item_6(chat, dates)
    before = await snapshot(store)
    await chat.say(typed)
    assert texts(chat) == [reason, SINCE_PROMPT]
    assert await snapshot(store) == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2027-03-15", "2027-03-15"),
        ("2027-3-5", "2027-03-05"),
        ("15/03/2027", "2027-03-15"),
        ("5/3/2027", "2027-03-05"),
        ("15.03.2027", "2027-03-15"),
        (" 15 / 03 / 2027 ", "2027-03-15"),
        ("١٥/٠٣/٢٠٢٧", "2027-03-15"),
    ],
)
async def test_the_date_forms_a_person_types(
    chat: Chat, dates: str, store: Store, typed: str, stored: str
) -> None:
    await open_item_6(chat, dates)
    await answer_all(chat, typed, None)
    assert (await values(store))["ai6-since"] == {"date": stored}


async def test_the_review_reads_dates_in_the_participant_s_language(chat: Chat, dates: str) -> None:
    await open_item_6(chat, dates)
    await answer_all(chat, "1998-03-15", None)
    await chat.say("/language")
    await chat.press("Русский")
    assert "   → 15 марта 1998 года\n" in chat.replies[-1].text


async def test_the_slack_form_has_datepickers(chat: Chat, dates: str, engine: Engine) -> None:
    await open_item_6(chat, dates)
    await answer_all(chat, "1998-03-15", None)
    await chat.press("‹ Agenda items")
    item = int(chat.button("Agenda item 6").payload.split(":")[1])
    form = await engine.form("test", "alice", item)
    assert form is not None
    view = form_view(form, translator("en"))
    assert view_errors(view) == []
    assert [(b["element"], b["hint"]["text"]) for b in inputs(view)] == [
        ({"type": "datepicker", "action_id": "answer", "initial_date": "1998-03-15"}, SINCE_HINT),
        ({"type": "datepicker", "action_id": "answer"}, DATE_HINT),
    ]


async def test_a_submitted_slack_form_is_checked_like_the_interview(
    chat: Chat, dates: str, engine: Engine, store: Store
) -> None:
    await open_item_6(chat, dates)
    await chat.press("Save and exit")
    item = int(chat.button("Agenda item 6").payload.split(":")[1])
    form = await engine.form("test", "alice", item)
    assert form is not None
    since, report = (q.id for q in form.questions)
    result = await submit(
        engine,
        item,
        {
            since: {"type": "datepicker", "selected_date": "1949-12-31"},
            report: {"type": "datepicker", "selected_date": "2031-09-30"},
        },
    )
    assert result.errors == {since: RANGE}
    assert result.saved == (report,)
    assert await values(store) == {"ai6-next-report": {"date": "2031-09-30"}}

    # A date that is not a string is not what Slack sends: the payload is refused.
    with pytest.raises(Malformed):
        check_payload(submission(item, {since: {"type": "datepicker", "selected_date": 5}}))


async def test_the_digest_counts_and_lists_dates(
    engine: Engine, dates: str, store: Store, clock: FixedClock
) -> None:
    alice, bob = Chat(engine, "alice"), Chat(engine, "bob")
    await open_item_6(alice, dates)
    await answer_all(alice, "1998-03-15", "2031-09-30")
    await open_item_6(bob, await invited(store, clock, DATES, CONSULTATION, "Kennis"))
    await answer_all(bob, "2001-09-01", None)
    carol = Chat(engine, "carol")
    await open_item_6(carol, await invited(store, clock, DATES, CONSULTATION, "Ngo"))
    await answer_all(carol, "15/03/1998", None)

    digest = await build(store, CONSULTATION, now=clock.now())
    [item] = digest.items
    assert [(q.key, q.type, q.counts) for q in item.questions] == [
        ("ai6-since", "date", (Figure("15 March 1998", 2), Figure("1 September 2001", 1))),
        ("ai6-next-report", "date", (Figure("30 September 2031", 1),)),
    ]
    assert [sorted(a.text for a in q.answers) for q in item.questions] == [
        ["1998-03-15", "1998-03-15", "2001-09-01"],
        ["2031-09-30"],
    ]
    assert {a.language for q in item.questions for a in q.answers} == {""}
    assert "| 15 March 1998 | 2 |" in render_md.render(digest)


async def test_the_export_holds_the_iso_date(chat: Chat, dates: str, store: Store) -> None:
    await open_item_6(chat, dates)
    await answer_all(chat, "15/03/1998", "30.09.2031")
    exported = await rows(store, consultation=CONSULTATION, published=False)
    assert [(r["question"], r["question_type"], r["value"]) for r in exported] == [
        ("ai6-since", "date", "1998-03-15"),
        ("ai6-next-report", "date", "2031-09-30"),
    ]


async def test_sample_dates_keep_to_each_question_s_limits(
    dates: str, store: Store, clock: FixedClock
) -> None:
    report = await sample.seed(store, now=clock.now(), consultation_id=CONSULTATION)
    given = await exported(store, CONSULTATION)
    assert report.answers == sum(len(v) for v in given.values()) > 0
    assert all("1950-01-01" <= v <= "2027-05-31" for v in given["ai6-since"])
    assert all(len(v) == 10 and v[4] == v[7] == "-" for v in given["ai6-next-report"])


@pytest.mark.parametrize(
    ("index", "key", "value", "expected"),
    [
        (0, "max", "1949-12-31", ("max", "max is before min", "make max on or after min")),
        (
            0,
            "min",
            10,
            ("min", "a date question's min must be a date", "write a date such as 2027-01-31"),
        ),
        (1, "unit", "days", ("unit", "a date question takes no unit", "remove unit")),
        (1, "decimals", 2, ("decimals", "a date question takes no decimals", "remove decimals")),
    ],
)
def test_a_problem_with_a_date_question(
    index: int, key: str, value: Any, expected: tuple[str, str, str]
) -> None:
    name, message, fix = expected
    assert problems(DATES, setting(index, key, value)) == [
        Problem("dates.yaml", f"agenda_items[0].questions[{index}].{name}", message, fix)
    ]
