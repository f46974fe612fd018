"""The pure translation between Slack payloads and the engine, from recorded payloads."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from bot.adapters.sending import ApiCall
from bot.adapters.slack.translate import (
    Profile,
    blocks,
    command_text,
    escape,
    event_key,
    form_values,
    form_view,
    from_action,
    from_command,
    from_message,
    home_view,
    to_calls,
)
from config.consultation import QuestionType
from handlers.events import Button, ChoiceGroup, OutgoingDocument, Reply
from handlers.features.consultations import Window
from handlers.features.forms import FormChoice, FormQuestion, ItemForm
from handlers.features.overview import ConsultationOverview, ItemOverview, Overview
from handlers.i18n import translator
from tests.adapters.slack.conftest import fixture, unescape
from tests.fakes.slack_server import blocks_errors, view_errors

PROFILE = Profile(locale="fr-FR", timezone="Africa/Dakar", display_name="Amina")


def multi_choice(text: str, key: str, *options: Button, confirm: Button) -> Reply:
    """A question's reply as the engine shapes it: each option on its row, then the confirm
    button, the options and the confirm button also as its choice group."""
    rows = (*((option,) for option in options), (confirm,))
    return Reply(text, rows, choices=ChoiceGroup(key, options, confirm))


async def never(file_id: str) -> bytes:
    raise AssertionError("not downloaded")


def test_a_dm_message_becomes_text_with_the_event_id_as_update_key() -> None:
    received = from_message(fixture("message_im"), profile=PROFILE, fetch=never)
    assert received is not None
    [event] = received.events
    assert (event.platform, event.user_id, event.chat_id) == ("slack", "U0AMINA001", "D0AMINA001")
    assert event.update_id == "T0INTERSES:Ev08MFMKH6J9"
    assert event.text == "/help"  # "help" typed as a word is the command
    assert (event.locale, event.timezone, event.display_name) == ("fr-FR", "Africa/Dakar", "Amina")
    assert received.channel == "D0AMINA001"


@pytest.mark.parametrize(
    ("typed", "engine"),
    [
        ("help", "/help"),
        ("Status", "/status"),
        ("link ABCD2345", "/link ABCD2345"),
        ("reminders off", "/reminders off"),
        ("help us build capacity", "help us build capacity"),
        ("The language matters", "The language matters"),
    ],
)
def test_command_words(typed: str, engine: str) -> None:
    assert command_text(typed) == engine


def test_edits_bot_messages_and_other_channels_are_ignored() -> None:
    edited = copy.deepcopy(fixture("message_im"))
    edited["event"]["subtype"] = "message_changed"
    from_bot = copy.deepcopy(fixture("message_im"))
    from_bot["event"]["bot_id"] = "B0BOTID001"
    in_channel = copy.deepcopy(fixture("message_im"))
    in_channel["event"]["channel_type"] = "channel"
    for body in (edited, from_bot, in_channel):
        assert from_message(body, profile=None, fetch=never) is None


async def test_a_shared_file_is_a_document_read_through_fetch() -> None:
    asked: list[str] = []

    async def fetch(file_id: str) -> bytes:
        asked.append(file_id)
        return b"%PDF-"

    received = from_message(fixture("file_share"), profile=None, fetch=fetch)
    assert received is not None
    document = received.events[0].document
    assert document is not None
    assert (document.filename, document.size, document.mime_type) == (
        "position-paper.pdf",
        18342,
        "application/pdf",
    )
    assert asked == []
    assert await document.read() == b"%PDF-"
    assert asked == ["F0SHARED01"]
    assert event_key(fixture("file_share")) == "T0INTERSES:Ev08MFQ2RZ4A"


def test_a_button_press_sends_its_payload() -> None:
    received = from_action(fixture("block_actions"), profile=None)
    assert received is not None
    [event] = received.events
    assert event.payload == "lang:en"
    assert event.update_id == "T0INTERSES:8024637183411.1234567890.5f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert (received.channel, received.message_ts) == ("D0AMINA001", "1800000062.000100")


def test_done_sends_one_toggle_per_changed_checkbox_then_done() -> None:
    question = multi_choice(
        "Which obstacles?",
        "7",
        Button("Delays", "tog:7:delays", selected=True),
        Button("Conflicts", "tog:7:conflicts"),
        Button("Encryption", "tog:7:encryption"),
        confirm=Button("Done", "done:7"),
    )
    shown = blocks(question)
    checkboxes = shown[1]
    assert checkboxes["block_id"] == "tog-7"
    assert [o["text"]["text"] for o in checkboxes["elements"][0]["options"]] == [
        "Delays",
        "Conflicts",
        "Encryption",
    ]
    assert checkboxes["elements"][0]["initial_options"][0]["value"] == "tog:7:delays"
    payload = copy.deepcopy(fixture("block_actions"))
    payload["message"]["blocks"] = shown
    done = shown[2]["elements"][0]
    payload["actions"] = [{**done, "block_id": "row-0", "action_ts": "1"}]
    options = checkboxes["elements"][0]["options"]
    payload["state"] = {
        "values": {"tog-7": {"tog": {"type": "checkboxes", "selected_options": [options[2]]}}}
    }
    received = from_action(payload, profile=None)
    assert received is not None
    assert [e.payload for e in received.events] == ["tog:7:delays", "tog:7:encryption", "done:7"]
    assert len({e.update_id for e in received.events}) == 3


def test_the_slash_command_is_the_engine_command() -> None:
    event = from_command(fixture("slash_command"), channel="D0AMINA001", profile=None)
    assert (event.text, event.chat_id, event.user_id) == ("/status", "D0AMINA001", "U0AMINA001")
    empty = {**fixture("slash_command"), "text": ""}
    assert from_command(empty, channel="D0AMINA001", profile=None).text == "/start"


def test_form_values_by_question() -> None:
    view = copy.deepcopy(fixture("view_submission")["view"])
    view["state"]["values"]["q2"] = {"answer": {"type": "plain_text_input", "value": "Oui"}}
    view["state"]["values"]["q3"] = {
        "answer": {"type": "checkboxes", "selected_options": [{"value": "a"}, {"value": "b"}]}
    }
    assert form_values(view) == (1, {1: "contributed", 2: "Oui", 3: ["a", "b"]})


def test_form_values_of_a_long_multi_choice_menu() -> None:
    # More than ten choices are a multi_static_select, whose state holds selected_options.
    view = copy.deepcopy(fixture("view_submission")["view"])
    view["state"]["values"]["q3"] = {
        "answer": {"type": "multi_static_select", "selected_options": [{"value": "c11"}]}
    }
    assert form_values(view) == (1, {1: "contributed", 3: ["c11"]})


def test_replies_become_escaped_block_kit_messages() -> None:
    replies = [
        Reply("Tom & Jerry <script> > 1", ((Button("Agenda item 2", "item:5", form=5),),)),
        Reply("Updated", ((Button("Yes", "ans:1:yes"),),), replace_previous=True),
        Reply("Your data", document=OutgoingDocument("data.json", b"{}", "application/json")),
    ]
    calls = to_calls(replies, channel="D0AMINA001", update_ts="1800000062.000100")
    assert [c.method for c in calls] == ["chat.postMessage", "chat.update", "files.uploadV2"]
    first = calls[0].params
    assert first["text"] == "Tom &amp; Jerry &lt;script&gt; &gt; 1"
    assert first["blocks"][0]["text"] == {
        "type": "mrkdwn",
        "text": "Tom &amp; Jerry &lt;script&gt; &gt; 1",
        "verbatim": True,
    }
    assert [e["action_id"] for e in first["blocks"][1]["elements"]] == ["act:0", "form"]
    assert first["blocks"][1]["elements"][1]["value"] == "5"
    assert calls[1].params["ts"] == "1800000062.000100"
    # Refused (too old, deleted), the update is posted anew.
    anew = {k: v for k, v in calls[1].params.items() if k != "ts"}
    assert calls[1].instead == ApiCall("chat.postMessage", anew)
    assert calls[2].params["channel"] == "D0AMINA001"
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_long_text_is_split_into_sections() -> None:
    text = ("word " * 700).strip()
    sections = blocks(Reply(text))
    assert len(sections) > 1
    assert all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert " ".join(s["text"]["text"] for s in sections) == text


def shown_text(calls: list[ApiCall]) -> str:
    """What a Slack user reads in the sections of these messages, unescaped."""
    return "".join(
        unescape(block["text"]["text"])
        for call in calls
        for block in call.params["blocks"]
        if block["type"] == "section"
    )


@pytest.mark.parametrize("text", ["&" * 4000, "<" * 4000, "a&" * 2000, "&<>" * 1333 + "&"])
def test_trust_17_an_answer_that_only_escapes_fits_slack_sections(text: str) -> None:
    # 4,000 characters is MAX_TEXT_CHARS, the longest answer accepted; "&" becomes "&amp;".
    calls = to_calls([Reply(text, ((Button("Submit", "submit:1"),),))], channel="D0AMINA001")
    for call in calls:
        assert blocks_errors(call.params["blocks"]) == []
        assert len(call.params["text"]) <= 3000
        assert "&amp;" not in unescape(call.params["text"])
    # Split only between entities, never inside one: nothing is lost or garbled.
    assert shown_text(calls) == text


def test_trust_17_a_review_of_many_long_answers_continues_in_further_messages() -> None:
    answers = [f"{n}. Question {n}\n   → " + "&<" * 2000 for n in range(1, 13)]
    buttons = tuple((Button(f"Change answer {n}", f"edit:{n}"),) for n in range(1, 13))
    review = Reply(
        "Review — Agenda item 2\n\n" + "\n".join(answers), buttons, replace_previous=True
    )
    calls = to_calls([review], channel="D0AMINA001", update_ts="1800000062.000100")
    assert [c.method for c in calls][:2] == ["chat.update", "chat.postMessage"]
    assert len(calls) > 1
    for call in calls:
        assert blocks_errors(call.params["blocks"]) == []
    # Every answer is shown in full; the buttons come after the last of them.
    assert shown_text(calls).replace("\n", "").replace(" ", "") == (
        review.text.replace("\n", "").replace(" ", "")
    )
    last = calls[-1].params["blocks"]
    assert [b["type"] for b in last][-12:] == ["actions"] * 12


ARABIC = "ما هي الممارسات الجيدة في التعاون الدولي & حماية البيانات <الشخصية>؟ "
CHINESE = "在国际合作中有哪些良好做法，以及如何保护个人数据 & <隐私>？"


@pytest.mark.parametrize(("language", "words"), [("ar", ARABIC), ("zh", CHINESE)])
def test_trust_17_form_labels_and_buttons_of_maximum_length_fit(language: str, words: str) -> None:
    long = (words * 200)[:3000]
    t = translator(language)
    choices = tuple(FormChoice(f"c{n}", long) for n in range(12))
    questions = (
        FormQuestion(1, QuestionType.TEXT, long, long, long, True, (), long, 4000, True),
        FormQuestion(2, QuestionType.CHOICE, long, "", "", False, choices[:5], "c1", 0, True),
        FormQuestion(3, QuestionType.MULTI_CHOICE, long, "", "", False, choices, ("c2",), 0, True),
        FormQuestion(4, QuestionType.DOCUMENT, long, "", "", False, (), None, 0, False),
    )
    form = ItemForm(7, "2" * 40, long, language, language == "ar", True, questions)
    assert view_errors(form_view(form, t)) == []

    item = ItemOverview(7, "2", long, 0, 4, None, long, long)
    consultation = ConsultationOverview(
        "wgic-18-2027", long, Window.OPEN, datetime(2027, 5, 31, tzinfo=UTC), long, (item,) * 20
    )
    overview = Overview(language, language == "ar", True, (consultation,) * 3)
    assert view_errors(home_view(overview, t, how_to_join=long)) == []
    assert view_errors(home_view(None, t, how_to_join=long * 10)) == []

    buttons = tuple(
        (Button(long[:200], f"item:{n}", form=n), Button(long, "back")) for n in range(30)
    )
    toggles = multi_choice(
        long, "3", *(Button(long, f"tog:3:c{n}") for n in range(8)), confirm=Button(long, "done:3")
    )
    for reply in (Reply(long * 10, buttons), toggles):
        for call in to_calls([reply], channel="D0AMINA001"):
            assert blocks_errors(call.params["blocks"]) == []


def test_trust_17_choices_whose_payload_is_too_long_for_a_checkbox_stay_buttons() -> None:
    # A checkbox option's value holds 150 characters, a button's 2,000.
    choice = "c" * 160
    reply = multi_choice(
        "Which obstacles?",
        "7",
        Button("Delays", f"tog:7:{choice}"),
        confirm=Button("Done", "done:7"),
    )
    [call] = to_calls([reply], channel="D0AMINA001")
    assert blocks_errors(call.params["blocks"]) == []
    kinds = [e["type"] for b in call.params["blocks"] for e in b.get("elements", [])]
    assert kinds == ["button", "button"]
