"""The stakeholder journey through the engine: every question type, review, submit, edit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from handlers.i18n import translator
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import Chat, onboard
from tests.handlers.replies import (
    BALANCE,
    CONSULTATION,
    CONSULTATIONS,
    CONTRIBUTION,
    COUNTRY,
    DEADLINE,
    FAMILIARITY,
    ITEM_2,
    ITEM_3,
    ITEM_4,
    NOTICE,
    ONE,
    PLATFORM,
    REFUSED,
    REVIEW_3,
    REVIEW_4,
    SAVED,
    STRANGER,
    SUBMISSION,
    TYPE,
    WELCOME,
    overview,
    profile,
    receipt,
    review_2,
    step,
)

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
    assert chat.texts == [WELCOME, "Which language would you like me to use?"]
    assert chat.labels[0] == "English"
    await chat.press("Français")
    assert chat.texts == [translator("fr")._(NOTICE)]
    await chat.say("/language")
    await chat.press("English")
    assert chat.texts == ["I will write in English from now on.", NOTICE]
    await chat.press("I agree")
    await chat.press("Yes, they may be published")
    await chat.press("My name and organisation")
    # Credited by name: the name is asked for (issue 14) before the profile.
    assert chat.text == "Please type your name as it should appear with your published comments."
    await chat.say("Alice Martin")
    assert chat.texts == [
        "Thank you. Published comments will name you as Alice Martin.",
        profile("Criminologists without Borders", "Non-governmental organization", "Austria"),
    ]
    await chat.press("Change name")
    await chat.say("  Criminologists   without Borders (CwB) ")
    cwb = "Criminologists without Borders (CwB)"
    assert chat.texts == [profile(cwb, "Non-governmental organization", "Austria")]
    await chat.press("Change category")
    await chat.press("Academia")
    assert chat.texts == [profile(cwb, "Academia", "Austria")]
    await chat.press("Change country")
    await chat.say("Atlantis")
    assert chat.explained("I do not know a country called Atlantis.").text == COUNTRY
    await chat.say("mexico")
    assert chat.texts == [profile(cwb, "Academia", "Mexico")]
    await chat.press("This is correct")
    await chat.press("Prefer not to say")
    assert chat.texts == [
        "Thank you, you are all set.",
        CONSULTATIONS,
    ]
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
    assert chat.texts == [step(ITEM_2, "Question 1 of 3 · required", FAMILIARITY, ONE)]
    await chat.press("We contributed to it")
    assert chat.texts == [step(ITEM_2, "Question 2 of 3 · required", PLATFORM, ONE)]
    await chat.press("Yes")
    assert chat.texts == [step(ITEM_2, "Question 3 of 3", CONTRIBUTION, TYPE)]
    assert "Skip ›" in chat.labels
    comment = "Nous avons contribué à la liste de contrôle pour l'auto-évaluation en 2026."
    await chat.say(comment)
    assert chat.texts == [review_2("Yes", "not submitted", comment=comment)]
    await chat.press("Submit")
    assert receipt(2).fullmatch(chat.texts[0]), chat.texts
    assert chat.texts[1] == overview("3 of 3", "submitted", "0 of 4", "not submitted")

    await chat.press("Agenda item 3")
    await chat.press("Lengthy mutual legal assistance procedures")
    assert chat.replies[0].replace_previous
    assert "✓ Lengthy mutual legal assistance procedures" in chat.labels
    await chat.press(chat.labels[2])
    await chat.press(chat.labels[0])  # untoggle the first one again
    assert not chat.labels[0].startswith("✓")
    await chat.press("Done")
    assert chat.texts == [step(ITEM_3, "Question 2 of 4 · required", BALANCE)]
    await chat.press("4")
    await chat.press("Skip ›")
    await chat.press("Skip ›")
    assert chat.texts == [REVIEW_3]
    await chat.press("Submit")
    assert receipt(3).fullmatch(chat.texts[0]), chat.texts

    await chat.press("Agenda item 4")
    await chat.press("Capacity-building")
    await chat.press("Skip ›")
    await chat.say("Standardised request forms would help civil society follow cases.")
    assert chat.texts == [step(ITEM_4, "Question 4 of 4", SUBMISSION)]
    await chat.upload("Written submission.pdf", PDF)
    assert chat.texts == [REVIEW_4.format(document="Document: Written submission.pdf")]
    await chat.press("Submit")
    assert receipt(4).fullmatch(chat.texts[0]), chat.texts

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
    assert chat.texts == [step(ITEM_2, "Question 2 of 3 · required", PLATFORM, ONE)]
    await chat.say("no")
    assert chat.texts == [step(ITEM_2, "Question 3 of 3", CONTRIBUTION, TYPE)]


async def test_required_question_cannot_be_skipped_and_submit_waits(
    chat: Chat, invite: str
) -> None:
    await onboard(chat, invite)
    await open_item(chat, "2")
    assert "Skip ›" not in chat.labels
    await chat.payload(chat.button("Save and exit").payload.replace("save", "skip"))
    first = step(ITEM_2, "Question 1 of 3 · required", FAMILIARITY, ONE)
    assert chat.explained("This question is required, so it cannot be skipped.").text == first
    await chat.press("Save and exit")
    assert chat.texts[0] == SAVED
    assert chat.texts[1] == overview("0 of 3", "not submitted", "0 of 4", "not submitted")
    await chat.press("Agenda item 2")
    assert chat.texts == [first]
    await chat.press("We contributed")
    await chat.press("‹ Back")
    assert chat.texts == [
        step(
            ITEM_2,
            "Question 1 of 3 · required",
            FAMILIARITY,
            "Your current answer: We contributed to it",
            ONE,
        )
    ]
    await chat.press("Keep ›")
    await chat.press("Save and exit")
    await chat.say("/status")
    assert chat.texts == [
        f"{CONSULTATION}\nDeadline: {DEADLINE}\n"
        f"• {ITEM_2}: 1/3 · not submitted\n"
        f"• {ITEM_3}: 0/4 · not submitted\n"
        f"• {ITEM_4}: 0/4 · not submitted",
        overview("1 of 3", "not submitted", "0 of 4", "not submitted"),
    ]


async def test_edit_after_submit_keeps_history_and_reopens(
    chat: Chat, invite: str, store: Store
) -> None:
    await onboard(chat, invite)
    await open_item(chat, "2")
    await chat.press("We contributed")
    await chat.press("Yes")
    await chat.press("Skip ›")
    await chat.press("Submit")
    reference = chat.texts[0].splitlines()[1]  # "Reference: …" of the receipt
    await chat.press("Agenda item 2")
    assert chat.texts == [
        review_2("Yes", "submitted", reference, f"You can change your answers until {DEADLINE}.")
    ]
    await chat.press("Change answer 2")
    await chat.press("No")
    assert chat.texts == [
        "Your change is saved. Your submission for this agenda item is reopened: submit it "
        "again from the review to send the change.",
        review_2("No", "changed since submission", reference),
    ]
    await chat.press("Submit")
    assert receipt(2).fullmatch(chat.texts[0]), chat.texts
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
    assert chat.texts == [
        "Submissions for this consultation are closed; nothing was changed.",
        review_2(
            "— missing (required)",
            "not submitted",
            "Submissions are closed; these answers can no longer be changed.",
        ),
    ]
    assert not any(label.startswith("Change answer") for label in chat.labels)
    assert "Submit" not in chat.labels
    stored = await answers_of(store, "alice")
    assert set(stored) == {"ai2-familiarity"}
    await chat.press("‹ Agenda items")
    assert chat.texts == [
        overview("1 of 3", "not submitted", "0 of 4", "not submitted").replace(
            f"Deadline: {DEADLINE}",
            f"Submissions closed on {DEADLINE}. Your answers are shown read-only.",
        )
    ]


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
    assert chat.texts[1] == (
        f"Your consultations:\n• {CONSULTATION} — open until {DEADLINE}\n"
        f"• {CONSULTATION.replace('eighteenth', 'fourteenth')} — closed"
    )
    await chat.press("Constructive dialogue 2023")
    await chat.press("Agenda item 3")
    missing, unanswered = "   → — missing (required)", "   → — not answered"
    assert chat.texts == [
        "\n".join(
            [
                "Review — Agenda item 3: Spotlight on the fourteenth meeting of the Working Group "
                "on International Cooperation: practical implementation of article 27 of the "
                "Convention (law enforcement cooperation)",
                "",
                "1. Which human rights are, in your experience, most at risk in law enforcement "
                "cooperation under article 27?",
                missing,
                "2. Which safeguard should States parties prioritize to integrate human rights "
                "into law enforcement cooperation?",
                missing,
                "3. Please share practices, anonymized cases or lessons learned in which human "
                "rights were protected, or breached, in cross-border law enforcement cooperation.",
                unanswered,
                "4. How can victims be empowered and protected so that they can contribute to a "
                "better understanding of how criminal groups operate?",
                unanswered,
                "5. How would you rate the level of trust between law enforcement authorities, "
                "communication service providers and civil society in your country?",
                missing,
                "6. Which condition matters most when artificial intelligence is integrated into "
                "the work of law enforcement agencies?",
                missing,
                "7. Does your organization collect or use data on organized crime that are "
                "disaggregated by sex?",
                unanswered,
                "8. What would make public-private partnerships and reporting mechanisms between "
                "law enforcement authorities and communication service providers more "
                "effective, while respecting privacy?",
                unanswered,
                "",
                "Status: not submitted",
                "Submissions are closed; these answers can no longer be changed.",
            ]
        )
    ]


async def test_consent_refused_records_nothing_more(chat: Chat, invite: str, store: Store) -> None:
    await chat.say(f"/start {invite}")
    await chat.press("English")
    await chat.press("I do not agree")
    assert chat.texts == [REFUSED]
    await chat.say("I changed my mind about nothing")
    assert chat.texts == [REFUSED]
    await chat.say("/status")
    assert chat.texts == ["Please finish the steps above first.", REFUSED]
    await chat.payload("cons:wgic-18-2027")
    assert chat.texts == ["That button is no longer active. Here is where you are:", REFUSED]
    await chat.say("/start")
    assert chat.texts == ["Welcome back! Here is where you left off.", NOTICE]
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
    assert again.texts == [
        "Welcome back! Here is where you left off.",
        step(ITEM_2, "Question 2 of 3 · required", PLATFORM, ONE),
    ]


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
    review = REVIEW_4.format(document="Document: note.pdf")
    assert chat.texts == ["Here is everything we hold about you.", review]

    await chat.say("/forget")
    await chat.press("Keep my data")
    assert chat.texts == ["Nothing was erased.", review]
    await chat.say("/forget")
    await chat.press("Erase my data")
    assert chat.texts == [
        "Your personal data has been erased. Thank you for your contributions. To take part "
        "again, please ask the secretariat for a new invitation."
    ]
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
    assert chat.texts == [STRANGER]
