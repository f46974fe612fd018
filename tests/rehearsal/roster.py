"""Who takes part in the rehearsal of the 2023 constructive dialogue, and what each says.

The size and the panel are the Chair's summary's (69 NGOs, 2 academia, 4 private sector and
1 IGO; the eight panellists of agenda item 3 in their two sub-panels); the other
organisations' names and every answer are invented. Everyone speaks one of the six official
languages, uses the bot in it and writes in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES = ("en", "fr", "es", "ru", "zh", "ar")
"""In the order of the bot's language buttons."""
CREDITS = ("named", "organisation", "anonymous")
"""In the order of the bot's credit buttons."""
GENDERS = ("female", "male", "other", None)
"""In the order of the bot's gender buttons (None: prefer not to say)."""

FIRST_SUB_PANEL = (
    "Nyman Gibson Miralis",
    "Research Society of International Law",
    "Consejo Mexicano de Asuntos Internacionales (COMEXI)",
    "Criminologists without Borders",
)
SECOND_SUB_PANEL = (
    "Global Initiative Against Transnational Organized Crime (GI-TOC)",
    "Meta",
    "Kennis: Knowledge for Safety and Good Governance",
    "Microsoft",
)

SUGGESTIONS = {
    "en": (
        "Human rights safeguards must guide every request for mutual legal assistance, and "
        "data protection rules should be shared with civil society.",
        "Training for prosecutors on data protection and human rights safeguards would make "
        "international cooperation faster and fairer.",
    ),
    "fr": (
        "Les garanties des droits de l'homme doivent guider chaque demande d'entraide "
        "judiciaire, avec une meilleure protection des données personnelles.",
        "La formation des procureurs à la protection des données renforcerait la confiance "
        "entre la société civile et les autorités.",
    ),
    "es": (
        "La sociedad civil debe participar en la cooperación internacional con garantías de "
        "derechos humanos y protección de datos personales.",
        "Proponemos capacitación para fiscales sobre protección de datos y cooperación "
        "internacional con las plataformas tecnológicas.",
    ),
    "ru": (
        "Гражданское общество должно участвовать в международном сотрудничестве, а защита "
        "данных должна соблюдаться во всех запросах.",
        "Необходимо обучение прокуроров по вопросам защиты данных и прав человека в "
        "международном сотрудничестве.",
    ),
    "zh": (
        "民间社会应参与国际合作，并在每项司法协助请求中保护个人数据和人权。",
        "我们建议对检察官开展数据保护培训，加强民间社会与执法机关之间的信任。",
    ),
    "ar": (
        "ينبغي أن يشارك المجتمع المدني في التعاون الدولي مع ضمان حماية البيانات الشخصية "
        "وحقوق الإنسان.",
        "نقترح تدريب المدعين العامين على حماية البيانات وتعزيز الثقة بين المجتمع المدني والسلطات.",
    ),
}
"""Agenda item 4's required suggestions, two ways of saying them in each language."""

REVIEW = {
    "en": "The review process is slow; no country has completed its review of the cluster yet.",
    "fr": "Le processus d'examen est lent et aucun pays n'a encore achevé son examen.",
    "es": "El proceso de examen es lento y ningún país ha concluido todavía su examen.",
    "ru": "Процесс обзора идет медленно, и ни одна страна еще не завершила свой обзор.",
    "zh": "审议进程进展缓慢，目前尚无任何国家完成审议。",
    "ar": "عملية الاستعراض بطيئة ولم يُكمل أي بلد استعراضه بعد.",
}
"""Agenda item 2's suggestion, for those who answer it."""

PANEL = {
    "Nyman Gibson Miralis": (
        "en",
        "Legal clarity, proportionality standards and procedural safeguards must frame "
        "cooperation under article 27, with risk assessment before data is shared.",
        "Anonymized cases show that breaches of the right to privacy harmed both criminal "
        "cases and the reputation of law enforcement agencies.",
    ),
    "Research Society of International Law": (
        "en",
        "Emerging investigative techniques need human rights safeguards; law enforcement "
        "culture should move from force to the service of the community.",
        "Victims should be heard when cooperation mechanisms are reviewed.",
    ),
    "Consejo Mexicano de Asuntos Internacionales (COMEXI)": (
        "es",
        "El uso de la tecnología por las fuerzas del orden debe equilibrarse con la protección "
        "de los derechos individuales y con mecanismos de supervisión.",
        "Las organizaciones no gubernamentales pueden servir como sistemas de alerta temprana.",
    ),
    "Criminologists without Borders": (
        "fr",
        "L'éducation, l'éthique et l'intégrité sont essentielles pour une coopération "
        "internationale respectueuse des droits de l'homme.",
        "La société civile peut recueillir des données et les partager avec les services.",
    ),
    "Global Initiative Against Transnational Organized Crime (GI-TOC)": (
        "en",
        "Trust between civil society, law enforcement and communication service providers is "
        "the condition of effective cooperation against organized crime.",
        "Civil society can provide data and intelligence on the rule of law.",
    ),
    "Meta": (
        "en",
        "Community standards are enforced with dedicated teams, and legal requests from law "
        "enforcement have their own channels and tools.",
        "Partnerships between law enforcement and the private sector keep users safe.",
    ),
    "Kennis: Knowledge for Safety and Good Governance": (
        "en",
        "Artificial intelligence can transform data collection for law enforcement, with "
        "high-quality data, human oversight, transparency and accountability.",
        "The lack of data disaggregated by sex creates blind spots for female victims.",
    ),
    "Microsoft": (
        "en",
        "Responsibility is shared between technology companies and law enforcement agencies; "
        "standardized reporting would identify risks of human trafficking sooner.",
        "Ethical use of artificial intelligence balances privacy and law enforcement needs.",
    ),
}
"""Each panellist's language and its two written answers on agenda item 3 (practices or
partnerships, then victims or the second thought), after the Chair's summary."""


@dataclass(frozen=True)
class Stakeholder:
    """One invited organisation and how its representative answers."""

    name: str
    category: str
    country: str
    language: str
    credit: str | None
    """None: does not consent to publication."""
    gender: str | None
    person: str = ""
    """The name typed when credited by name."""
    items: tuple[str, ...] = ("4",)
    variant: int = 0
    panel: int = 0
    """1 or 2 for a panellist's sub-panel, else 0."""
    scale: int = 3
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def suggestion(self) -> str:
        """Its answer to agenda item 4's required question."""
        return SUGGESTIONS[self.language][self.variant]


_NGO_WORDS = (
    "Coalition",
    "Forum",
    "Network",
    "Centre",
    "Alliance",
    "Association",
    "Observatory",
    "Foundation",
    "Institute",
    "Initiative",
)
_NGO_TOPICS = (
    "Justice Reform",
    "Victims' Rights",
    "Rule of Law",
    "Open Societies",
    "Human Rights Defenders",
    "Safe Migration",
    "Anti-Corruption Action",
)
_COUNTRIES = ("AT", "MX", "KE", "FR", "AR", "RU", "CN", "EG", "IN", "BR", "NG", "DE", "MA")


def _credit(index: int) -> str | None:
    if index % 7 == 3:
        return None
    return CREDITS[index % 3]


def roster() -> list[Stakeholder]:
    """The 76 organisations: the eight panellists first, then the others."""
    panellists = [
        (FIRST_SUB_PANEL[0], "private_sector", "AU", 1),
        (FIRST_SUB_PANEL[1], "ngo", "IN", 1),
        (FIRST_SUB_PANEL[2], "ngo", "MX", 1),
        (FIRST_SUB_PANEL[3], "ngo", "AT", 1),
        (SECOND_SUB_PANEL[0], "ngo", "CH", 2),
        (SECOND_SUB_PANEL[1], "private_sector", "US", 2),
        (SECOND_SUB_PANEL[2], "ngo", "IT", 2),
        (SECOND_SUB_PANEL[3], "private_sector", "US", 2),
    ]
    anonymous = {"Microsoft", "Kennis: Knowledge for Safety and Good Governance"}
    people: list[Stakeholder] = []
    for index, (name, category, country, panel) in enumerate(panellists):
        language = PANEL[name][0]
        credit = "anonymous" if name in anonymous else ("named" if index == 0 else "organisation")
        people.append(
            Stakeholder(
                name, category, country, language, credit, GENDERS[index % 2],
                person="Dennis Miralis" if credit == "named" else "",
                items=("3", "4"), variant=index % 2, panel=panel, scale=2 + index % 4,
            )
        )  # fmt: skip
    others = [(f"University of {c} Law School", "academia") for c in ("Vienna", "Nairobi")]
    others += [("Andes Data Security S.A.", "private_sector")]
    others += [("Intergovernmental Centre for Crime Prevention", "igo")]
    ngos = [
        f"{_NGO_WORDS[i % len(_NGO_WORDS)]} for {_NGO_TOPICS[i % len(_NGO_TOPICS)]} {i // 10 + 1}"
        for i in range(64)
    ]
    others += [(name, "ngo") for name in ngos]
    for index, (name, category) in enumerate(others):
        credit = _credit(index)
        people.append(
            Stakeholder(
                name, category, _COUNTRIES[index % len(_COUNTRIES)],
                LANGUAGES[index % len(LANGUAGES)], credit, GENDERS[index % len(GENDERS)],
                person=f"Representative {index + 1}" if credit == "named" else "",
                items=("2", "4") if index % 4 == 0 else ("4",), variant=index // 6 % 2,
                scale=1 + index % 5,
            )
        )  # fmt: skip
    return people
