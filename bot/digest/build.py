"""The digest's content: read once from the database into a `Digest`, then rendered.

`build` reads what a consultation holds; `assemble` is the pure part that turns those
rows into figures, sentences and sections, so the same input always gives the same digest.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale

from bot.digest.words import participation_sentence
from bot.export import credited_as
from bot.reminders import definition_of
from config.consultation import Question
from handlers import questions as question_types
from handlers.features.onboarding import category_label
from handlers.i18n import translator
from handlers.text import contained
from storage.models import (
    AgendaItemRow,
    Category,
    ConsultationRow,
    Credit,
    Delivery,
    DeliveryStatus,
    Invite,
    Participant,
    QuestionRow,
    SubmissionStatus,
)
from storage.repositories import Store

KIND = "digest"
"""The ledger kind of a digest."""

CATEGORY_ORDER = tuple(Category)
GENDER_LABELS = {"female": "Female", "male": "Male", "other": "Another gender"}
UNDETERMINED = "und"
NOT_GIVEN = "Not given"
_ENGLISH = Locale.parse("en")
_SUBMITTED = frozenset({SubmissionStatus.SUBMITTED, SubmissionStatus.REOPENED})
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text without the control characters XML (DOCX, XLSX) cannot hold."""
    return _NOT_XML.sub("\ufffd", text)


@dataclass(frozen=True)
class Figure:
    """A label and how many."""

    label: str
    count: int


@dataclass(frozen=True)
class CategoryFigures:
    """Organisations of one category: invited, registered, submitted."""

    category: str
    label: str
    invited: int
    registered: int
    submitted: int


@dataclass(frozen=True, slots=True)
class DigestAnswer:
    """One answer as the secretariat reads it."""

    organisation: str
    """As the author chose to be credited."""
    category: str
    country: str
    language: str
    """The detected language code of a free-text answer ('und' when unclear), else ''."""
    answered_at: datetime
    text: str
    new: bool
    """Given or changed since the previous digest."""
    submitted: bool
    """False while the agenda item is a draft the author has not submitted."""


@dataclass(frozen=True)
class QuestionSection:
    """One question with every answer and, for a type the digest counts, the counts."""

    key: str
    text: str
    type: str
    group: str | None
    required: bool
    answers: tuple[DigestAnswer, ...]
    counts: tuple[Figure, ...]


@dataclass(frozen=True)
class ItemSection:
    """One agenda item and its questions."""

    number: str
    title: str
    submitted: int
    """Organisations that submitted this agenda item."""
    questions: tuple[QuestionSection, ...]

    @property
    def heading(self) -> str:
        """'Agenda item 3: title'."""
        return f"Agenda item {self.number}: {self.title}"


@dataclass(frozen=True)
class OutstandingOrganisation:
    """An invited organisation that has not submitted anything yet."""

    name: str
    category: str
    country: str
    registered: bool


@dataclass(frozen=True)
class ReminderFigures:
    """Reminders of the consultation, from the ledger."""

    sent: int = 0
    sent_in_period: int = 0
    skipped: int = 0
    uncertain: int = 0
    failed: int = 0
    participants_reminded: int = 0


@dataclass(frozen=True)
class Digest:
    """Everything a digest shows for one consultation and one period."""

    consultation_id: str
    title: str
    short_title: str
    dialogue_title: str
    dialogue_date: date
    venue: str
    deadline: datetime
    timezone: str
    generated_at: datetime
    since: datetime | None
    final: bool
    categories: tuple[CategoryFigures, ...]
    registered_sentence: str
    submitted_sentence: str
    by_country: tuple[Figure, ...]
    by_language: tuple[Figure, ...]
    by_gender: tuple[Figure, ...]
    items: tuple[ItemSection, ...]
    outstanding: tuple[OutstandingOrganisation, ...]
    reminders: ReminderFigures
    submissions_by_day: tuple[tuple[date, int], ...]
    """Submissions (agenda items submitted) per day, in the consultation's time zone."""
    total_answers: int = 0
    new_answers: int = 0
    invited: int = field(default=0)

    @property
    def zone(self) -> ZoneInfo:
        """The consultation's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def registered(self) -> int:
        """Organisations registered."""
        return sum(c.registered for c in self.categories)

    @property
    def submitted(self) -> int:
        """Organisations that submitted at least one agenda item."""
        return sum(c.submitted for c in self.categories)

    @property
    def label(self) -> str:
        """'Digest' or 'Final digest'."""
        return "Final digest" if self.final else "Digest"

    def local(self, moment: datetime) -> datetime:
        """A moment in the consultation's time zone."""
        return moment.astimezone(self.zone)

    def period(self) -> str:
        """The period the digest covers, in words."""
        until = f"{self.local(self.generated_at):%d %B %Y, %H:%M}"
        if self.since is None:
            return f"All submissions up to {until} ({self.timezone} time)"
        since = f"{self.local(self.since):%d %B %Y, %H:%M}"
        return f"Since the previous digest of {since} up to {until} ({self.timezone} time)"

    def filename(self, extension: str) -> str:
        """A file name for this digest in a format."""
        kind = "final-digest" if self.final else "digest"
        return f"{kind}-{self.consultation_id}-{self.local(self.generated_at):%Y-%m-%d}.{extension}"


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


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
    submissions: Sequence[SubmissionRow]
    invites: Sequence[Invite]
    audience: Sequence[Participant]
    participants: Sequence[Participant]
    ledger: Sequence[Delivery]


async def read(store: Store, consultation_id: str) -> Source:
    """Everything a digest of this consultation needs, in one transaction."""
    async with store.transaction() as uow:
        row = await uow.consultations.get(consultation_id)
        if row is None:
            raise LookupError(f"no consultation with id {consultation_id!r} is loaded")
        participants = await uow.reports.participants()
        questions = await uow.consultations.questions_of(consultation_id)
        answers = await uow.reports.answer_rows(consultation_id)
        counted = {q.id for q in questions if question_types.kind(q.type).counted}
        authors = {p.id: p for p in participants}
        for participant_id in sorted({answer[0] for answer in answers} - authors.keys()):
            # Only a participant who erased their data is left out of `participants`, and
            # erasing deletes their answers too: one by one is enough for what is left.
            author = await uow.participants.get(participant_id)
            if author is not None:
                authors[participant_id] = author
        return Source(
            consultation=row,
            items=await uow.consultations.items(consultation_id),
            questions=questions,
            answers=answers,
            values=await uow.reports.answer_counts(counted),
            authors=authors,
            submissions=await uow.reports.submission_rows(consultation_id),
            invites=[
                invite
                for invite in await uow.reports.invites()
                if invite.consultation_id in (consultation_id, None) and invite.revoked_at is None
            ],
            # Every one of them is in `participants` (active): not loaded a second time.
            audience=[authors[pid] for pid in await uow.reports.audience_ids(consultation_id)],
            participants=participants,
            ledger=await uow.deliveries.of_consultation(consultation_id),
        )


async def previous_digest(store: Store, consultation_id: str) -> datetime | None:
    """When the last digest of this consultation went out, if one did."""
    async with store.transaction() as uow:
        rows = await uow.deliveries.of_consultation(consultation_id, KIND)
    sent = [row.created_at for row in rows if row.status == DeliveryStatus.SENT]
    return max(sent, default=None)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a digest is made or rendered.

    A digest of 10,000 submissions allocates some million objects that form no cycles; the
    collector would walk them again and again as they accumulate (a third of the time of
    such a build and its HTML, measured in docs/performance.md). Whatever the rest of the
    process allocates meanwhile is collected once the collector is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def build(
    store: Store,
    consultation_id: str,
    *,
    now: datetime,
    since: datetime | None = None,
    final: bool = False,
) -> Digest:
    """The digest of a consultation at `now`, marking what is new since `since`."""
    with collector_paused():
        return assemble(await read(store, consultation_id), now=now, since=since, final=final)


# ---------------------------------------------------------------------------
# Assembling (pure)
# ---------------------------------------------------------------------------


def country_name(code: str | None) -> str:
    """A country's English name from its ISO code; 'Not given' without one."""
    if not code:
        return NOT_GIVEN
    return str(_ENGLISH.territories.get(code.upper(), code.upper()))


def language_name(code: str) -> str:
    """A language's English name from its code, e.g. 'French (fr)'."""
    if code == UNDETERMINED:
        return "Undetermined (und)"
    return f"{_ENGLISH.languages.get(code, code)} ({code})"


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


def _counts(
    question: Question, values: Iterable[tuple[Mapping[str, Any], int]]
) -> tuple[Figure, ...]:
    """The counts of a question from its distinct values and how many answers hold each."""
    return tuple(Figure(label, n) for label, n in question_types.tally(question, values))


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


def assemble(source: Source, *, now: datetime, since: datetime | None, final: bool) -> Digest:
    """Turn the rows of a consultation into its digest."""
    row = source.consultation
    definition = definition_of(row)
    zone = ZoneInfo(row.timezone)
    english = translator("en")

    by_id = {p.id: p for p in source.participants}
    submitted_pairs = {
        (participant_id, item_id)
        for participant_id, item_id, status, _ in source.submissions
        if status in _SUBMITTED and participant_id in by_id
    }
    submitters = {pid for pid, _ in submitted_pairs}

    def organisation_of(participant_id: int) -> tuple[int, str, str, str | None] | None:
        participant = by_id.get(participant_id)
        organisation = participant.organisation if participant else None
        if organisation is None:
            return None
        return organisation.id, organisation.name, organisation.category, organisation.country

    invited = {invite.organisation.id: invite.organisation for invite in source.invites}
    registered = {
        p.organisation.id: p.organisation for p in source.audience if p.organisation is not None
    }
    submitted_orgs = {
        found[0]: found for pid in submitters if (found := organisation_of(pid)) is not None
    }

    def by_category(ids: Iterable[str]) -> Counter[str]:
        return Counter(ids)

    invited_by = by_category(o.category for o in invited.values())
    registered_by = by_category(o.category for o in registered.values())
    submitted_by = by_category(found[2] for found in submitted_orgs.values())
    categories = tuple(
        CategoryFigures(
            category=category.value,
            label=category_label(english, category.value),
            invited=invited_by[category.value],
            registered=registered_by[category.value],
            submitted=submitted_by[category.value],
        )
        for category in CATEGORY_ORDER
    )

    by_country = _figures(
        Counter(country_name(found[3]) for found in submitted_orgs.values()), last=[NOT_GIVEN]
    )
    questions_by_item: dict[int, list[QuestionRow]] = {}
    for question in source.questions:
        questions_by_item.setdefault(question.agenda_item_id, []).append(question)
    # Each answer is looked at once: grouped by question here, its author's name, category
    # and country worked out once per author below, not once per answer.
    answers_by_question: dict[int, list[AnswerRow]] = {q.id: [] for q in source.questions}
    for answer in source.answers:
        mine = answers_by_question.get(answer[1])
        if mine is not None:  # None: a retired question, left out of the digest
            mine.append(answer)
    values_by_question: dict[int, list[tuple[Mapping[str, Any], int]]] = {}
    for question_id, value, n in source.values:
        values_by_question.setdefault(question_id, []).append((value, n))
    text_questions = [q.id for q in source.questions if question_types.kind(q.type).free_text]
    languages = Counter(
        answer[3] or UNDETERMINED for qid in text_questions for answer in answers_by_question[qid]
    )
    by_language = _figures(
        Counter({language_name(code): n for code, n in languages.items()}),
        last=[language_name(UNDETERMINED)],
    )
    genders = Counter(GENDER_LABELS.get(by_id[pid].gender or "", NOT_GIVEN) for pid in submitters)
    by_gender = _figures(genders, last=[NOT_GIVEN])

    # Each author as the digest shows them beside an answer: name, category, country.
    credits = {
        pid: (
            contained(credited_as(author)),
            category_label(english, author.organisation.category) if author.organisation else "",
            ""
            if author.credit == Credit.ANONYMOUS or author.organisation is None
            else country_name(author.organisation.country).replace(NOT_GIVEN, ""),
        )
        for pid, author in source.authors.items()
    }

    submitted_by_item: dict[int, set[int]] = {item.id: set() for item in source.items}
    for pid, item_id in submitted_pairs:
        if item_id in submitted_by_item and (found := organisation_of(pid)) is not None:
            submitted_by_item[item_id].add(found[0])

    items = []
    for item in source.items:
        sections = []
        for question in questions_by_item.get(item.id, []):
            spec = Question.model_validate(question.spec)
            mine = answers_by_question[question.id]
            text = question_types.kind(question.type).free_text
            answers = []
            for pid, _, answer_text, language, updated_at in mine:
                organisation, category, country = credits[pid]
                answers.append(
                    DigestAnswer(
                        organisation=organisation,
                        category=category,
                        country=country,
                        language=(language or UNDETERMINED) if text else "",
                        answered_at=updated_at.astimezone(zone),
                        text=contained(answer_text),
                        new=since is not None and updated_at > since,
                        submitted=(pid, item.id) in submitted_pairs,
                    )
                )
            sections.append(
                QuestionSection(
                    key=question.key,
                    text=spec.text.en,
                    type=question.type,
                    group=_english(question.group_title) or None,
                    required=question.required,
                    answers=tuple(answers),
                    counts=_counts(spec, values_by_question.get(question.id, [])),
                )
            )
        items.append(
            ItemSection(
                number=item.number,
                title=_english(item.title),
                submitted=len(submitted_by_item[item.id]),
                questions=tuple(sections),
            )
        )

    outstanding = tuple(
        OutstandingOrganisation(
            name=contained(organisation.name),
            category=category_label(english, organisation.category),
            country=country_name(organisation.country).replace(NOT_GIVEN, ""),
            registered=organisation_id in registered,
        )
        for organisation_id, organisation in sorted(
            invited.items(), key=lambda kv: kv[1].name.casefold()
        )
        if organisation_id not in submitted_orgs
    )

    days = Counter(
        submitted_at.astimezone(zone).date()
        for _, _, status, submitted_at in source.submissions
        if status in _SUBMITTED and submitted_at is not None
    )
    counts = {c.category: c.submitted for c in categories}
    registered_counts = {c.category: c.registered for c in categories}
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
        registered_sentence=participation_sentence(
            registered_counts,
            "registered to take part",
            nobody="No organization has registered yet.",
        ),
        submitted_sentence=participation_sentence(
            counts,
            "submitted written comments",
            nobody="No organization has submitted written comments yet.",
        ),
        by_country=by_country,
        by_language=by_language,
        by_gender=by_gender,
        items=tuple(items),
        outstanding=outstanding,
        reminders=_reminder_figures(source.ledger, since),
        submissions_by_day=tuple(sorted(days.items())),
        total_answers=sum(len(mine) for mine in answers_by_question.values()),
        new_answers=sum(
            1
            for mine in answers_by_question.values()
            for answer in mine
            if since is not None and answer[4] > since
        ),
        invited=len(invited),
    )
