"""Pure translation: recorded Update payloads → events, replies → Bot API calls."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.sending import ApiCall
from bot.adapters.telegram.client import file_base_url
from bot.adapters.telegram.translate import (
    MAX_MESSAGE_CHARS,
    MalformedUpdate,
    Received,
    split_text,
    to_calls,
    to_received,
    utf16_length,
)
from handlers.events import Button, Inbound, OutgoingDocument, Reply
from tests.adapters.telegram.conftest import MALFORMED_UPDATES, fixture

BOT = "7294518630"
AMINA = "5230018431"


async def fetch(file_id: str) -> bytes:
    return f"content of {file_id}".encode()


def received(name: str) -> Received:
    return to_received(fixture(name), bot_id=BOT, fetch=fetch)


def test_text_message() -> None:
    assert received("message_text") == Received(
        815294001,
        AMINA,
        Inbound(
            "telegram",
            AMINA,
            AMINA,
            update_id=f"{BOT}:815294001",
            text="Nous avons contribué à la liste de contrôle pour l'auto-évaluation en 2026.",
            locale="fr",
            display_name="Amina Diallo",
        ),
    )


def test_start_deep_link_keeps_the_code() -> None:
    result = received("start_deep_link")
    assert result.event is not None
    assert (result.event.text, result.event.update_id) == ("/start PQUM33CZ", f"{BOT}:815294000")


def test_callback_query_carries_payload_and_the_message_to_edit() -> None:
    result = received("callback_query")
    assert (result.callback_query_id, result.message_id, result.chat_id) == (
        "22535114920373926",
        1203,
        AMINA,
    )
    assert result.event is not None
    assert (result.event.payload, result.event.text, result.event.user_id) == (
        "lang:en",
        None,
        AMINA,
    )


async def test_document_is_read_through_fetch_only_when_asked() -> None:
    result = received("document")
    assert result.event is not None
    document = result.event.document
    assert document is not None
    assert (document.filename, document.size, document.mime_type) == (
        "Written submission.pdf",
        48213,
        "application/pdf",
    )
    file_id = fixture("document")["message"]["document"]["file_id"]
    assert await document.read() == f"content of {file_id}".encode()


def test_sticker_is_unsupported() -> None:
    result = received("sticker")
    assert result.event is not None
    assert (result.event.unsupported, result.event.text) == ("sticker", None)


def test_edited_message_reaches_no_engine() -> None:
    assert received("edited_message") == Received(815294005, AMINA)


def test_blocking_and_unblocking() -> None:
    assert received("my_chat_member_blocked") == Received(815294006, AMINA, reachable=False)
    assert received("my_chat_member_unblocked") == Received(815294007, AMINA, reachable=True)


def test_group_messages_are_ignored() -> None:
    update = fixture("message_text")
    update["message"]["chat"] = {"id": -1001234567890, "title": "Secretariat", "type": "supergroup"}
    assert to_received(update, bot_id=BOT, fetch=fetch) == Received(815294001, "-1001234567890")


def test_inaccessible_message_cannot_be_edited() -> None:
    update = fixture("callback_query")
    update["callback_query"]["message"] = {
        "chat": {"id": int(AMINA), "type": "private"},
        "message_id": 1203,
        "date": 0,
    }
    result = to_received(update, bot_id=BOT, fetch=fetch)
    assert (result.message_id, result.chat_id) == (None, AMINA)


def test_text_is_escaped_for_html() -> None:
    reply = Reply("You were invited on behalf of <b>Evil & Co</b>.")
    assert to_calls([reply], chat_id=AMINA) == [
        ApiCall(
            "sendMessage",
            {
                "chat_id": AMINA,
                "text": "You were invited on behalf of &lt;b&gt;Evil &amp; Co&lt;/b&gt;.",
                "parse_mode": "HTML",
            },
        )
    ]


def test_buttons_become_an_inline_keyboard() -> None:
    reply = Reply("Pick", ((Button("Yes", "ans:7:y"), Button("No", "ans:7:n")),))
    [call] = to_calls([reply], chat_id=AMINA)
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [
                {"text": "Yes", "callback_data": "ans:7:y"},
                {"text": "No", "callback_data": "ans:7:n"},
            ]
        ]
    }


def test_payload_over_64_bytes_is_refused() -> None:
    reply = Reply("Pick", ((Button("Yes", "é" * 33),),))
    with pytest.raises(ValueError, match="64 bytes"):
        to_calls([reply], chat_id=AMINA)


def test_toggle_edits_the_pressed_message_once() -> None:
    replies = [
        Reply("Q <1>", ((Button("A", "tog:1:a", selected=True),),), replace_previous=True),
        Reply("after", replace_previous=True),
    ]
    calls = to_calls(replies, chat_id=AMINA, edit_message_id=1203)
    assert [(c.method, c.params.get("message_id"), c.params["text"]) for c in calls] == [
        ("editMessageText", 1203, "Q &lt;1&gt;"),
        ("sendMessage", None, "after"),
    ]
    # A chosen option is drawn with a check mark before its label.
    assert calls[0].params["reply_markup"]["inline_keyboard"] == [
        [{"text": "✓ A", "callback_data": "tog:1:a"}]
    ]
    assert calls[0].instead == ApiCall(
        "sendMessage",
        {
            "chat_id": AMINA,
            "text": "Q &lt;1&gt;",
            "parse_mode": "HTML",
            "reply_markup": calls[0].params["reply_markup"],
        },
    )


def test_toggle_typed_as_text_sends_a_new_message() -> None:
    calls = to_calls([Reply("Q", replace_previous=True)], chat_id=AMINA)
    assert [c.method for c in calls] == ["sendMessage"]


def test_long_text_is_split_with_buttons_on_the_last_part() -> None:
    paragraph = "word " * 600
    text = "\n\n".join([paragraph.strip()] * 3)  # three paragraphs of 2,999 characters
    calls = to_calls([Reply(text, ((Button("Submit", "submit:1"),),))], chat_id=AMINA)
    assert [len(c.params["text"]) for c in calls] == [2999, 2999, 2999]
    assert all(utf16_length(c.params["text"]) <= MAX_MESSAGE_CHARS for c in calls)
    assert ["reply_markup" in c.params for c in calls] == [False, False, True]
    words = to_calls([Reply(("word " * 2000).strip())], chat_id=AMINA)
    assert [len(c.params["text"]) for c in words] == [4094, 4094, 1809]
    assert " ".join(html.unescape(c.params["text"]) for c in calls).split() == text.split()


def test_document_with_its_text_as_caption() -> None:
    document = OutgoingDocument("my-data.json", b"{}", "application/json")
    [call] = to_calls([Reply("Here is <all>", document=document)], chat_id=AMINA)
    assert call == ApiCall(
        "sendDocument",
        {"chat_id": AMINA, "caption": "Here is &lt;all&gt;", "parse_mode": "HTML"},
        document,
    )


def test_document_with_a_long_text_sends_the_text_first() -> None:
    document = OutgoingDocument("my-data.json", b"{}", "application/json")
    calls = to_calls([Reply("x " * 700, document=document)], chat_id=AMINA)
    assert [c.method for c in calls] == ["sendMessage", "sendDocument"]
    assert "caption" not in calls[1].params


def test_split_prefers_paragraphs_then_lines_then_spaces() -> None:
    assert split_text("aaaa bbbb\n\ncccc dddd", limit=12) == ["aaaa bbbb", "cccc dddd"]
    assert split_text("aaaaaa\nbbb ccc", limit=10) == ["aaaaaa", "bbb ccc"]
    assert split_text("a\nbbbbbb ccc", limit=10) == ["a\nbbbbbb", "ccc"]  # not a tiny part
    assert split_text("aaaa bbbb cccc", limit=10) == ["aaaa bbbb", "cccc"]
    assert split_text("a" * 25, limit=10) == ["a" * 10, "a" * 10, "a" * 5]


def test_split_counts_utf16_units() -> None:
    emoji = "😀"  # two UTF-16 code units
    parts = split_text(" ".join([emoji * 3] * 4), limit=13)
    assert parts == [f"{emoji * 3} {emoji * 3}", f"{emoji * 3} {emoji * 3}"]


@given(
    st.lists(st.text(alphabet="abcdé😀", min_size=1, max_size=15), min_size=1, max_size=60),
    st.sampled_from([" ", "\n", "\n\n"]),
    st.integers(min_value=30, max_value=200),
)
def test_split_never_breaks_a_word_nor_exceeds_the_limit(
    words: list[str], separator: str, limit: int
) -> None:
    parts = split_text(separator.join(words), limit=limit)
    assert all(utf16_length(part) <= limit for part in parts)
    assert " ".join(parts).split() == words


def test_file_url_follows_the_api_url() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_base_url("http://proxy/tg/bot{token}") == "http://proxy/tg/file/bot{token}"
    assert file_base_url("http://x/bot", "http://files/bot") == "http://files/bot"


@pytest.mark.parametrize("name", MALFORMED_UPDATES)
def test_trust_12_a_malformed_update_raises_the_one_error_the_channel_maps(name: str) -> None:
    with pytest.raises(MalformedUpdate) as raised:
        received(f"malformed/{name}")
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "update",
    [
        None,
        [],
        "update",
        {"update_id": True, "message": {}},
        {"update_id": 1, "message": None},
        {"update_id": 1, "callback_query": {"id": "1", "from": {"id": "5230018431"}}},
        {"update_id": 1, "message": {"chat": {"id": 1, "type": "private"}, "text": 12}},
        {"update_id": 1, "my_chat_member": {"chat": {"id": 1, "type": "private"}}},
    ],
    ids=["null", "list", "string", "bool-id", "null-message", "text-user-id", "int-text", "member"],
)
def test_trust_12_wrong_types_are_malformed_too(update: object) -> None:
    with pytest.raises(MalformedUpdate):
        to_received(update, bot_id=BOT, fetch=fetch)  # type: ignore[arg-type]


def test_trust_14_a_callback_from_a_group_is_only_answered() -> None:
    assert received("callback_query_group") == Received(
        815294007, "-1001234567890", None, callback_query_id="22535114920373999"
    )
