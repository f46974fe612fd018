"""The interface language: the platform's until the participant chooses; /language at any step."""

from __future__ import annotations

from typing import Any

from config.consultation import Consultation
from handlers.i18n import translator
from storage.repositories import Store
from tests.conftest import Chat, onboard

NB = "\u00a0"


def wgic18(bundled: list[Consultation]) -> Consultation:
    return next(c for c in bundled if c.id == "wgic-18-2027")


async def where(store: Store, user: str) -> tuple[str, dict[str, Any], str | None]:
    """A test user's state, step context and chosen language."""
    async with store.transaction() as uow:
        identity = await uow.identities.get("test", user)
        assert identity is not None
        assert identity.participant_id is not None
        participant = await uow.participants.get(identity.participant_id)
        assert participant is not None
        return participant.state, dict(participant.context), participant.locale


async def answers(store: Store, user: str) -> dict[str, tuple[object, int]]:
    """A test user's answers by question key: value and revision."""
    async with store.transaction() as uow:
        identity = await uow.identities.get("test", user)
        assert identity is not None
        assert identity.participant_id is not None
        found = {}
        for answer in await uow.answers.for_participant(identity.participant_id):
            question = await uow.consultations.question(answer.question_id)
            assert question is not None
            found[question.key] = (answer.value, answer.revision)
        return found


async def test_the_platform_locale_speaks_until_a_language_is_chosen(
    chat: Chat, invite: str, store: Store
) -> None:
    await chat.say("hello", locale="fr-CA")
    assert chat.text.startswith("Ce bot recueille les contributions des organisations invitées")
    await chat.say(f"/start {invite}", locale="fr-CA")
    assert chat.replies[0].text.startswith(
        f"Bienvenue{NB}! Vous avez reçu une invitation au nom de Criminologists without Borders."
    )
    assert chat.replies[1].text == f"Dans quelle langue souhaitez-vous que je vous écrive{NB}?"
    assert chat.labels == ["Français", "English", "Español", "Русский", "中文", "العربية"]
    assert (await where(store, "alice"))[2] is None

    await chat.press("Español")
    assert chat.text.endswith("¿Acepta que tratemos su información con este fin?")
    # The choice now wins over the platform's locale.
    await chat.say("/help", locale="fr-CA")
    assert chat.replies[0].text.startswith("Recojo las aportaciones de su organización")
    assert (await where(store, "alice"))[2] == "es"


async def test_right_to_left_replies_are_marked(chat: Chat, invite: str) -> None:
    await chat.say("hello", locale="ar-EG")
    assert [(r.text[:22], r.rtl) for r in chat.replies] == [("يجمع هذا البوت مساهمات", True)]
    await chat.say(f"/start {invite}", locale="zh-Hans-CN")
    assert chat.replies[1].text == "您希望我使用哪种语言？"
    assert {r.rtl for r in chat.replies} == {False}


async def test_language_switch_mid_interview_keeps_position_and_answers(
    chat: Chat, invite: str, store: Store, bundled: list[Consultation]
) -> None:
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 2")
    await chat.press("We contributed to it")
    assert "Question 2 of 3 · required" in chat.text
    before = await where(store, "alice")
    answered = await answers(store, "alice")
    assert answered == {"ai2-familiarity": ({"choice": "contributed"}, 1)}

    await chat.say("/language")
    assert chat.text.startswith("Which language would you like me to use?")
    assert chat.labels[0] == "English"
    # Asked twice, the picker still remembers the step it interrupted.
    await chat.say("/language")
    await chat.press("Русский")

    assert chat.replies[0].text == "Теперь я буду писать вам на русском языке."
    question = chat.replies[1].text.splitlines()
    assert question[:4] == [
        "Пункт 2 повестки дня: Брифинг о ходе и результатах процесса обзора",
        "Вопрос 2 из 3 · обязательный",
        "",
        wgic18(bundled).agenda_items[0].questions[1].text.get("ru"),
    ]
    assert await where(store, "alice") == (before[0], before[1], "ru")
    assert await answers(store, "alice") == answered

    ru = translator("ru")
    await chat.press(ru._("Yes"))
    assert "Вопрос 3 из 3" in chat.text
    assert await answers(store, "alice") == {
        "ai2-familiarity": ({"choice": "contributed"}, 1),
        "ai2-data-platform": ({"yes": True}, 1),
    }
    # Back to the first question: its answer is shown in the new language.
    await chat.press(ru._("‹ Back"))
    await chat.press(ru._("‹ Back"))
    assert "Ваш текущий ответ: Мы принимали в нем участие" in chat.text


async def test_language_switch_keeps_a_multiple_choice_selection(
    chat: Chat, invite: str, store: Store, bundled: list[Consultation]
) -> None:
    question = wgic18(bundled).agenda_items[1].questions[0]
    first, _, third = question.choices[:3]
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 3")
    await chat.press(first.label.en)
    await chat.press(third.label.en)
    assert (await where(store, "alice"))[1]["selection"] == [first.id, third.id]

    await chat.say("/language")
    await chat.press("العربية")

    assert chat.replies[0].text == "سأكتب إليكم باللغة العربية من الآن فصاعداً."
    assert {r.rtl for r in chat.replies} == {True}
    assert "السؤال 1 من 4 · إلزامي" in chat.text
    checked = [label for label in chat.labels if label.startswith("✓ ")]
    assert checked == [f"✓ {first.label.get('ar')}", f"✓ {third.label.get('ar')}"]
    assert (await where(store, "alice"))[1]["selection"] == [first.id, third.id]

    await chat.press(translator("ar")._("Done"))
    assert "السؤال 2 من 4 · إلزامي" in chat.text
    assert await answers(store, "alice") == {
        "ai3-obstacles": ({"choices": [first.id, third.id]}, 1)
    }


async def test_language_switch_during_onboarding_returns_to_the_step(
    chat: Chat, invite: str
) -> None:
    await chat.say(f"/start {invite}")
    await chat.press("English")
    await chat.press("I agree")
    await chat.press("No, do not publish")
    assert "Please check your organisation's profile" in chat.text
    await chat.say("/language")
    await chat.press("中文")
    assert [r.text for r in chat.replies] == [
        "从现在起，我将用中文与您交流。",
        "请核对贵组织的概况：\n名称：Criminologists without Borders\n类别：非政府组织\n"
        "国家：奥地利",
    ]
    assert chat.labels[0] == "信息无误"
