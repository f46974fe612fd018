"""Length limits that do not surprise: said with the question, and a text over the limit is
kept for the participant to choose its first part or a file of it (issue 17, item 7)."""

from __future__ import annotations

import pytest

from handlers.features.overflow import first_part
from storage.repositories import Store
from tests.conftest import Chat, onboard

WORDS = "Human rights safeguards must be built into every request for electronic evidence. "
"""82 characters, ending in a space: a long answer is this, many times over."""

OVER = (
    "Your answer has {length} characters; the limit here is 3,000. I kept it: keep its first "
    "part, or get it back as a file to shorten it."
)


@pytest.fixture
async def at_text_question(chat: Chat, invite: str) -> Chat:
    """Alice at question 3 of agenda item 2: free text, up to 3,000 characters."""
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 2")
    await chat.press("We contributed to it")
    await chat.press("Yes")
    return chat


async def stored_text(store: Store) -> str | None:
    async with store.transaction() as uow:
        rows = [r for r in await uow.reports.answers() if r.question.key.endswith("contribution")]
    return rows[0].answer.value["text"] if rows else None


async def test_the_limit_is_said_with_the_question(at_text_question: Chat) -> None:
    lines = at_text_question.unique_reply().text.splitlines()
    assert lines[-1] == "Type your answer. Up to 3,000 characters."


@pytest.mark.parametrize("length", [3_500, 10_000], ids=["over the question's", "over 4,000"])
async def test_a_text_too_long_is_kept_and_its_first_part_can_be_kept(
    at_text_question: Chat, store: Store, length: int
) -> None:
    chat = at_text_question
    text = (WORDS * 200)[:length]
    await chat.say(text)
    offer = chat.unique_reply()
    assert offer.text == OVER.format(length=f"{length:,}")
    assert chat.labels == ["Keep the first 3,000 characters", "Send it back to me as a file"]
    assert await stored_text(store) is None
    keep = chat.button("Keep the first")

    await chat.press("Send it back to me as a file")
    back = chat.unique_reply()
    assert back.document is not None
    assert back.document.content.decode("utf-8") == text.strip()
    assert await stored_text(store) is None

    await chat.payload(keep.payload)  # the offer's button, still there above the file
    kept = await stored_text(store)
    assert kept == text[:3000]
    assert (kept[-6:], text[3000]) == (" every", " ")  # cut before a space, at a word's end
    assert chat.replies[-1].text.startswith("Review — Agenda item 2")


async def test_the_kept_text_goes_when_the_question_is_left(
    at_text_question: Chat, store: Store
) -> None:
    chat = at_text_question
    await chat.say(WORDS * 40)
    offer = chat.button("Keep the first")
    await chat.say("A shorter answer, within the limit.")
    assert await stored_text(store) == "A shorter answer, within the limit."
    await chat.payload(offer.payload)
    assert chat.replies[0].text == "That button is no longer active. Here is where you are:"
    assert await stored_text(store) == "A shorter answer, within the limit."


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("one two three", 20, "one two three"),
        ("one two three", 9, "one two"),
        ("one two\nthree four", 12, "one two"),
        ("abcdefghij klm", 9, "abcdefghi"),  # the only space is past the limit: a hard cut
        ("民间社会组织应参加。工作组的会议并提交书面意见", 14, "民间社会组织应参加。"),
        ("ينبغي أن تشارك منظمات المجتمع المدني", 20, "ينبغي أن تشارك"),
    ],
)
def test_the_first_part_ends_at_a_word(text: str, limit: int, expected: str) -> None:
    assert first_part(text, limit) == expected
