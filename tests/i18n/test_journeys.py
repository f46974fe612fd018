"""The complete journey in each of the six languages, through the terminal channel."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from bot.adapters.terminal import PLATFORM, TerminalChannel
from config.consultation import LANGUAGES, Consultation
from handlers.engine import Engine
from handlers.i18n import FSI, LANGUAGE_NAMES, PDI, translator
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import new_invite

NB = "\u00a0"  # French puts a no-break space before a colon or a question mark.

COMMENT = {
    "en": "Civil society organizations should take part in the working groups.",
    "fr": "Les organisations de la société civile devraient participer aux groupes de travail.",
    "es": "Las organizaciones de la sociedad civil deberían participar en los grupos de trabajo.",
    "ru": "Организации гражданского общества должны участвовать в рабочих группах.",
    "zh": "民间社会组织应参加工作组的会议，并提交书面意见。",
    "ar": "ينبغي أن تشارك منظمات المجتمع المدني في الأفرقة العاملة.",
}
"""A free-text answer written in each language (long enough for its language to be told)."""

EXPECTED = {
    "en": [
        "Do you agree that we process your information for this purpose?",
        "Category: Non-governmental organization",
        "Question 1 of 3 · required",
        "Thank you. Your submission on agenda item 2 was received on 15 January 2027 at 11:00 "
        "(Vienna time, UTC+1).",
        "You can change your answers until 31 May 2027, 23:59 (Europe/Vienna time).",
        "• Agenda item 2: Briefing on the developments and outcomes of the review process"
        " — 3 of 3 questions answered · submitted",
    ],
    "fr": [
        f"Acceptez-vous que nous traitions vos informations à cette fin{NB}?",
        f"Catégorie{NB}: Organisation non gouvernementale",
        "Question 1 sur 3 · obligatoire",
        "Merci. Votre contribution au titre du point 2 de l'ordre du jour a été reçue le "
        "15 janvier 2027 à 11:00 (heure de Vienne, UTC+1).",
        "Vous pouvez modifier vos réponses jusqu'au 31 mai 2027, 23:59 "
        "(fuseau horaire Europe/Vienna).",
        f"• Point 2 de l'ordre du jour{NB}: Exposé sur l'évolution et les résultats du processus "
        f"d'examen — questions traitées{NB}: 3 sur 3 · envoyé",
    ],
    "es": [
        "¿Acepta que tratemos su información con este fin?",
        "Categoría: Organización no gubernamental",
        "Pregunta 1 de 3 · obligatoria",
        "Gracias. Su contribución sobre el tema 2 del programa se recibió el 15 de enero de "
        "2027 a las 11:00 (hora de Viena, UTC+1).",
        "Puede modificar sus respuestas hasta el 31 de mayo de 2027, 23:59 "
        "(huso horario Europe/Vienna).",
        "• Tema 2 del programa: Exposición informativa sobre la evolución y los resultados del "
        "proceso de examen — preguntas respondidas: 3 de 3 · enviado",
    ],
    "ru": [
        "Согласны ли вы на обработку вашей информации в этих целях?",
        "Категория: Неправительственная организация",
        "Вопрос 1 из 3 · обязательный",
        "Спасибо. Ваши материалы по пункту 2 повестки дня получены 15 января 2027 года в 11:00 "
        "(часовой пояс: Вена, UTC+1).",
        "Вы можете изменить свои ответы до 31 мая 2027 года, 23:59 (часовой пояс Europe/Vienna).",
        "• Пункт 2 повестки дня: Брифинг о ходе и результатах процесса обзора"
        " — отвечено на 3 из 3 вопросов · отправлено",
    ],
    "zh": [
        "您是否同意我们为此目的处理您的信息？",
        "类别：非政府组织",
        "第1题，共3题 · 必答",
        "谢谢。我们已于2027年1月15日 11:00（维也纳时间，UTC+1）收到您就议程项目2提交的材料。",
        "您可在2027年5月31日 23:59（Europe/Vienna时间）之前修改答复。",
        "• 议程项目2：关于审议进程的进展情况和成果的通报 — 已回答3个问题中的3个 · 已提交",
    ],
    "ar": [
        "هل توافقون على أن نعالج معلوماتكم لهذا الغرض؟",
        "الفئة: منظمة غير حكومية",
        "السؤال 1 من 3 · إلزامي",
        "شكراً لكم. وردت مساهمتكم بشأن البند 2 من جدول الأعمال في "
        f"15 كانون الثاني/يناير 2027، الساعة 11:00 (بتوقيت فيينا، {FSI}UTC+1{PDI}).",
        # The deadline mixes Arabic and a Latin time zone, so it sits in an isolate.
        f"يمكنكم تعديل إجاباتكم حتى {FSI}31 أيار/مايو 2027، 23:59 (بتوقيت Europe/Vienna){PDI}.",
        "• البند 2 من جدول الأعمال: إحاطة بشأن تطورات عملية الاستعراض ونتائجها"
        " — أُجيب عن 3 من أصل 3 أسئلة · مُرسَل",
    ],
}
"""Lines each transcript must hold, written out: consent, profile, question, receipt, progress."""

REFERENCE = {
    "en": "Reference: ",
    "fr": f"Référence{NB}: ",
    "es": "Referencia: ",
    "ru": "Регистрационный номер: ",
    "zh": "编号：",
    "ar": "الرقم المرجعي: ",
}


def script(language: str, code: str, consultation: Consultation) -> list[str]:
    """What a participant types: every button pressed by its label in their language."""
    t = translator(language)
    item = consultation.agenda_items[0]
    assert consultation.short_title is not None
    return [
        f"/start {code}",
        LANGUAGE_NAMES[language],
        t._("I agree"),
        t._("Yes, they may be published"),
        t._("My organisation only"),
        t._("This is correct"),
        t._("Female"),
        consultation.short_title.get(language),
        t._("Agenda item {number}", number=item.number),
        item.questions[0].choices[0].label.get(language),
        t._("Yes"),
        COMMENT[language],
        t._("Submit"),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_complete_journey(
    language: str,
    engine: Engine,
    store: Store,
    clock: FixedClock,
    bundled: list[Consultation],
    tmp_path: Path,
) -> None:
    consultation = next(c for c in bundled if c.id == "wgic-18-2027")
    code = await new_invite(store, clock)
    out: list[str] = []
    terminal = TerminalChannel(
        engine,
        user=f"user-{language}",
        stdin=io.StringIO("\n".join(script(language, code, consultation)) + "\n"),
        write=out.append,
        downloads=tmp_path,
    )
    await terminal.receive(asyncio.Event())
    lines = "\n".join(out).splitlines()
    assert [line for line in EXPECTED[language] if line not in lines] == []
    references = [line for line in lines if line.startswith(REFERENCE[language])]
    assert len(references) == 1

    async with store.transaction() as uow:
        identity = await uow.identities.get(PLATFORM, f"user-{language}")
        assert identity is not None
        assert identity.participant_id is not None
        participant = await uow.participants.get(identity.participant_id)
        assert participant is not None
        assert participant.locale == language
        answers = {}
        for answer in await uow.answers.for_participant(participant.id):
            question = await uow.consultations.question(answer.question_id)
            assert question is not None
            answers[question.key] = (answer.value, answer.language)
        submissions = list((await uow.submissions.for_participant(participant.id)).values())
    assert answers == {
        "ai2-familiarity": ({"choice": "contributed"}, None),
        "ai2-data-platform": ({"yes": True}, None),
        "ai2-stakeholder-contribution": ({"text": COMMENT[language]}, language),
    }
    assert [(s.status, s.reference) for s in submissions] == [
        ("submitted", references[0].removeprefix(REFERENCE[language]))
    ]
