"""Sample stakeholders and answers, to try the digest on the bundled open consultation.

`intersessional seed-demo` stores them through the repositories, the way the engine would
(answers through the question types, languages tagged, submissions with receipts). Every
organisation here is invented.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from handlers import questions
from handlers.conversation import NOTICE_VERSION, State
from handlers.features.review import receipt_reference
from handlers.i18n import translator
from storage.models import (
    AgendaItemRow,
    ConsentKind,
    ConsultationRow,
    Credit,
    Identity,
    Invite,
    Organisation,
    Participant,
    ParticipantStatus,
    QuestionRow,
)
from storage.repositories import Store, UnitOfWork

CONSULTATION = "wgic-18-2027"
PLATFORM = "demo"

SUGGESTIONS = {
    "en": [
        "Hold a written round before each constructive dialogue and publish the questions at "
        "least six weeks in advance, so that smaller organizations can consult their members.",
        "States should invite civil society to contribute to the self-assessment questionnaire "
        "at national level, and the secretariat should publish a short guide on how to do so.",
        "Create a roster of independent experts from academia who can brief the Working Group "
        "on trends in cybercrime and on the handling of electronic evidence.",
        "Provide interpretation in all six official languages during the constructive dialogue "
        "and allow remote participation for organizations that cannot travel to Vienna.",
        "Collect and publish data disaggregated by sex and age on the victims identified "
        "through international cooperation in trafficking cases.",
    ],
    "fr": [
        "Nous recommandons que les États associent systématiquement la société civile à la "
        "préparation des réponses au questionnaire d'auto-évaluation et rendent compte de ces "
        "consultations.",
        "Le Groupe de travail devrait consacrer une réunion aux garanties en matière de droits "
        "humains dans l'entraide judiciaire, notamment pour les demandes portant sur des "
        "données personnelles.",
    ],
    "es": [
        "Proponemos que la Secretaría elabore una guía práctica sobre la cooperación con los "
        "proveedores de servicios de comunicaciones, con modelos de solicitudes y plazos de "
        "respuesta.",
        "Es necesario fortalecer la capacidad de las autoridades locales para recopilar datos "
        "sobre la delincuencia organizada y su impacto en las comunidades rurales.",
    ],
    "ru": [
        "Предлагаем создать сеть контактных пунктов для оперативного обмена электронными "
        "доказательствами и регулярно публиковать обзор передовой практики.",
    ],
    "zh": [
        "建议秘书处为发展中国家的非政府组织提供关于审议机制的培训，并在建设性对话之前分发议程和背景文件。",
    ],
    "ar": [
        "نقترح أن تعقد الأمانة مشاورات إقليمية مع منظمات المجتمع المدني قبل كل حوار بنّاء، "
        "وأن تتاح الوثائق بجميع اللغات الرسمية.",
    ],
    "private": [
        "Standardized request templates and a single point of contact per State would reduce "
        "response times for cross-border requests for subscriber information.",
        "Service providers need clear legal bases and transparency reporting obligations that "
        "apply equally to all requesting States.",
    ],
}

SAFEGUARDS = {
    "en": "Human review of every automated flag, documented training data, and independent "
    "audits for bias before any system is used in criminal investigations.",
    "fr": "Toute utilisation de l'intelligence artificielle doit être soumise à un contrôle "
    "humain effectif, à une évaluation d'impact sur les droits humains et à des voies de "
    "recours.",
    "es": "Transparencia sobre los algoritmos utilizados, supervisión judicial y datos "
    "desglosados por sexo para detectar sesgos.",
    "private": "Logging of every query made with analytical tools, and retention limits "
    "proportionate to the purpose of the investigation.",
}

CONTRIBUTION = {
    "en": "Invite non-governmental stakeholders to country visits and share the draft "
    "executive summaries with them for comments.",
    "ru": "Необходимо заранее информировать неправительственные организации о сроках "
    "странового обзора и предоставлять им возможность представить письменные материалы.",
    "es": "Que los Estados publiquen el calendario de sus exámenes y designen un punto de "
    "contacto para la sociedad civil.",
}

DATA = {
    "en": "Universities can host joint data labs with national statistical offices, using "
    "shared definitions and protecting the identity of victims.",
    "zh": "学术机构可以与地方政府合作，建立衡量有组织犯罪影响的统一指标，并按性别和年龄分列数据。",
    "fr": "Des enquêtes locales de victimisation menées avec les associations de quartier "
    "permettraient de mesurer l'impact réel de la criminalité organisée.",
}


@dataclass(frozen=True)
class SampleOrganisation:
    """One invented stakeholder and how far it got."""

    name: str
    category: str
    country: str
    language: str
    gender: str | None
    stage: str
    """invited, registered, draft, partial (agenda item 2 submitted) or submitted."""
    when: float
    """When it answered, as a share of the time since the consultation opened."""
    credit: str = "organisation"
    person: str | None = None
    """The respondent's name, for a credit by name."""
    publish: bool = True
    extra: dict[str, str] = field(default_factory=dict)


ORGANISATIONS: tuple[SampleOrganisation, ...] = (
    SampleOrganisation(
        "Alliance for Justice Reform", "ngo", "KE", "en", "female", "submitted", 0.08
    ),
    SampleOrganisation(
        "Observatoire des réseaux criminels", "ngo", "SN", "fr", "male", "submitted", 0.12
    ),
    SampleOrganisation(
        "Fundación Ciudadanía y Legalidad", "ngo", "MX", "es", "female", "submitted", 0.15
    ),
    SampleOrganisation(
        "Global Initiative on Victims' Rights",
        "ngo",
        "GB",
        "en",
        "female",
        "submitted",
        0.2,
        credit="named",
        person="Amina Yusuf",
    ),
    SampleOrganisation(
        "Центр правовых исследований «Открытое право»", "ngo", "KZ", "ru", "male", "submitted", 0.22
    ),
    SampleOrganisation(
        "Women Against Trafficking Network", "ngo", "PH", "en", "female", "submitted", 0.3
    ),
    SampleOrganisation("Red Andina contra la Trata", "ngo", "CO", "es", "other", "submitted", 0.35),
    SampleOrganisation("阳光法治研究中心", "ngo", "CN", "zh", None, "submitted", 0.41),
    SampleOrganisation("الشبكة العربية للشفافية", "ngo", "JO", "ar", "male", "submitted", 0.45),
    SampleOrganisation(
        "Association pour la protection des témoins",
        "ngo",
        "FR",
        "fr",
        "female",
        "submitted",
        0.5,
        credit="anonymous",
    ),
    SampleOrganisation(
        "Transparency and Accountability Watch",
        "ngo",
        "NG",
        "en",
        "male",
        "submitted",
        0.58,
        publish=False,
    ),
    SampleOrganisation(
        "Coalition for Digital Rights", "ngo", "BR", "en", "female", "submitted", 0.66
    ),
    SampleOrganisation("Human Security Collective", "ngo", "ZA", "en", "male", "partial", 0.72),
    SampleOrganisation("Rule of Law Forum", "ngo", "IN", "en", None, "partial", 0.8),
    SampleOrganisation("Civic Space Monitor", "ngo", "LB", "en", "female", "draft", 0.85),
    SampleOrganisation("Centro de Estudios Penales", "ngo", "AR", "es", "male", "registered", 0.9),
    SampleOrganisation(
        "Institute for Criminal Justice Studies",
        "academia",
        "AT",
        "en",
        "female",
        "submitted",
        0.25,
        extra={"ai4-data-collaboration": "en"},
    ),
    SampleOrganisation(
        "Université de Genève – Centre de droit pénal",
        "academia",
        "CH",
        "fr",
        "male",
        "submitted",
        0.55,
        extra={"ai4-data-collaboration": "fr"},
    ),
    SampleOrganisation(
        "北方大学犯罪学研究所",
        "academia",
        "CN",
        "zh",
        "female",
        "draft",
        0.7,
        extra={"ai4-data-collaboration": "zh"},
    ),
    SampleOrganisation(
        "SecureCloud Services Ltd", "private_sector", "DE", "private", "male", "submitted", 0.18
    ),
    SampleOrganisation(
        "Andes Telecom S.A.", "private_sector", "PE", "es", "female", "submitted", 0.48
    ),
    SampleOrganisation(
        "Digital Forensics Partners", "private_sector", "US", "private", "male", "submitted", 0.62
    ),
    SampleOrganisation(
        "Northern Payments Group", "private_sector", "CA", "private", None, "registered", 0.75
    ),
    SampleOrganisation(
        "Regional Centre for Cooperation in Criminal Matters",
        "igo",
        "EG",
        "en",
        "male",
        "submitted",
        0.4,
    ),
    SampleOrganisation(
        "Lawyers for Accountability", "other", "IT", "en", "female", "submitted", 0.52
    ),
    SampleOrganisation("Youth Network for Peace", "ngo", "MA", "fr", None, "invited", 0.0),
    SampleOrganisation(
        "Pacific Islands Civil Society Forum", "ngo", "FJ", "en", None, "invited", 0.0
    ),
    SampleOrganisation("Fundação Justiça Global", "ngo", "BR", "es", None, "invited", 0.0),
    SampleOrganisation(
        "Crypto Compliance Council", "private_sector", "SG", "en", None, "invited", 0.0
    ),
)


@dataclass
class SeedReport:
    """What seeding stored."""

    organisations: int = 0
    participants: int = 0
    answers: int = 0
    submissions: int = 0
    skipped: list[str] = field(default_factory=list)


def _text_for(organisation: SampleOrganisation, key: str, index: int) -> str | None:
    language = organisation.language
    if key == "ai4-suggestions":
        texts = SUGGESTIONS.get(language) or SUGGESTIONS["en"]
        return texts[index % len(texts)]
    if key == "ai3-ai-safeguards" and language in SAFEGUARDS and index % 2 == 0:
        return SAFEGUARDS[language]
    if key == "ai2-stakeholder-contribution" and language in CONTRIBUTION and index % 3 != 2:
        return CONTRIBUTION[language]
    if key in organisation.extra:
        return DATA[organisation.extra[key]]
    return None


def _answer(
    question: QuestionRow, organisation: SampleOrganisation, index: int, rng: random.Random
) -> questions.Accepted | None:
    spec = questions.definition(question)
    draw = questions.Draw(
        rng, translator("en"), index, _text_for(organisation, question.key, index)
    )
    return questions.kind(spec.type).sample(spec, draw)


async def seed(
    store: Store,
    *,
    now: datetime,
    consultation_id: str = CONSULTATION,
    tick: Callable[[], None] = lambda: None,
) -> SeedReport:
    """Store the sample organisations, their invites, participants, answers and submissions.

    Organisations already present (by name) are left alone, so seeding twice adds nothing.
    `tick` is called once per organisation done (the command line's progress).
    """
    report = SeedReport()
    async with store.transaction() as uow:
        row = await uow.consultations.get(consultation_id)
        if row is None:
            raise LookupError(f"no consultation with id {consultation_id!r} is loaded")
        items = list(await uow.consultations.items(consultation_id))
        by_item = {item.id: list(await uow.consultations.questions(item.id)) for item in items}
    end = min(now, row.effective_deadline)
    span = max(end - row.opens_at, timedelta(hours=len(ORGANISATIONS)))
    for index, sample in enumerate(ORGANISATIONS):
        moment = min(row.opens_at + span * sample.when, end - timedelta(minutes=len(ORGANISATIONS)))
        moment = max(moment, row.opens_at) + timedelta(minutes=index)
        async with store.transaction() as uow:
            # SQLite lower-cases only ASCII, so names in other scripts are found by account.
            seeded = await uow.identities.get(PLATFORM, f"demo-{index + 1}") is not None
            if seeded or await uow.organisations.by_name(sample.name) is not None:
                report.skipped.append(sample.name)
                tick()
                continue
            participant = await _register(uow, sample, index, row, moment, report)
            if participant is not None and sample.stage != "registered":
                rng = random.Random(f"{sample.name}-{index}")  # noqa: S311 - sample data
                respondent = _Respondent(participant, sample, index, rng, moment)
                for position, item in enumerate(items):
                    if sample.stage == "draft" and position > 0:
                        break
                    await respondent.answer_item(uow, item, position, by_item[item.id], report)
        tick()
    return report


async def _register(
    uow: UnitOfWork,
    sample: SampleOrganisation,
    index: int,
    row: ConsultationRow,
    moment: datetime,
    report: SeedReport,
) -> Participant | None:
    """The organisation and its invite; its participant, account and consents unless it is
    only invited."""
    organisation = await uow.organisations.add(
        Organisation(
            name=sample.name, category=sample.category, country=sample.country, created_at=moment
        )
    )
    report.organisations += 1
    invite = await uow.invites.add(
        Invite(
            code="",
            organisation_id=organisation.id,
            consultation_id=row.id,
            max_uses=5,
            uses=0 if sample.stage == "invited" else 1,
            created_at=row.opens_at,
        )
    )
    if sample.stage == "invited":
        return None
    participant = await uow.participants.add(
        Participant(
            organisation_id=organisation.id,
            invite_id=invite.id,
            status=ParticipantStatus.ACTIVE,
            locale=sample.language if sample.language != "private" else "en",
            gender=sample.gender,
            credit=Credit(sample.credit) if sample.publish else Credit.ANONYMOUS,
            display_name=sample.person,
            state=State.HOME,
            context={},
            created_at=moment,
            updated_at=moment,
        )
    )
    report.participants += 1
    await uow.identities.add(
        Identity(
            platform=PLATFORM,
            platform_user_id=f"demo-{index + 1}",
            chat_id=f"demo-{index + 1}",
            participant_id=participant.id,
            created_at=moment,
            last_seen_at=moment,
        )
    )
    await _consent(uow, participant, sample, moment)
    return participant


async def _consent(
    uow: UnitOfWork, participant: Participant, sample: SampleOrganisation, moment: datetime
) -> None:
    """Consent to processing, and to publication unless the sample refuses it."""
    for kind, granted in (
        (ConsentKind.PROCESSING, True),
        (ConsentKind.PUBLICATION, sample.publish),
    ):
        await uow.participants.add_consent(
            participant.id, kind, granted=granted, version=NOTICE_VERSION, now=moment
        )


@dataclass
class _Respondent:
    """One sample participant answering the agenda items in order."""

    participant: Participant
    sample: SampleOrganisation
    index: int
    rng: random.Random
    moment: datetime

    async def answer_item(
        self,
        uow: UnitOfWork,
        item: AgendaItemRow,
        position: int,
        questions_here: list[QuestionRow],
        report: SeedReport,
    ) -> None:
        """Answer one agenda item's questions as the types draw them; submit it if due."""
        answered_at = self.moment + timedelta(minutes=10 * position)
        for question in questions_here:
            result = _answer(question, self.sample, self.index, self.rng)
            if result is None:
                continue
            await questions.save_answer(
                uow,
                participant_id=self.participant.id,
                question_id=question.id,
                result=result,
                channel=PLATFORM,
                now=answered_at,
            )
            report.answers += 1
        await uow.submissions.touch(self.participant.id, item.id, answered_at)
        stage = self.sample.stage
        if stage == "submitted" or (stage == "partial" and position == 0):
            reference = receipt_reference(item.consultation_id, item)
            await uow.submissions.submit(self.participant.id, item.id, reference, answered_at)
            report.submissions += 1
