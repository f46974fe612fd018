"""The pure part of the digest: the rows of a consultation (`Source`) in, a `Digest` out.

Each answer is looked at once: grouped by question, its author's organisation, category,
country and publication status worked out once per author, not once per answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.digest.model import (
    NOT_GIVEN,
    UNDETERMINED,
    CategoryFigures,
    Contribution,
    Digest,
    DigestAnswer,
    Figure,
    ItemSection,
    MachineTranslation,
    OutstandingOrganisation,
    Panellist,
    PanelSection,
    QuestionSection,
    ReminderFigures,
    country_name,
    language_name,
)
from bot.digest.themes import METHOD, Theme, Voice, themes
from bot.digest.words import dialogue_sentence, gender_sentence, participation_sentence
from bot.export import PUBLICATION_LABELS, publication
from bot.reminders import definition_of
from config.consultation import DEFAULT_MARKING, AgendaItem, Participation, Question
from handlers import questions as question_types
from handlers.features.onboarding import category_label
from handlers.i18n import translator
from handlers.text import contained
from storage.models import (
    AgendaItemRow,
    Category,
    ConsultationRow,
    Delivery,
    DeliveryStatus,
    Invite,
    Organisation,
    Participant,
    QuestionRow,
    SubmissionStatus,
)

CATEGORY_ORDER = tuple(Category)
GENDER_LABELS = {"female": "Female", "male": "Male", "other": "Another gender"}
_SUBMITTED = frozenset({SubmissionStatus.SUBMITTED, SubmissionStatus.REOPENED})
_ENGLISH = translator("en")

AnswerRow = tuple[int, int, str, str | None, datetime]
"""(participant id, question id, text, language, updated at) of one answer."""
SubmissionRow = tuple[int, int, str, datetime | None]
"""(participant id, agenda item id, status, submitted at) of one submission."""


@dataclass(frozen=True)
class Source:
    """The rows a digest is made from."""

    consultation: ConsultationRow
    items: Sequence[AgendaItemRow]
    questions: Sequence[QuestionRow]
    answers: Sequence[AnswerRow]
    """Plain rows, not ORM objects: a digest may hold hundreds of thousands of answers."""
    values: Sequence[tuple[int, dict[str, Any], int]]
    """(question id, value, how many answers) for the counted questions, counted in SQL."""
    authors: Mapping[int, Participant]
    """Every participant who has not erased their data, and any author of an answer who has."""
    publication: Mapping[int, bool]
    """Each author's latest decision on publishing their written comments."""
    submissions: Sequence[SubmissionRow]
    invites: Sequence[Invite]
    audience: Sequence[Participant]
    participants: Sequence[Participant]
    ledger: Sequence[Delivery]


def _figures(counter: Counter[str], *, last: Iterable[str] = ()) -> tuple[Figure, ...]:
    """Counts by label, most first (then by label), with the `last` labels at the end."""
    trailing = set(last)
    head = sorted(
        ((label, n) for label, n in counter.items() if label not in trailing),
        key=lambda kv: (-kv[1], kv[0]),
    )
    tail = [(label, counter[label]) for label in last if counter.get(label)]
    return tuple(Figure(label, n) for label, n in [*head, *tail])


def _english(texts: object) -> str:
    if isinstance(texts, Mapping):
        return str(texts.get("en") or "")
    return ""


def _where(organisation: Organisation | None) -> str:
    """An organisation's country in words, or nothing when it gave none."""
    if organisation is None or not organisation.country:
        return ""
    return country_name(organisation.country)


class _Memo(dict[str, str]):
    """`make(text)` for each distinct text, made once."""

    def __init__(self, make: Callable[[str], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, text: str) -> str:
        made = self[text] = self.make(text)
        return made


@dataclass(frozen=True, slots=True)
class _Author:
    """One author as the digest shows them beside each of their answers."""

    organisation: str
    category: str
    country: str
    # How their answers may be published: to a question that is published, and to one not.
    published: str
    withheld: str

    @classmethod
    def of(cls, participant: Participant, consent: bool) -> _Author:
        organisation = participant.organisation
        # Worked out once per author, not once per answer (200,000 at 10,000 submissions).
        published, withheld = (
            PUBLICATION_LABELS[publication(participant, consent=consent, question_publishable=q)]
            for q in (True, False)
        )
        return cls(
            organisation=contained(organisation.name) if organisation else "",
            category=category_label(_ENGLISH, organisation.category) if organisation else "",
            country=_where(organisation),
            published=published,
            withheld=withheld,
        )

    def publication(self, question_publishable: bool) -> str:
        return self.published if question_publishable else self.withheld


@dataclass(frozen=True)
class _Submitted:
    """Who submitted what: (participant, agenda item) pairs and their organisations."""

    pairs: frozenset[tuple[int, int]]
    organisations: Mapping[int, Organisation]
    """Organisations with at least one agenda item submitted, by id."""
    by_item: Mapping[int, int]
    """Organisations that submitted each agenda item, by agenda item id."""

    @classmethod
    def of(cls, source: Source) -> _Submitted:
        by_id = {p.id: p for p in source.participants}
        pairs = frozenset(
            (participant_id, item_id)
            for participant_id, item_id, status, _ in source.submissions
            if status in _SUBMITTED and participant_id in by_id
        )
        organisations: dict[int, Organisation] = {}
        by_item: dict[int, set[int]] = {item.id: set() for item in source.items}
        for participant_id, item_id in pairs:
            organisation = by_id[participant_id].organisation
            if organisation is None:
                continue
            organisations[organisation.id] = organisation
            if item_id in by_item:
                by_item[item_id].add(organisation.id)
        return cls(pairs, organisations, {k: len(v) for k, v in by_item.items()})

    @property
    def participants(self) -> set[int]:
        return {participant_id for participant_id, _ in self.pairs}


def _categories(source: Source, submitted: _Submitted) -> tuple[CategoryFigures, ...]:
    invited = Counter(i.organisation.category for i in _invited(source).values())
    registered = Counter(o.category for o in _registered(source).values())
    done = Counter(o.category for o in submitted.organisations.values())
    return tuple(
        CategoryFigures(
            category=category.value,
            label=category_label(_ENGLISH, category.value),
            invited=invited[category],
            registered=registered[category],
            submitted=done[category],
        )
        for category in CATEGORY_ORDER
    )


def _invited(source: Source) -> dict[int, Invite]:
    return {invite.organisation.id: invite for invite in source.invites}


def _registered(source: Source) -> dict[int, Organisation]:
    return {p.organisation.id: p.organisation for p in source.audience if p.organisation}


def _outstanding(source: Source, submitted: _Submitted) -> tuple[OutstandingOrganisation, ...]:
    registered = _registered(source)
    invited = sorted(_invited(source).items(), key=lambda kv: kv[1].organisation.name.casefold())
    return tuple(
        OutstandingOrganisation(
            name=contained(invite.organisation.name),
            category=category_label(_ENGLISH, invite.organisation.category),
            country=_where(invite.organisation),
            registered=organisation_id in registered,
        )
        for organisation_id, invite in invited
        if organisation_id not in submitted.organisations
    )


def _reminder_figures(ledger: Sequence[Delivery], since: datetime | None) -> ReminderFigures:
    reminders = [row for row in ledger if row.kind == "reminder"]
    sent = [row for row in reminders if row.status == DeliveryStatus.SENT]
    return ReminderFigures(
        sent=len(sent),
        sent_in_period=sum(1 for row in sent if since is None or row.updated_at > since),
        skipped=sum(1 for row in reminders if row.status == DeliveryStatus.SKIPPED),
        uncertain=sum(1 for row in reminders if row.status == DeliveryStatus.UNCERTAIN),
        failed=sum(1 for row in reminders if row.status == DeliveryStatus.FAILED),
        participants_reminded=len({row.participant_id for row in sent}),
    )


@dataclass
class _Answers:
    """The answers of the consultation grouped by question, read in one pass."""

    source: Source
    since: datetime | None
    translations: Mapping[tuple[int, int], MachineTranslation]

    def __post_init__(self) -> None:
        self.by_question: dict[int, list[AnswerRow]] = {q.id: [] for q in self.source.questions}
        for answer in self.source.answers:
            mine = self.by_question.get(answer[1])
            if mine is not None:  # None: a retired question, left out of the digest
                mine.append(answer)
        self.values: dict[int, list[tuple[Mapping[str, Any], int]]] = {}
        for question_id, value, n in self.source.values:
            self.values.setdefault(question_id, []).append((value, n))
        self.authors = {
            pid: _Author.of(author, self.source.publication.get(pid, False))
            for pid, author in self.source.authors.items()
        }

    @property
    def total(self) -> int:
        return sum(len(mine) for mine in self.by_question.values())

    @property
    def new(self) -> int:
        since = self.since
        if since is None:
            return 0
        return sum(1 for mine in self.by_question.values() for a in mine if a[4] > since)

    def languages(self) -> tuple[Figure, ...]:
        """Free-text answers by language."""
        texts = [q.id for q in self.source.questions if question_types.kind(q.type).free_text]
        codes = Counter(a[3] or UNDETERMINED for qid in texts for a in self.by_question[qid])
        return _figures(
            Counter({language_name(code): n for code, n in codes.items()}),
            last=[language_name(UNDETERMINED)],
        )

    def section(
        self, question: QuestionRow, item: AgendaItemRow, submitted: _Submitted
    ) -> QuestionSection:
        """One question with its answers, counts and summary."""
        spec = Question.model_validate(question.spec)
        kind = question_types.kind(question.type)
        zone = ZoneInfo(self.source.consultation.timezone)
        since = self.since
        answers = []
        # Looked up once per question, not once per answer; a closed question's few distinct
        # answers are labelled once each.
        authors, pairs, translations = self.authors, submitted.pairs, self.translations
        free_text, publishable, item_id = kind.free_text, spec.publishable, item.id
        labelled = _Memo(lambda stored: contained(kind.label(spec, stored)))
        for pid, _, answer_text, language, updated_at in self.by_question[question.id]:
            author = authors[pid]
            text = labelled.make(answer_text) if free_text else labelled[answer_text]
            answers.append(
                DigestAnswer(
                    organisation=author.organisation,
                    category=author.category,
                    country=author.country,
                    language=(language or UNDETERMINED) if free_text else "",
                    answered_at=updated_at.astimezone(zone),
                    text=text,
                    new=since is not None and updated_at > since,
                    submitted=(pid, item_id) in pairs,
                    publication=author.publication(publishable),
                    translation=translations.get((pid, question.id)),
                )
            )
        values = self.values.get(question.id, [])
        return QuestionSection(
            key=question.key,
            text=spec.text.en,
            type=question.type,
            group=_english(question.group_title) or None,
            required=question.required,
            answers=tuple(answers),
            counts=tuple(Figure(label, n) for label, n in question_types.tally(spec, values)),
            summary=question_types.summary(spec, values),
        )


def _translation(sections: Sequence[QuestionSection]) -> str:
    """'Needs translation: 3 in ru, 1 in ar' for the written answers not in English."""
    languages = Counter(
        a.language
        for q in sections
        for a in q.answers
        if a.language and a.language not in ("en", UNDETERMINED)
    )
    if not languages:
        return ""
    ordered = sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))
    return "Needs translation: " + ", ".join(f"{n} in {code}" for code, n in ordered)


def _themes(sections: Sequence[QuestionSection]) -> tuple[Theme, ...]:
    voices = [
        Voice(a.organisation, a.category, a.language, a.text)
        for q in sections
        if q.listed
        for a in q.answers
        if a.language
    ]
    return themes(voices)


def _panels(
    definition: AgendaItem | None, sections: Sequence[QuestionSection], known: set[str]
) -> tuple[PanelSection, ...]:
    """The item's panels, each panellist's answers together, in the panel's order."""
    if definition is None:
        return ()
    by_name: dict[str, list[Contribution]] = {}
    for q in sections:
        for a in q.answers:
            by_name.setdefault(a.organisation.casefold(), []).append(Contribution(q.text, a))
    return tuple(
        PanelSection(
            title=panel.title.en,
            panellists=tuple(
                Panellist(
                    name=name,
                    contributions=tuple(by_name.get(name.strip().casefold(), [])),
                    registered=name.strip().casefold() in known,
                )
                for name in panel.organisations
            ),
        )
        for panel in definition.panels
    )


def _items(source: Source, answers: _Answers, submitted: _Submitted) -> tuple[ItemSection, ...]:
    questions_by_item: dict[int, list[QuestionRow]] = {}
    for question in source.questions:
        questions_by_item.setdefault(question.agenda_item_id, []).append(question)
    defined = {item.number: item for item in definition_of(source.consultation).agenda_items}
    known = {i.organisation.name.casefold() for i in source.invites}
    known |= {p.organisation.name.casefold() for p in source.participants if p.organisation}
    result = []
    for item in source.items:
        sections = tuple(
            answers.section(question, item, submitted)
            for question in questions_by_item.get(item.id, [])
        )
        result.append(
            ItemSection(
                number=item.number,
                title=_english(item.title),
                submitted=submitted.by_item.get(item.id, 0),
                questions=sections,
                panels=_panels(defined.get(item.number), sections, known),
                themes=_themes(sections),
                translation=_translation(sections),
            )
        )
    return tuple(result)


def _gender_sentence(source: Source, submitted: _Submitted) -> str:
    by_id = {p.id: p for p in source.participants}
    respondents = Counter(by_id[pid].gender or "" for pid in submitted.participants)
    organisations: dict[str, set[int]] = {}
    for pid in submitted.participants:
        participant = by_id[pid]
        if participant.organisation is not None and participant.gender:
            organisations.setdefault(participant.gender, set()).add(participant.organisation.id)
    return gender_sentence(
        respondents,
        {gender: len(ids) for gender, ids in organisations.items()},
        organisation_total=len(submitted.organisations),
    )


def _sentences(categories: tuple[CategoryFigures, ...]) -> tuple[str, str]:
    """The participation sentences: who registered, and who submitted written comments."""
    registered = participation_sentence(
        {c.category: c.registered for c in categories},
        "registered to take part",
        nobody="No organization has registered yet.",
    )
    submitted = participation_sentence(
        {c.category: c.submitted for c in categories},
        "submitted written comments",
        nobody="No organization has submitted written comments yet.",
    )
    return registered, submitted


def _by_day(source: Source, zone: ZoneInfo) -> tuple[tuple[Any, int], ...]:
    days = Counter(
        submitted_at.astimezone(zone).date()
        for _, _, status, submitted_at in source.submissions
        if status in _SUBMITTED and submitted_at is not None
    )
    return tuple(sorted(days.items()))


def assemble(
    source: Source,
    *,
    now: datetime,
    since: datetime | None,
    final: bool,
    since_from: str = "the previous digest",
    participation: Participation | None = None,
    translations: Mapping[tuple[int, int], MachineTranslation] | None = None,
) -> Digest:
    """Turn the rows of a consultation into its digest; `participation` gives the figures
    only the secretariat knows when they differ from (or are missing in) the file's;
    `translations` the machine translations by (participant id, question id)."""
    row = source.consultation
    definition = definition_of(row)
    figures = participation or definition.dialogue.participation
    by_id = {p.id: p for p in source.participants}
    submitted = _Submitted.of(source)
    answers = _Answers(source, since, translations or {})
    categories = _categories(source, submitted)
    registered_sentence, submitted_sentence = _sentences(categories)
    genders = Counter(
        GENDER_LABELS.get(by_id[pid].gender or "", NOT_GIVEN) for pid in submitted.participants
    )
    countries = Counter(country_name(o.country) for o in submitted.organisations.values())
    return Digest(
        consultation_id=row.id,
        title=definition.title.en,
        short_title=(definition.short_title or definition.title).en,
        dialogue_title=definition.dialogue.title.en,
        dialogue_date=definition.dialogue.date,
        venue=definition.dialogue.venue,
        deadline=row.effective_deadline,
        timezone=row.timezone,
        generated_at=now,
        since=since,
        final=final,
        categories=categories,
        registered_sentence=registered_sentence,
        submitted_sentence=submitted_sentence,
        by_country=_figures(countries, last=[NOT_GIVEN]),
        by_language=answers.languages(),
        by_gender=_figures(genders, last=[NOT_GIVEN]),
        items=_items(source, answers, submitted),
        outstanding=_outstanding(source, submitted),
        reminders=_reminder_figures(source.ledger, since),
        submissions_by_day=_by_day(source, ZoneInfo(row.timezone)),
        total_answers=answers.total,
        new_answers=answers.new,
        invited=len(_invited(source)),
        since_from=since_from,
        dialogue_sentence=dialogue_sentence(figures),
        gender_sentence=_gender_sentence(source, submitted),
        themes_method=METHOD,
        marking=definition.digest.marking.en if definition.digest.marking else DEFAULT_MARKING,
    )
