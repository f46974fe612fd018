"""What a digest holds — figures, agenda items, questions, answers — and how its English
reads in United Nations style ("6 September 2027", "1 answer")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale

from bot.digest.themes import Theme
from config.consultation import DEFAULT_MARKING

UNDETERMINED = "und"
NOT_GIVEN = "Not given"
_ENGLISH = Locale.parse("en")
TRANSLATION_SERVICE = "LibreTranslate"
TRANSLATION_MARK = f"Machine translation ({TRANSLATION_SERVICE}), not checked"
"""What stands beside every machine translation in a digest, in every format."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text without the control characters XML (DOCX, XLSX) cannot hold."""
    return _NOT_XML.sub("\ufffd", text)


def un_date(day: date) -> str:
    """A date as United Nations documents write it: '6 September 2027'."""
    return f"{day.day} {day:%B %Y}"


def un_moment(moment: datetime) -> str:
    """A date and time as the digest writes them: '6 September 2027, 09:30'."""
    return f"{un_date(moment)}, {moment:%H:%M}"


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """A number with its noun agreeing: '1 answer', '1,200 answers'."""
    noun = singular if number == 1 else (plural or singular + "s")
    return f"{number:,} {noun}"


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
class MachineTranslation:
    """An answer machine-translated into English, or why it was not."""

    text: str
    """The translation; '' when it failed."""
    failure: str = ""
    """Why there is no translation ('the service did not answer within 10 s'), or ''."""

    @property
    def note(self) -> str:
        """What the digest says beside it: the machine-translation mark, or the failure."""
        if self.failure:
            return f"No machine translation: {self.failure}."
        return TRANSLATION_MARK


@dataclass(frozen=True, slots=True)
class DigestAnswer:
    """One answer as the secretariat reads it: who gave it, whatever they chose for
    publication, and whether and how it may be published."""

    organisation: str
    """The organisation's name, always: the digest is the secretariat's own document."""
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
    publication: str = ""
    """How it may be published ('publishable anonymously', 'not for publication'…)."""
    translation: MachineTranslation | None = None
    """Its machine translation into English, when one was asked for and it is in another
    language."""

    def notes(self) -> list[str]:
        """What is said after its time: its language, a draft, how it may be published."""
        notes = [f"language: {self.language}"] if self.language else []
        if not self.submitted:
            notes.append("draft, not yet submitted")
        if self.publication:
            notes.append(self.publication)
        return notes

    @property
    def translated(self) -> str:
        """The translation with its mark, or why there is none, in one text; '' without."""
        if self.translation is None:
            return ""
        if self.translation.failure:
            return self.translation.note
        return f"[{self.translation.note}] {self.translation.text}"


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
    summary: str = ""
    """A line on the counts (a scale's median and anchors); empty when there is none."""

    def meta(self) -> str:
        """'19 answers · required'."""
        required = "required" if self.required else "optional"
        return f"{counted(len(self.answers), 'answer')} · {required}"

    @property
    def listed(self) -> bool:
        """Whether the document lists each answer: a counted question shows its counts
        only, and its answers organisation by organisation only in the workbook."""
        return not self.counts


@dataclass(frozen=True)
class Contribution:
    """One written answer of a panellist, with the question it answers."""

    question: str
    answer: DigestAnswer


@dataclass(frozen=True)
class Panellist:
    """An organisation on a panel, and its answers on the panel's agenda item."""

    name: str
    contributions: tuple[Contribution, ...]
    registered: bool
    """False when no organisation of that name was invited or took part."""


@dataclass(frozen=True)
class PanelSection:
    """A panel or sub-panel, its organisations in the order the consultation gives them."""

    title: str
    panellists: tuple[Panellist, ...]


@dataclass(frozen=True)
class ItemSection:
    """One agenda item and its questions."""

    number: str
    title: str
    submitted: int
    """Organisations that submitted this agenda item."""
    questions: tuple[QuestionSection, ...]
    panels: tuple[PanelSection, ...] = ()
    themes: tuple[Theme, ...] = ()
    translation: str = ""
    """'Needs translation: 3 in ru, 1 in ar' — written answers not in English — or ''."""

    @property
    def heading(self) -> str:
        """'Agenda item 3: title'."""
        return f"Agenda item {self.number}: {self.title}"

    def submitted_sentence(self) -> str:
        """'Submitted by 19 organizations.'"""
        return f"Submitted by {counted(self.submitted, 'organization')}."


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

    def sentence(self) -> str:
        """The reminders in a sentence."""
        return (
            f"{counted(self.sent, 'reminder')} sent to "
            f"{counted(self.participants_reminded, 'participant')} "
            f"({self.sent_in_period:,} in this period); {self.skipped:,} skipped, "
            f"{self.uncertain:,} uncertain, {self.failed:,} failed."
        )


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
    dialogue_sentence: str = ""
    """Who took part in the dialogue, with the figures the secretariat gave; '' without."""
    gender_sentence: str = ""
    themes_method: str = ""
    docx_template: Path | None = None
    """The Word template its DOCX is written into (`DIGEST_DOCX_TEMPLATE`); None: the bundled."""
    marking: str = DEFAULT_MARKING
    """The header of every page: what the consultation says (`digest.marking`), by default
    that the digest is internal: it names every organisation, whatever it chose."""
    since_from: str = "the previous digest"
    """What the period starts at, in words: the previous digest, the opening (no digest was
    made before), or '' for a moment the secretariat gave."""

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

    def when(self, moment: datetime) -> str:
        """A moment in the consultation's time zone, in words: '6 September 2027, 09:30'."""
        return un_moment(self.local(moment))

    def period(self) -> str:
        """The period the digest covers, in words."""
        until = self.when(self.generated_at)
        if self.since is None:
            return f"All submissions up to {until} ({self.timezone} time)"
        since = self.when(self.since)
        start = f"{self.since_from} on {since}" if self.since_from else since
        return f"Since {start} up to {until} ({self.timezone} time)"

    def participation_lead(self) -> tuple[str, ...]:
        """The Chair's sentences on participation, as every format leads its Participation
        section with them: who took part in the dialogue (with the figures the secretariat
        gave), then who submitted and who registered."""
        submitted = f"{self.submitted_sentence} {self.registered_sentence}"
        return (self.dialogue_sentence, submitted) if self.dialogue_sentence else (submitted,)

    def participation_paragraphs(self) -> tuple[str, ...]:
        """The lead sentences and the sex-disaggregated one, when there are respondents."""
        gender = (self.gender_sentence,) if self.gender_sentence else ()
        return (*self.participation_lead(), *gender)

    def answers_line(self) -> str:
        """How many answers, and how many are new in this period when it has one."""
        line = counted(self.total_answers, "answer")
        if self.since is None:
            return line
        return f"{line}, of which {self.new_answers:,} new in this period"

    def outstanding_sentence(self) -> str:
        """How many invited organisations have not submitted, in a sentence."""
        n = len(self.outstanding)
        verb = "has" if n == 1 else "have"
        return f"{counted(n, 'invited organization')} {verb} not submitted."

    def filename(self, extension: str) -> str:
        """A file name for this digest in a format."""
        kind = "final-digest" if self.final else "digest"
        return f"{kind}-{self.consultation_id}-{self.local(self.generated_at):%Y-%m-%d}.{extension}"
