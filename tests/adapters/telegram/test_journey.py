"""The whole stakeholder journey in Telegram, by polling and by webhook, on the fake Bot API."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from bot.app import App
from handlers.ports import FixedClock
from storage.models import Document
from tests.adapters.telegram.conftest import TelegramUser
from tests.conftest import new_invite
from tests.fakes.telegram_server import FakeTelegram
from tests.handlers.replies import (
    CONSULTATIONS,
    DEADLINE,
    ERASED,
    NOTICE,
    REVIEW_3,
    REVIEW_4,
    balance_question,
    document_question,
    first_question,
    profile,
    receipt,
    review_2,
    welcome,
)

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
ALICE = 5230018431


async def answers_of(app: App, user_id: int) -> dict[str, object]:
    """The current answers of a Telegram user, by question key."""
    async with app.store.transaction() as uow:
        identity = await uow.identities.get("telegram", str(user_id))
        assert identity is not None
        assert identity.participant_id is not None
        result: dict[str, object] = {}
        for answer in await uow.answers.for_participant(identity.participant_id):
            question = await uow.consultations.question(answer.question_id)
            assert question is not None
            result[question.key] = answer.value
        return result


async def test_the_whole_journey(
    app: App,
    fake: FakeTelegram,
    clock: FixedClock,
    users: Callable[..., TelegramUser],
) -> None:
    code = await new_invite(app.store, clock)
    alice = users(ALICE, "Amina", language_code="fr")

    # The invite deep link t.me/<bot>?start=CODE arrives as "/start CODE".
    # Until she chooses, she is addressed in her Telegram app's language (language_code).
    await alice.say(f"/start {code}")
    assert alice.texts == welcome("fr")
    assert alice.texts[0].startswith("Bienvenue")
    assert alice.labels[0] == "Français"
    await alice.press("English")
    assert alice.texts == [NOTICE]
    await alice.press("I agree")
    await alice.press("Yes, they may be published")
    await alice.press("My organisation only")
    assert alice.texts == [
        profile("Criminologists without Borders", "Non-governmental organization", "Austria")
    ]
    await alice.press("This is correct")
    await alice.press("Female")
    assert alice.texts == ["Thank you, you are all set.", CONSULTATIONS]

    # Agenda item 2: choice, yes/no, free text.
    await alice.press("Constructive dialogue 2027")
    await alice.press("Agenda item 2")
    assert alice.texts == [first_question()]
    await alice.press("We contributed to it")
    await alice.press("Yes")
    comment = "Nous avons contribué à la liste de contrôle pour l'auto-évaluation en 2026."
    await alice.say(comment)
    assert alice.texts == [review_2("Yes", "not submitted", comment=comment)]
    await alice.press("Submit")
    assert receipt(2).fullmatch(alice.texts[0]), alice.texts
    reference = alice.texts[0].splitlines()[1]  # "Reference: …"

    # Agenda item 3: multiple choice as toggles that edit the same message, then a scale.
    await alice.press("Agenda item 3")
    [question] = alice.calls
    assert question.method == "sendMessage"
    shown = fake.messages[ALICE][-1]
    await alice.press("Lengthy mutual legal assistance procedures")
    [toggle] = alice.calls
    assert toggle.method == "editMessageText"
    assert toggle.params["message_id"] == shown["message_id"]
    assert "✓ Lengthy mutual legal assistance procedures" in alice.labels
    await alice.press("Encryption of communications")
    await alice.press("Encryption of communications")  # and off again
    assert [c.method for c in alice.calls] == ["editMessageText"]
    assert fake.messages[ALICE][-1]["message_id"] == shown["message_id"]
    await alice.press("Done")
    assert alice.texts == [balance_question()]
    await alice.press("4")
    await alice.press("Skip ›")
    await alice.press("Skip ›")
    assert alice.texts == [
        REVIEW_3.replace(
            "Encryption of communications", "Lengthy mutual legal assistance procedures"
        )
    ]
    await alice.press("Submit")

    # Agenda item 4: a choice, a skip, text, and a document sent as a Telegram document.
    await alice.press("Agenda item 4")
    await alice.press("Capacity-building")
    await alice.press("Skip ›")
    await alice.say("Standardised request forms would help civil society follow cases.")
    assert alice.texts == [document_question(most="10 MB")]  # the settings' default
    await alice.upload("Written submission.pdf", PDF, "application/pdf")
    assert alice.texts == [REVIEW_4.format(document="Document: Written submission.pdf")]
    assert [c.method for c in fake.calls if c.method in ("getFile", "file")] == [
        "getFile",
        "file",
    ]
    await alice.press("Submit")
    assert receipt(4).fullmatch(alice.texts[0]), alice.texts

    # Edit after submitting: the submission reopens until submitted again.
    await alice.press("Agenda item 2")
    until = f"You can change your answers until {DEADLINE}."
    assert alice.texts == [review_2("Yes", "submitted", reference, until, comment=comment)]
    await alice.press("Change answer 2")
    await alice.press("No")
    assert alice.texts == [
        "Your change is saved. Your submission for this agenda item is reopened: submit it "
        "again from the review to send the change.",
        review_2("No", "changed since submission", reference, comment=comment),
    ]
    await alice.press("Submit")
    assert receipt(2).fullmatch(alice.texts[0]), alice.texts

    stored = await answers_of(app, ALICE)
    assert stored["ai2-familiarity"] == {"choice": "contributed"}
    assert stored["ai2-data-platform"] == {"yes": False}
    assert stored["ai3-obstacles"] == {"choices": ["delays"]}
    assert stored["ai3-balance"] == {"scale": 4}
    document = stored["ai4-submission"]
    assert isinstance(document, dict)
    assert document["filename"] == "Written submission.pdf"
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    async with app.store.transaction() as uow:
        row = await uow.answers.document(int(document["document"]))
        assert isinstance(row, Document)
        assert (row.size, row.mime_type) == (len(PDF), "application/pdf")
    assert (app.files.root / row.storage_path).read_bytes() == PDF

    # /mydata arrives as a document (sendDocument, multipart).
    await alice.say("/mydata")
    sent = [c for c in alice.calls if c.method == "sendDocument"]
    assert len(sent) == 1
    filename, content = sent[0].files["document"]
    assert filename == "my-data.json"
    data = json.loads(content)
    assert data["organisation"]["name"] == "Criminologists without Borders"
    assert {"platform": "telegram", "user_id": str(ALICE)} in data["identities"]
    assert "ai4-submission" in {a["question_id"] for a in data["answers"]}

    # /forget erases everything.
    await alice.say("/forget")
    await alice.press("Erase my data")
    assert alice.texts == [ERASED]
    async with app.store.transaction() as uow:
        assert await uow.identities.get("telegram", str(ALICE)) is None  # forgotten too
        assert await uow.reports.answers() == []
    assert [p for p in app.files.root.rglob("*") if p.is_file()] == []

    # Every button press was answered, and every call went to the fake server.
    assert fake.unanswered_callbacks() == []
    assert {c.status for c in fake.calls} == {200}
