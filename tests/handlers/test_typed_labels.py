"""A typed label presses its button: without its decorations, case and accents, in the
participant's own language (issue 17, item 2)."""

from __future__ import annotations

import pytest

from handlers.events import Button
from handlers.i18n import LANGUAGE_NAMES, translator
from handlers.labels import comparable, typed_button
from tests.conftest import Chat, onboard

CHOOSE = "Please choose one of the buttons below."


@pytest.mark.parametrize(
    ("label", "typed"),
    [
        ("‹ Back", "Back"),
        ("‹ Back", "back"),
        ("‹ Back", "BACK"),
        ("Keep ›", "keep"),
        ("Réponse", "reponse"),
        ("« Retour »", "retour"),
        ("✓ Privacy", "privacy"),
        ("→ Next ←", "next"),
        ("📝 Agenda item 2", "agenda item 2"),
        ("Save and exit", "save-and-exit!"),
        ("‹ Atrás", "ATRAS"),
        ("Оставить ›", "оставить"),
        ("Ёлка", "елка"),
        ("‹ رجوع", "\u200fرجوع"),
        ("إبقاء ›", "إبقاء"),
        ("‹ 返回", "返回"),
        ("保存并退出", "保存并退出。"),
    ],
)
def test_a_label_matches_without_decorations_case_or_accents(label: str, typed: str) -> None:
    assert comparable(label) == comparable(typed)
    button = Button(label, "p")
    assert typed_button([Button("Other", "o"), button], typed) is button


def test_what_matches_no_label_presses_nothing() -> None:
    buttons = [Button("‹ Back", "back"), Button("Keep ›", "keep")]
    assert typed_button(buttons, "ba") is None
    assert typed_button(buttons, "›") is None  # only decoration: not a label
    assert typed_button(buttons, "") is None
    assert typed_button(buttons, "2") is None  # numbers press only numbered buttons
    assert typed_button(buttons, "2", numbered=True) is buttons[1]
    assert typed_button(buttons, "3", numbered=True) is None
    # Two buttons with the same label once compared: neither is guessed.
    assert typed_button([Button("Yes!", "a"), Button("yes", "b")], "YES") is None
    # A scale's labels are numbers: typed on a platform without numbered buttons, the label.
    scale = [Button("0", "s0"), Button("1", "s1"), Button("2", "s2")]
    assert typed_button(scale, "1") is scale[1]
    assert typed_button(scale, "1", numbered=True) is scale[0]


async def at_second_question(chat: Chat, invite: str, language: str) -> None:
    """Alice at question 2 of agenda item 2 (yes/no, required), question 1 answered, in
    `language`."""
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 2")
    await chat.press("We contributed to it")
    await chat.say("/language")
    await chat.press(LANGUAGE_NAMES[language])


def counter(language: str, number: int) -> str:
    t = translator(language)
    return t._("Question {number} of {count}", number=number, count=3) + " · " + t._("required")


# What a person types for "‹ Back" and "Keep ›" in each language, and a word of another
# language's label that must not match.
TYPED = [
    ("en", "BACK", "keep", "conserver"),
    ("fr", "retour", "CONSERVER", "keep"),
    ("es", "atras", "Mantener", "back"),
    ("ru", "назад", "ОСТАВИТЬ", "retour"),
    ("ar", "رجوع", "إبقاء", "back"),
    ("zh", "返回", "保留", "back"),
]


@pytest.mark.parametrize(("language", "back", "keep", "foreign"), TYPED)
async def test_typed_labels_move_through_the_questions(
    chat: Chat, invite: str, language: str, back: str, keep: str, foreign: str
) -> None:
    await at_second_question(chat, invite, language)
    assert chat.replies[-1].text.splitlines()[1] == counter(language, 2)

    await chat.say(back)
    assert chat.unique_reply().text.splitlines()[1] == counter(language, 1)
    await chat.say(keep)
    assert chat.unique_reply().text.splitlines()[1] == counter(language, 2)

    await chat.say(foreign)
    step = chat.explained(translator(language)._(CHOOSE))
    assert step.text.splitlines()[1] == counter(language, 2)


async def test_typed_labels_in_english(chat: Chat, invite: str) -> None:
    await at_second_question(chat, invite, "en")
    for typed, number in [("Back", 1), ("keep", 2), ("back", 1), ("Keep ›", 2), ("‹ back", 1)]:
        await chat.say(typed)
        assert chat.unique_reply().text.splitlines()[1] == counter("en", number), typed
    await chat.say("save and exit")
    assert chat.replies[0].text == (
        "Saved. Every answer you sent is kept; choose the agenda item again whenever you want "
        "to continue."
    )
