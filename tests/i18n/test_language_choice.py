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


def asked(bundled: list[Consultation], language: str, item: int, question: int, *lines: str) -> str:
    """A question of the 2027 consultation, whole, as asked in `language`: its agenda item's
    heading, then `lines` (where it stands first), with its text and help after the first."""
    t = translator(language)
    agenda = wgic18(bundled).agenda_items[item]
    shown = agenda.questions[question]
    heading = t._(
        "Agenda item {number}: {title}", number=agenda.number, title=agenda.title.get(language)
    )
    position, *rest = lines
    helps = [shown.help.get(language)] if shown.help is not None else []
    return "\n".join([heading, position, "", shown.text.get(language), *helps, *rest])


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
    one = "Choose one answer."
    assert chat.texts == [asked(bundled, "en", 0, 1, "Question 2 of 3 · required", one)]
    before = await where(store, "alice")
    answered = await answers(store, "alice")
    assert answered == {"ai2-familiarity": ({"choice": "contributed"}, 1)}

    await chat.say("/language")
    assert chat.texts == ["Which language would you like me to use?"]
    assert chat.labels[0] == "English"
    # Asked twice, the picker still remembers the step it interrupted.
    await chat.say("/language")
    await chat.press("Русский")

    ru = translator("ru")
    assert chat.texts == [
        "Теперь я буду писать вам на русском языке.",
        asked(bundled, "ru", 0, 1, "Вопрос 2 из 3 · обязательный", ru._(one)),
    ]
    assert chat.texts[1].startswith(
        "Пункт 2 повестки дня: Брифинг о ходе и результатах процесса обзора\n"
    )
    assert await where(store, "alice") == (before[0], before[1], "ru")
    assert await answers(store, "alice") == answered

    await chat.press(ru._("Yes"))
    limit = ru._("Type your answer. Up to {limit} characters.", limit=ru.number(3000))
    assert chat.texts == [asked(bundled, "ru", 0, 2, "Вопрос 3 из 3", limit)]
    assert await answers(store, "alice") == {
        "ai2-familiarity": ({"choice": "contributed"}, 1),
        "ai2-data-platform": ({"yes": True}, 1),
    }
    # Back to the first question: its answer is shown in the new language.
    await chat.press(ru._("‹ Back"))
    await chat.press(ru._("‹ Back"))
    assert chat.texts == [
        asked(
            bundled,
            "ru",
            0,
            0,
            "Вопрос 1 из 3 · обязательный",
            "Ваш текущий ответ: Мы принимали в нем участие",
            ru._(one),
        )
    ]


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
    ar = translator("ar")
    choose = ar._("Choose all that apply, then press Done.")
    assert chat.texts[1] == asked(bundled, "ar", 1, 0, "السؤال 1 من 4 · إلزامي", choose)
    checked = [label for label in chat.labels if label.startswith("✓ ")]
    assert checked == [f"✓ {first.label.get('ar')}", f"✓ {third.label.get('ar')}"]
    assert (await where(store, "alice"))[1]["selection"] == [first.id, third.id]

    await chat.press(translator("ar")._("Done"))
    balance = wgic18(bundled).agenda_items[1].questions[1]
    assert balance.scale_min_label is not None
    assert balance.scale_max_label is not None
    scale = ar._(
        "Choose a number from {low} ({low_label}) to {high} ({high_label}).",
        low=1,
        low_label=balance.scale_min_label.get("ar"),
        high=5,
        high_label=balance.scale_max_label.get("ar"),
    )
    assert chat.texts == [asked(bundled, "ar", 1, 1, "السؤال 2 من 4 · إلزامي", scale)]
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
    assert chat.texts == [
        "Please check your organisation's profile:\nName: Criminologists without Borders\n"
        "Category: Non-governmental organization\nCountry: Austria"
    ]
    await chat.say("/language")
    await chat.press("中文")
    assert [r.text for r in chat.replies] == [
        "从现在起，我将用中文与您交流。",
        "请核对贵组织的概况：\n名称：Criminologists without Borders\n类别：非政府组织\n"
        "国家：奥地利",
    ]
    assert chat.labels[0] == "信息无误"
