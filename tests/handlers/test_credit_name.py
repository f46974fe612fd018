"""Comments published "with my name and organisation": the name is asked for, shown in
/mydata, changed with /mydata name, and credited in the published export."""

from __future__ import annotations

import json

from bot import export
from handlers.engine import Engine
from storage.repositories import Store
from tests.conftest import Chat, answer_agenda_item_2
from tests.handlers.replies import CONSULTATIONS, profile

ASK = "Please type your name as it should appear with your published comments."


async def named(chat: Chat, code: str, **fields: str) -> None:
    await chat.say(f"/start {code}", **fields)
    await chat.press("English")
    await chat.press("I agree")
    await chat.press("Yes, they may be published")
    await chat.press("My name and organisation")


async def test_choosing_to_be_named_asks_for_the_name(
    chat: Chat, invite: str, store: Store
) -> None:
    await named(chat, invite)
    assert chat.text == ASK
    assert chat.labels == []  # the shell gives no display name to offer
    await chat.say("A")
    assert chat.explained("A name has 2 to 200 characters.").text == ASK
    await chat.say("  Ana Pérez ")
    assert chat.texts == [
        "Thank you. Published comments will name you as Ana Pérez.",
        profile("Criminologists without Borders", "Non-governmental organization", "Austria"),
    ]
    await chat.press("This is correct")
    await chat.press("Female")
    await answer_agenda_item_2(chat, "Civil society should take part in country reviews.")
    published = await export.rows(store, consultation=None, published=True)
    assert {row["organisation"] for row in published} == {
        "Ana Pérez (Criminologists without Borders)"
    }


async def test_mydata_shows_the_name_and_mydata_name_changes_it(
    chat: Chat, invite: str, engine: Engine
) -> None:
    await named(chat, invite, display_name="ana_p 🌻")
    assert chat.labels == ["Keep ana_p 🌻"]  # offered, never taken as given
    await chat.say("Ana Pérez")
    await chat.press("This is correct")
    await chat.press("Female")
    await chat.say("/mydata")
    assert chat.replies[0].text == (
        "Here is everything we hold about you.\n"
        "Published comments name you as Ana Pérez. To change it, send /mydata name."
    )
    document = chat.replies[0].document
    assert document is not None
    assert json.loads(document.content)["participant"]["name_for_published_comments"] == (
        "Ana Pérez"
    )
    await chat.say("/mydata name")
    assert chat.text == ASK
    assert chat.labels == ["Keep Ana Pérez"]
    await chat.say("Ana María Pérez")
    assert chat.replies[0].text == (
        "Thank you. Published comments will name you as Ana María Pérez."
    )
    assert chat.texts[1] == CONSULTATIONS  # back where the participant was
    await chat.say("/mydata")
    assert chat.texts == [
        "Here is everything we hold about you.\n"
        "Published comments name you as Ana María Pérez. To change it, send /mydata name.",
        CONSULTATIONS,
    ]
