"""The whole stakeholder journey in Slack over HTTP: in the DM, and through the form modal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from bot.app import App, load_into
from config.consultation import load_consultations
from handlers.ports import FixedClock
from tests.adapters.slack.conftest import SlackUser, onboard
from tests.conftest import new_invite
from tests.fakes.slack_server import FakeSlack
from tests.handlers.replies import (
    CONSULTATION,
    CONSULTATIONS,
    DEADLINE,
    HELP,
    ITEM_2,
    ITEM_3,
    ITEM_4,
    REVIEW_3,
    REVIEW_4,
    balance_question,
    document_question,
    first_question,
    receipt,
    review_2,
    welcome,
)

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


async def answers_of(app: App, user_id: str, platform: str = "slack") -> dict[str, object]:
    """The current answers of an account, by question key."""
    async with app.store.transaction() as uow:
        identity = await uow.identities.get(platform, user_id)
        assert identity is not None
        assert identity.participant_id is not None
        result: dict[str, object] = {}
        for answer in await uow.answers.for_participant(identity.participant_id):
            question = await uow.consultations.question(answer.question_id)
            assert question is not None
            result[question.key] = answer.value
        return result


DAKAR = f"{DEADLINE}; 31 May 2027, 21:59 your time"
"""The deadline as a participant in Dakar reads it: Slack gives the bot her time zone."""


async def test_the_whole_journey_in_the_dm(
    app: App, fake: FakeSlack, clock: FixedClock, users: Callable[..., SlackUser]
) -> None:
    code = await new_invite(app.store, clock)
    amina = users("U0AMINA001", "Amina", locale="fr-FR", tz="Africa/Dakar")

    # The bare invite code in the DM; until she chooses, her Slack locale speaks.
    await amina.say(code)
    assert amina.texts == welcome("fr")
    assert amina.texts[0].startswith("Bienvenue")
    assert amina.labels[0] == "Français"
    await amina.press("English")
    await amina.press("I agree")
    await amina.press("Yes, they may be published")
    await amina.press("My organisation only")
    await amina.press("This is correct")
    await amina.press("Female")
    assert amina.texts == ["Thank you, you are all set.", CONSULTATIONS.replace(DEADLINE, DAKAR)]

    # Agenda item 2: choice, yes/no, free text with characters mrkdwn must escape.
    await amina.press("Constructive dialogue 2027")
    assert "📝 Agenda item 2" in amina.labels
    await amina.press("Agenda item 2")
    assert amina.texts == [first_question()]
    await amina.press("We contributed to it")
    await amina.press("Yes")
    comment = "Data <sharing> & trust: we contributed to the checklist in 2026."
    await amina.say(comment)
    assert amina.texts == [review_2("Yes", "not submitted", comment=comment)]
    [review] = amina.calls_of_post()
    assert "&lt;sharing&gt; &amp; trust" in review.params["blocks"][0]["text"]["text"]
    await amina.press("Submit")
    assert receipt(2).fullmatch(amina.texts[0].replace(DAKAR, DEADLINE)), amina.texts

    # Agenda item 3: multi-choice as checkboxes, then Done; a scale; skip the rest.
    await amina.press("Agenda item 3")
    await amina.tick("Lengthy mutual legal assistance procedures", "Encryption of communications")
    assert amina.texts == [balance_question()]
    await amina.press("4")
    await amina.press("Skip")
    await amina.press("Skip")
    both = "Lengthy mutual legal assistance procedures; Encryption of communications"
    review_3 = REVIEW_3.replace("Encryption of communications", both)
    assert amina.texts == [review_3]

    # Commands as words in the DM, and as the slash command from any channel.
    await amina.say("status")
    assert amina.texts == [
        f"{CONSULTATION}\nDeadline: {DAKAR}\n"
        f"• {ITEM_2}: 3/3 · submitted\n"
        f"• {ITEM_3}: 2/4 · not submitted\n"
        f"• {ITEM_4}: 0/4 · not submitted",
        review_3,
    ]
    await amina.command("help")
    assert [c.method for c in amina.calls][:2] == ["conversations.open", "chat.postMessage"]
    assert amina.texts == [HELP, review_3]

    # Agenda item 4 ends with a document question: the file is shared in the DM.
    await amina.press("‹ Agenda items")
    await amina.press("Agenda item 4")
    await amina.press("Capacity-building")
    await amina.press("Skip")
    await amina.say("Fund the participation of small organisations.")
    assert amina.texts == [document_question(most="10 MB")]  # the settings' default
    await amina.upload("position-paper.pdf", PDF, "application/pdf")
    assert amina.texts == [
        REVIEW_4.format(document="Document: position-paper.pdf").replace(
            "Standardised request forms would help civil society follow cases.",
            "Fund the participation of small organisations.",
        )
    ]

    answers = await answers_of(app, "U0AMINA001")
    assert answers["ai2-familiarity"] == {"choice": "contributed"}
    assert answers["ai2-data-platform"] == {"yes": True}
    assert answers["ai3-obstacles"] == {"choices": ["delays", "encryption"]}
    assert answers["ai3-balance"] == {"scale": 4}
    document = answers["ai4-submission"]
    assert isinstance(document, dict)
    assert document["filename"] == "position-paper.pdf"
    assert len(fake.downloads) == 1

    # /mydata answers with a file through files.uploadV2's three calls.
    await amina.say("mydata")
    methods = [c.method for c in amina.calls]
    assert methods[:3] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    [upload] = fake.uploads.values()
    assert upload.channel == amina.dm
    assert upload.content.startswith(b"{") or upload.content.startswith(b"PK")


async def test_the_journey_through_the_form(
    app: App, fake: FakeSlack, clock: FixedClock, users: Callable[..., SlackUser]
) -> None:
    code = await new_invite(app.store, clock)
    kofi = users("U0KOFI0001", "Kofi", tz="America/New_York")
    await kofi.command(f"start {code}")
    assert "Criminologists without Borders" in kofi.text
    for label in ("English", "I agree", "No, do not publish", "This is correct", "Male"):
        await kofi.press(label)

    # App Home: the consultation, its deadline in his time zone, progress per item.
    await kofi.open_home()
    home = fake.homes["U0KOFI0001"]
    text = "\n".join(
        block["text"]["text"] for block in home["blocks"] if block.get("type") == "section"
    )
    assert "Agenda item 2: Briefing" in text
    assert "0 of 3 questions answered · not submitted" in text
    deadline = next(b for b in home["blocks"] if b["type"] == "context")["elements"][0]["text"]
    assert deadline == "Deadline: 31 May 2027, 17:59 (America/New_York time)"
    item_2 = int(
        next(b for b in home["blocks"] if b.get("block_id", "").startswith("item-"))["block_id"][5:]
    )

    # "Answer in a form" opens the modal with every question of the item.
    await kofi.press_in_home(item_2)
    [view] = fake.views
    assert view["title"]["text"] == "Agenda item 2"
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["element"]["type"] for b in inputs] == [
        "radio_buttons",
        "radio_buttons",
        "plain_text_input",
    ]
    familiarity, data_platform, contribution = (b["block_id"] for b in inputs)

    # A forged choice is refused in the modal; the valid answer beside it is kept.
    response = await kofi.submit(
        view,
        {
            familiarity: {"answer": {"type": "radio_buttons", "selected_option": {"value": "x"}}},
            data_platform: {
                "answer": {"type": "radio_buttons", "selected_option": {"value": "no"}}
            },
        },
    )
    assert response.payload == {
        "response_action": "errors",
        "errors": {familiarity: "Please choose one of the options."},
    }
    assert await answers_of(app, "U0KOFI0001") == {"ai2-data-platform": {"yes": False}}
    assert "1 of 3 questions answered · not submitted" in str(fake.homes["U0KOFI0001"])

    # The corrected form closes; the DM shows the review with its Submit button.
    response = await kofi.submit(
        view,
        {
            familiarity: {
                "answer": {"type": "radio_buttons", "selected_option": {"value": "informed"}}
            },
            data_platform: {
                "answer": {"type": "radio_buttons", "selected_option": {"value": "no"}}
            },
            contribution: {
                "answer": {"type": "plain_text_input", "value": "Une consultation écrite."}
            },
        },
    )
    assert response.payload is None
    assert kofi.text.startswith("Review — Agenda item 2")
    assert "3 of 3 questions answered · not submitted" in str(fake.homes["U0KOFI0001"])
    await kofi.press("Submit")
    assert "Reference: WGIC-18-2027-2-" in kofi.text
    await kofi.open_home()
    assert "3 of 3 questions answered · submitted" in str(fake.homes["U0KOFI0001"])

    async with app.store.transaction() as uow:
        identity = await uow.identities.get("slack", "U0KOFI0001")
        assert identity is not None
        assert identity.participant_id is not None
        answers = {a.text: a for a in await uow.answers.for_participant(identity.participant_id)}
    assert answers["Une consultation écrite."].language == "fr"
    assert await answers_of(app, "U0KOFI0001") == {
        "ai2-familiarity": {"choice": "informed"},
        "ai2-data-platform": {"yes": False},
        "ai2-stakeholder-contribution": {"text": "Une consultation écrite."},
    }


LONG_ANSWERS = 8


def consultation_of_long_answers(path: Path) -> Path:
    """A consultation whose one agenda item asks eight free-text questions, in Arabic too."""
    question = "ما هي الممارسات الجيدة & <المقترحات>؟ " * 20
    document = {
        "id": "trust-17",
        "title": "Long answers",
        "working_group": "Working Group on Testing",
        "dialogue": {"title": "Test dialogue", "date": "2027-06-16", "timezone": "Europe/Vienna"},
        "opens": "2026-11-02T00:00",
        "deadline": "2027-05-31T23:59",
        "agenda_items": [
            {
                "number": "5",
                "title": {"en": "Everything & <escaped>", "ar": question[:200]},
                "questions": [
                    {
                        "id": f"long-{n}",
                        "type": "text",
                        "text": {"en": f"Question {n} & <more> " * 20, "ar": question},
                    }
                    for n in range(1, LONG_ANSWERS + 1)
                ],
            }
        ],
    }
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


async def test_trust_17_a_review_of_long_escaped_answers_is_shown(
    app: App, fake: FakeSlack, clock: FixedClock, users: Callable[..., SlackUser], tmp_path: Path
) -> None:
    await load_into(
        app.store, load_consultations(consultation_of_long_answers(tmp_path / "c.yaml")), clock
    )
    amina = users("U0AMINA001", "Amina")
    await onboard(amina, await new_invite(app.store, clock, consultation="trust-17"))
    await amina.press("Long answers")
    await amina.press("Agenda item 5")
    # The longest answers accepted (MAX_TEXT_CHARS), made only of what mrkdwn escapes.
    answers = ["&" * 4000 if n % 2 == 0 else "<>" * 2000 for n in range(LONG_ANSWERS)]
    for answer in answers:
        await amina.say(answer)
    assert amina.text.startswith("Review — Agenda item 5")
    shown = amina.text.replace("\n", "")
    for answer in answers:
        assert answer in shown
    assert len(amina.calls_of_post()) > 1  # Slack's 50 blocks per message: it continues
    await amina.press("Submit")
    assert "Reference: TRUST-17-5-" in amina.text
    assert fake.refused() == []
