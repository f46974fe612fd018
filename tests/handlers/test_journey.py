"""The stakeholder journey through the engine: every question type, review, submit, edit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import Chat, onboard

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


async def answers_of(store: Store, user: str) -> dict[str, dict[str, object]]:
    """The current answers of a test user, by question key."""
    async with store.transaction() as uow:
        identity = await uow.identities.get("test", user)
        assert identity is not None
        assert identity.participant_id is not None
        result = {}
        for answer in await uow.answers.for_participant(identity.participant_id):
            question = await uow.consultations.question(answer.question_id)
            assert question is not None
            result[question.key] = {
                "value": answer.value,
                "language": answer.language,
                "revision": answer.revision,
            }
        return result


async def open_item(chat: Chat, number: str) -> None:
    await chat.press("Constructive dialogue 2027")
    await chat.press(f"Agenda item {number}")


async def test_invite_language_consent_profile(chat: Chat, invite: str, store: Store) -> None:
    await chat.say(f"/start {invite}")
    assert "invited on behalf of Criminologists without Borders" in chat.text
    assert chat.labels[0] == "English"
    await chat.press("Français")
    assert chat.replies[0].text.startswith("Before we start") or "Avant" in chat.text
    await chat.say("/language")
    await chat.press("English")
    assert "Do you agree that we process your information" in chat.text
    await chat.press("I agree")
    await chat.press("Yes, they may be published")
    await chat.press("My name and organisation")
    # Credited by name: the name is asked for (issue 14) before the profile.
    assert chat.text == "Please type your name as it should appear with your published comments."
    await chat.say("Alice Martin")
    assert "Country: Austria" in chat.text
    await chat.press("Change name")
    await chat.say("  Criminologists   without Borders (CwB) ")
    assert "Name: Criminologists without Borders (CwB)" in chat.text
    await chat.press("Change category")
    await chat.press("Academia")
    assert "Category: Academia" in chat.text
    await chat.press("Change country")
    await chat.say("Atlantis")
    assert "I do not know a country called Atlantis." in chat.text
    await chat.say("mexico")
    assert "Country: Mexico" in chat.text
    await chat.press("This is correct")
    await chat.press("Prefer not to say")
    assert "Your consultations:" in chat.text
    async with store.transaction() as uow:
        identity = await uow.identities.get("test", "alice")
        assert identity is not None
        assert identity.participant_id is not None
        participant = await uow.participants.get(identity.participant_id)
        assert participant is not None
        assert participant.organisation is not None
        assert (participant.credit, participant.gender) == ("named", None)
        assert participant.organisation.name == "Criminologists without Borders (CwB)"
        assert (participant.organisation.category, participant.organisation.country) == (
            "academia",
            "MX",
        )
        consents = [(c.kind, c.granted) for c in await uow.participants.consents(participant.id)]
        assert consents == [("processing", True), ("publication", True)]


async def test_every_question_type_review_submit_and_receipt(
    chat: Chat, invite: str, store: Store
) -> None:
    await onboard(chat, invite)
    await open_item(chat, "2")
    assert "Question 1 of 3 · required" in chat.text
    await chat.press("We contributed to it")
    assert "Question 2 of 3" in chat.text
    await chat.press("Yes")
    assert "Question 3 of 3" in chat.text
    assert "Skip ›" in chat.labels
    await chat.say("Nous avons contribué à la liste de contrôle pour l'auto-évaluation en 2026.")
    assert chat.text.startswith("Review — Agenda item 2")
    assert "Status: not submitted" in chat.text
    await chat.press("Submit")
    assert "Thank you. Your submission on agenda item 2" in chat.text
    assert "Reference: WGIC-18-2027-2-" in chat.text

    await chat.press("Agenda item 3")
    await chat.press("Lengthy mutual legal assistance procedures")
    assert chat.replies[0].replace_previous
    assert "✓ Lengthy mutual legal assistance procedures" in chat.labels
    await chat.press(chat.labels[2])
    await chat.press(chat.labels[0])  # untoggle the first one again
    assert not chat.labels[0].startswith("✓")
    await chat.press("Done")
    assert "Question 2 of 4" in chat.text
    await chat.press("4")
    await chat.press("Skip ›")
    await chat.press("Skip ›")
    assert "Review — Agenda item 3" in chat.text
    await chat.press("Submit")

    await chat.press("Agenda item 4")
    await chat.press("Capacity-building")
    await chat.press("Skip ›")
    await chat.say("Standardised request forms would help civil society follow cases.")
    assert "Send a PDF, DOCX or ODT file" in chat.text
    await chat.upload("Written submission.pdf", PDF)
    assert "Document: Written submission.pdf" in chat.text
    await chat.press("Submit")
    assert "Reference: WGIC-18-2027-4-" in chat.text

    stored = await answers_of(store, "alice")
    assert stored["ai2-familiarity"]["value"] == {"choice": "contributed"}
    assert stored["ai2-data-platform"]["value"] == {"yes": True}
    assert stored["ai2-stakeholder-contribution"]["language"] == "fr"
    assert stored["ai3-obstacles"]["value"] == {"choices": [chat_choice(stored)]}
    assert stored["ai3-balance"]["value"] == {"scale": 4}
    assert "ai3-standard-requests" not in stored
    assert stored["ai4-priorities"]["value"] == {"choice": "capacity"}
    assert stored["ai4-suggestions"]["language"] == "en"
    document = stored["ai4-submission"]["value"]
    assert isinstance(document, dict)
    assert document["filename"] == "Written submission.pdf"
    async with store.transaction() as uow:
        identity = await uow.identities.get("test", "alice")
        assert identity is not None
        assert identity.participant_id is not None
        submissions = await uow.submissions.for_participant(identity.participant_id)
        assert sorted(s.status for s in submissions.values()) == ["submitted"] * 3


def chat_choice(stored: dict[str, dict[str, object]]) -> str:
    value = stored["ai3-obstacles"]["value"]
    assert isinstance(value, dict)
    choices = value["choices"]
    assert isinstance(choices, list)
    assert len(choices) == 1
    return str(choices[0])


async def test_typed_labels_act_as_buttons(chat: Chat, invite: str) -> None:
    await onboard(chat, invite)
    await chat.say("constructive dialogue 2027 (wgic 18)")
    await chat.say("Agenda item 2")
    await chat.say("we were not aware of it")
    assert "Question 2 of 3" in chat.text
    await chat.say("no")
    assert "Question 3 of 3" in chat.text


async def test_required_question_cannot_be_skipped_and_submit_waits(
    chat: Chat, invite: str
) -> None:
    await onboard(chat, invite)
    await open_item(chat, "2")
    assert "Skip ›" not in chat.labels
    await chat.payload(chat.button("Save and exit").payload.replace("save", "skip"))
    assert "This question is required, so it cannot be skipped." in chat.text
    await chat.press("Save and exit")
    assert chat.text.startswith("Saved.")
    await chat.press("Agenda item 2")
    assert "Question 1 of 3" in chat.text
    await chat.press("We contributed")
    await chat.press("‹ Back")
    assert "Your current answer: We contributed to it" in chat.text
    await chat.press("Keep ›")
    await chat.press("Save and exit")
    await chat.say("/status")
    assert "Agenda item 2: Briefing" in chat.text
    assert ": 1/3 · not submitted" in chat.text


async def test_edit_after_submit_keeps_history_and_reopens(
    chat: Chat, invite: str, store: Store
) -> None:
    await onboard(chat, invite)
    await open_item(chat, "2")
    await chat.press("We contributed")
    await chat.press("Yes")
    await chat.press("Skip ›")
    await chat.press("Submit")
    await chat.press("Agenda item 2")
    assert "Status: submitted" in chat.text
    assert "You can change your answers until" in chat.text
    await chat.press("Change answer 2")
    await chat.press("No")
    assert "Your submission for this agenda item is reopened" in chat.text
    assert "Status: changed since submission" in chat.text
    await chat.press("Submit")
    assert "Thank you." in chat.text
    async with store.transaction() as uow:
        identity = await uow.identities.get("test", "alice")
        assert identity is not None
        assert identity.participant_id is not None
        answers = await uow.answers.for_participant(identity.participant_id)
        platform = next(a for a in answers if a.value in ({"yes": False}, {"yes": True}))
        history = [r.value for r in await uow.answers.revisions(platform.id)]
        assert history == [{"yes": True}, {"yes": False}]
        assert platform.revision == 2


async def test_after_the_deadline_answers_are_read_only(
    chat: Chat, invite: str, clock: FixedClock, store: Store
) -> None:
    await onboard(chat, invite)
    await open_item(chat, "2")
    await chat.press("We contributed")
    change = chat.button("Yes").payload
    clock.set(datetime(2027, 6, 1, 8, 0, tzinfo=UTC))
    await chat.payload(change)
    assert "Submissions for this consultation are closed; nothing was changed." in chat.text
    assert "Submissions are closed; these answers can no longer be changed." in chat.text
    assert not any(label.startswith("Change answer") for label in chat.labels)
    assert "Submit" not in chat.labels
    stored = await answers_of(store, "alice")
    assert set(stored) == {"ai2-familiarity"}
    await chat.press("‹ Agenda items")
    assert "Submissions closed on 31 May 2027, 23:59" in chat.text


async def test_closed_2023_consultation_is_shown_read_only(
    engine: object, store: Store, clock: FixedClock
) -> None:
    from handlers.engine import Engine
    from tests.conftest import new_invite

    assert isinstance(engine, Engine)
    code = await new_invite(store, clock, consultation=None)
    chat = Chat(engine, "bob")
    await onboard(chat, code)
    assert chat.labels == [
        "Constructive dialogue 2027 (WGIC 18)",
        "Constructive dialogue 2023 (WGIC 14) (closed)",
    ]
    assert "— closed" in chat.text
    await chat.press("Constructive dialogue 2023")
    await chat.press("Agenda item 3")
    assert "Review — Agenda item 3" in chat.text
    assert "Submissions are closed" in chat.text


async def test_consent_refused_records_nothing_more(chat: Chat, invite: str, store: Store) -> None:
    await chat.say(f"/start {invite}")
    await chat.press("English")
    await chat.press("I do not agree")
    assert "Without your consent I cannot record any answers" in chat.text
    await chat.say("I changed my mind about nothing")
    assert "Without your consent" in chat.text
    await chat.say("/status")
    assert "Please finish the steps above first." in chat.text
    await chat.payload("cons:wgic-18-2027")
    assert "That button is no longer active" in chat.text
    await chat.say("/start")
    assert "Do you agree that we process your information" in chat.text
    async with store.transaction() as uow:
        identity = await uow.identities.get("test", "alice")
        assert identity is not None
        assert identity.participant_id is not None
        consents = [
            (c.kind, c.granted) for c in await uow.participants.consents(identity.participant_id)
        ]
        assert consents == [("processing", False)]
        assert await uow.answers.for_participant(identity.participant_id) == []


async def test_resume_where_left_off_after_a_restart(
    chat: Chat, invite: str, store: Store, tmp_path: Path
) -> None:
    await onboard(chat, invite)
    await open_item(chat, "2")
    await chat.press("We contributed")
    # Days later, a brand-new engine (a restart) over the same database.
    from handlers.engine import Engine
    from handlers.ports import FileStore, FixedClock

    later = Engine(
        store, clock=FixedClock(datetime(2027, 1, 20, 9, 0, tzinfo=UTC)), files=FileStore(tmp_path)
    )
    again = Chat(later, "alice", session="2")
    await again.say("/start")
    assert "Welcome back! Here is where you left off." in again.text
    assert "Question 2 of 3" in again.text


async def test_mydata_and_forget(chat: Chat, invite: str, store: Store, files: object) -> None:
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 4")
    await chat.press("Capacity-building")
    await chat.press("Skip ›")
    await chat.say("Standardised request forms would help civil society follow cases.")
    await chat.upload("note.pdf", PDF)
    await chat.say("/mydata")
    document = chat.replies[0].document
    assert document is not None
    assert document.filename == "my-data.json"
    data = json.loads(document.content)
    assert data["organisation"]["name"] == "Criminologists without Borders"
    assert {a["question_id"] for a in data["answers"]} == {
        "ai4-priorities",
        "ai4-suggestions",
        "ai4-submission",
    }
    # Named as the participant knows them, not by internal ids.
    assert {a["agenda_item"] for a in data["answers"]} == {
        "Agenda item 4: Collection of inputs and suggestions from participants, including on "
        "enhancing international cooperation in the context of the work of the UNTOC Review "
        "Mechanism"
    }
    assert sorted(a["question"][:11] for a in data["answers"]) == [
        "Question 1:",
        "Question 3:",
        "Question 4:",
    ]
    assert [c["kind"] for c in data["consents"]] == ["processing", "publication"]
    assert "Review — Agenda item 4" in chat.replies[-1].text

    await chat.say("/forget")
    await chat.press("Keep my data")
    assert "Nothing was erased." in chat.text
    assert "Review — Agenda item 4" in chat.text
    await chat.say("/forget")
    await chat.press("Erase my data")
    assert "Your personal data has been erased." in chat.text
    async with store.transaction() as uow:
        assert await uow.identities.get("test", "alice") is None  # the account is forgotten too
        entries = [e.action for e in await uow.audit.since()]
        assert entries[-1] == "participant.erased"
        records = await uow.reports.answers()
        assert records == []
    from handlers.ports import FileStore

    assert isinstance(files, FileStore)
    assert [p for p in files.root.rglob("*") if p.is_file()] == []
    await chat.say("hello")
    assert "organisations invited by the secretariat" in chat.text
