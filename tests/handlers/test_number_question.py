"""The number question type: a journey answering it, bad input, its display in the review,
its Slack form field, the digest, the export, the sample data and the file's checks."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.slack.translate import form_view
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
    submit,
    texts,
    values,
)

NUMBERS = FIXTURES / "numbers.yaml"
CONSULTATION = "test-numbers-2027"
STAFF = "How many staff of your organization work on international cooperation?"
SHARE = "What share of your budget goes to international cooperation?"
CASES = "How many cases did your organization follow last year?"
STAFF_HINT = "Type a whole number. The number must be from 0 to 5,000. Unit: staff."
SHARE_HINT = (
    "Type a number with at most 1 decimal place. The number must be from 0 to 100. Unit: %."
)
HEADING = "Agenda item 5: Resources"
STAFF_PROMPT = f"{HEADING}\nQuestion 1 of 3 · required\n\n{STAFF}\n{STAFF_HINT}"
SHARE_PROMPT = f"{HEADING}\nQuestion 2 of 3\n\n{SHARE}\n{SHARE_HINT}"
CASES_PROMPT = f"{HEADING}\nQuestion 3 of 3\n\n{CASES}\nType a whole number."


@pytest.fixture
async def numbers(store: Store, clock: FixedClock) -> str:
    """An invite to the consultation that asks for numbers."""
    return await invited(store, clock, NUMBERS, CONSULTATION, "Criminologists without Borders")


async def open_item_5(chat: Chat, code: str) -> None:
    await open_item(chat, code, "Numbers 2027", "5")


async def answer_all(chat: Chat, staff: str, share: str | None, cases: str | None) -> None:
    """From the first question, answer each question (None: skip it), up to the review."""
    for typed in (staff, share, cases):
        if typed is None:
            await chat.press("Skip ›")
        else:
            await chat.say(typed)
    assert chat.text.startswith(f"Review — {HEADING}")


async def test_numbers_are_asked_stored_reviewed_and_submitted(
    chat: Chat, numbers: str, store: Store
) -> None:
    await open_item_5(chat, numbers)
    assert texts(chat) == [STAFF_PROMPT]
    assert chat.labels == ["‹ Back", "Save and exit"]
    await chat.say("1 200")
    assert texts(chat) == [SHARE_PROMPT]
    assert chat.labels == ["‹ Back", "Skip ›", "Save and exit"]
    await chat.say("12,5")
    assert texts(chat) == [CASES_PROMPT]
    await chat.say("37")
    assert texts(chat) == [
        f"Review — {HEADING}\n\n"
        f"1. {STAFF}\n   → 1,200 staff\n"
        f"2. {SHARE}\n   → 12.5 %\n"
        f"3. {CASES}\n   → 37\n\n"
        "Status: not submitted"
    ]
    await chat.press("Submit")
    assert receipt(5, "TEST-NUMBERS-2027").fullmatch(chat.texts[0]), chat.texts
    assert chat.texts[1] == (
        f"Figures on international cooperation\nDeadline: {DEADLINE}\n"
        f"• {HEADING} — 3 of 3 questions answered · submitted"
    )

    stored = await values(store)
    assert stored == {
        "ai5-staff": {"number": "1200"},
        "ai5-budget-share": {"number": "12.5"},
        "ai5-cases": {"number": "37"},
    }


async def test_the_current_answer_is_shown_and_typed_labels_still_act_as_buttons(
    chat: Chat, numbers: str
) -> None:
    await open_item_5(chat, numbers)
    await answer_all(chat, "40", None, None)
    await chat.press("Change answer 1")
    assert texts(chat) == [
        f"{HEADING}\nQuestion 1 of 3 · required\n\n{STAFF}\n"
        f"Your current answer: 40 staff\n{STAFF_HINT}"
    ]
    await chat.say("keep ›")
    assert chat.text.startswith(f"Review — {HEADING}")
    await chat.press("Change answer 3")
    await chat.say("Save and exit")
    assert chat.replies[0].text.startswith("Saved.")


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("twelve", "That is not a number. Please type digits, for example 12."),
        ("1e3", "That is not a number. Please type digits, for example 12."),
        ("NaN", "That is not a number. Please type digits, for example 12."),
        ("1.2.3", "That is not a number. Please type digits, for example 12."),
        ("12.5", "Please type a whole number, without decimals."),
        ("-3", "The number must be from 0 to 5,000."),
        ("5001", "The number must be from 0 to 5,000."),
    ],
)
async def test_a_bad_number_is_explained_and_nothing_is_saved(
    chat: Chat, numbers: str, store: Store, typed: str, reason: str
) -> None:
    await open_item_5(chat, numbers)
    before = await snapshot(store)
    await chat.say(typed)
    assert texts(chat) == [reason, STAFF_PROMPT]
    assert await snapshot(store) == before


async def test_a_number_with_too_many_decimals_is_refused(
    chat: Chat, numbers: str, store: Store
) -> None:
    await open_item_5(chat, numbers)
    await chat.say("12")
    before = await snapshot(store)
    await chat.say("12.25")
    assert texts(chat) == ["Please use at most 1 decimal place.", SHARE_PROMPT]
    assert await snapshot(store) == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("4 000", "4000"),
        ("4\u202f000", "4000"),
        ("4,000", "4000"),
        ("4.000", "4000"),
        ("+7", "7"),
        ("٧", "7"),
        ("0", "0"),
    ],
)
async def test_the_whole_numbers_a_person_types(
    chat: Chat, numbers: str, store: Store, typed: str, stored: str
) -> None:
    await open_item_5(chat, numbers)
    await answer_all(chat, typed, None, None)
    assert (await values(store))["ai5-staff"] == {"number": stored}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("12,5", "12.5"),
        ("12.5", "12.5"),
        ("12.50", "12.5"),
        ("٫5", "0.5"),
        ("１２．５", "12.5"),
        ("0,0", "0"),
        ("100", "100"),
    ],
)
async def test_the_decimals_a_person_types(
    chat: Chat, numbers: str, store: Store, typed: str, stored: str
) -> None:
    await open_item_5(chat, numbers)
    await answer_all(chat, "12", typed, None)
    assert (await values(store))["ai5-budget-share"] == {"number": stored}


async def test_the_review_reads_numbers_in_the_participant_s_language(
    chat: Chat, numbers: str
) -> None:
    await open_item_5(chat, numbers)
    await answer_all(chat, "1200", "12.5", "4000")
    await chat.say("/language")
    await chat.press("Français")
    review = chat.replies[-1].text
    assert "   → 1\u202f200 personnes\n" in review
    assert "   → 12,5 %\n" in review
    assert "   → 4\u202f000\n" in review


async def item_5(chat: Chat) -> int:
    """The id of agenda item 5, from the button of the agenda."""
    return int(chat.button("Agenda item 5").payload.split(":")[1])


async def test_the_slack_form_has_number_inputs(chat: Chat, numbers: str, engine: Engine) -> None:
    await open_item_5(chat, numbers)
    await answer_all(chat, "1200", None, "0")
    await chat.press("‹ Agenda items")
    form = await engine.form("test", "alice", await item_5(chat))
    assert form is not None
    view = form_view(form, translator("en"))
    assert view_errors(view) == []
    number: dict[str, Any] = {"type": "number_input", "action_id": "answer"}
    assert [(b["element"], b["hint"]["text"]) for b in inputs(view)] == [
        (
            {
                **number,
                "is_decimal_allowed": False,
                "min_value": "0",
                "max_value": "5000",
                "initial_value": "1200",
            },
            STAFF_HINT,
        ),
        ({**number, "is_decimal_allowed": True, "min_value": "0", "max_value": "100"}, SHARE_HINT),
        ({**number, "is_decimal_allowed": False, "initial_value": "0"}, "Type a whole number."),
    ]


async def test_a_submitted_slack_form_is_checked_like_the_interview(
    chat: Chat, numbers: str, engine: Engine, store: Store
) -> None:
    await open_item_5(chat, numbers)
    await chat.press("Save and exit")
    item = await item_5(chat)
    form = await engine.form("test", "alice", item)
    assert form is not None
    staff, share, cases = (q.id for q in form.questions)
    result = await submit(
        engine,
        item,
        {
            staff: {"type": "number_input", "value": "6000"},
            share: {"type": "number_input", "value": "40"},
            cases: {"type": "number_input", "value": "2.5"},
        },
    )
    assert result.errors == {
        staff: "The number must be from 0 to 5,000.",
        cases: "Please type a whole number, without decimals.",
    }
    assert result.saved == (share,)
    assert await values(store) == {"ai5-budget-share": {"number": "40"}}


async def test_the_digest_counts_and_lists_numbers(
    engine: Engine, numbers: str, store: Store, clock: FixedClock
) -> None:
    alice, bob = Chat(engine, "alice"), Chat(engine, "bob")
    await open_item_5(alice, numbers)
    await answer_all(alice, "1200", "12.5", None)
    await open_item_5(bob, await invited(store, clock, NUMBERS, CONSULTATION, "Kennis"))
    await answer_all(bob, "12", None, None)
    await bob.press("Submit")

    digest = await build(store, CONSULTATION, now=clock.now())
    [item] = digest.items
    assert [(q.key, q.type, q.counts) for q in item.questions] == [
        ("ai5-staff", "number", (Figure("12 staff", 1), Figure("1,200 staff", 1))),
        ("ai5-budget-share", "number", (Figure("12.5 %", 1),)),
        ("ai5-cases", "number", ()),
    ]
    assert [sorted(a.text for a in q.answers) for q in item.questions] == [
        ["12", "1200"],
        ["12.5"],
        [],
    ]
    assert {a.language for q in item.questions for a in q.answers} == {""}
    assert "| 1,200 staff | 1 |" in render_md.render(digest)


async def test_the_export_holds_the_plain_number(chat: Chat, numbers: str, store: Store) -> None:
    await open_item_5(chat, numbers)
    await answer_all(chat, "1 200", "12,5", None)
    exported = await rows(store, consultation=CONSULTATION, published=False)
    assert [(r["question"], r["question_type"], r["value"]) for r in exported] == [
        ("ai5-staff", "number", "1200"),
        ("ai5-budget-share", "number", "12.5"),
    ]


async def test_sample_numbers_keep_to_each_question_s_limits(
    numbers: str, store: Store, clock: FixedClock
) -> None:
    report = await sample.seed(store, now=clock.now(), consultation_id=CONSULTATION)
    given = await exported(store, CONSULTATION)
    assert report.answers == sum(len(v) for v in given.values()) > 0
    assert all(0 <= int(v) <= 5000 for v in given["ai5-staff"])
    shares = given["ai5-budget-share"]
    assert all(0 <= float(v) <= 100 and len(v.partition(".")[2]) <= 1 for v in shares)
    assert all(v.isdigit() for v in given["ai5-cases"])


@pytest.mark.parametrize(
    ("index", "key", "value", "expected"),
    [
        (0, "max", -1, ("max", "max is less than min", "make max at least min")),
        (
            0,
            "min",
            "2027-01-01",
            ("min", "a number question's min must be a number", "write a number such as 0"),
        ),
        (
            1,
            "decimals",
            7,
            ("decimals", "Input should be less than or equal to 6", "correct the value"),
        ),
        (
            0,
            "min",
            "many",
            (
                "min",
                "Value error, give a number such as 0 or a date such as 2027-01-31",
                "correct the value",
            ),
        ),
    ],
)
def test_a_problem_with_a_number_question(
    index: int, key: str, value: Any, expected: tuple[str, str, str]
) -> None:
    name, message, fix = expected
    assert problems(NUMBERS, setting(index, key, value)) == [
        Problem("numbers.yaml", f"agenda_items[0].questions[{index}].{name}", message, fix)
    ]


def test_a_number_key_on_a_text_question_is_reported() -> None:
    def add(questions: list[dict[str, Any]]) -> None:
        questions.append(
            {"id": "ai5-notes", "type": "text", "text": "Notes", "min": 3, "unit": "words"}
        )

    at = "agenda_items[0].questions[3]"
    assert problems(NUMBERS, add) == [
        Problem("numbers.yaml", f"{at}.min", "a text question takes no min", "remove min"),
        Problem("numbers.yaml", f"{at}.unit", "a text question takes no unit", "remove unit"),
    ]
