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
    assert "Criminologists without Borders" in alice.text
    assert alice.text.startswith("Bienvenue")
    assert alice.labels[0] == "Français"
    await alice.press("English")
    assert "Do you agree that we process your information" in alice.text
    await alice.press("I agree")
    await alice.press("Yes, they may be published")
    await alice.press("My organisation only")
    assert "Country: Austria" in alice.text
    await alice.press("This is correct")
    await alice.press("Female")
    assert "Your consultations:" in alice.text

    # Agenda item 2: choice, yes/no, free text.
    await alice.press("Constructive dialogue 2027")
    await alice.press("Agenda item 2")
    assert "Question 1 of 3 · required" in alice.text
    await alice.press("We contributed to it")
    await alice.press("Yes")
    await alice.say("Nous avons contribué à la liste de contrôle pour l'auto-évaluation en 2026.")
    assert alice.text.startswith("Review — Agenda item 2")
    await alice.press("Submit")
    assert "Reference: WGIC-18-2027-2-" in alice.text

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
    assert "Question 2 of 4" in alice.text
    await alice.press("4")
    await alice.press("Skip ›")
    await alice.press("Skip ›")
    assert "Review — Agenda item 3" in alice.text
    await alice.press("Submit")

    # Agenda item 4: a choice, a skip, text, and a document sent as a Telegram document.
    await alice.press("Agenda item 4")
    await alice.press("Capacity-building")
    await alice.press("Skip ›")
    await alice.say("Standardised request forms would help civil society follow cases.")
    assert "Send a PDF, DOCX or ODT file" in alice.text
    await alice.upload("Written submission.pdf", PDF, "application/pdf")
    assert "Document: Written submission.pdf" in alice.text
    assert [c.method for c in fake.calls if c.method in ("getFile", "file")] == [
        "getFile",
        "file",
    ]
    await alice.press("Submit")
    assert "Reference: WGIC-18-2027-4-" in alice.text

    # Edit after submitting: the submission reopens until submitted again.
    await alice.press("Agenda item 2")
    assert "Status: submitted" in alice.text
    await alice.press("Change answer 2")
    await alice.press("No")
    assert "Your submission for this agenda item is reopened" in alice.text
    await alice.press("Submit")
    assert "Thank you." in alice.text

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
    assert "Your personal data has been erased." in alice.text
    async with app.store.transaction() as uow:
        assert await uow.identities.get("telegram", str(ALICE)) is None  # forgotten too
        assert await uow.reports.answers() == []
    assert [p for p in app.files.root.rglob("*") if p.is_file()] == []

    # Every button press was answered, and every call went to the fake server.
    assert fake.unanswered_callbacks() == []
    assert {c.status for c in fake.calls} == {200}
