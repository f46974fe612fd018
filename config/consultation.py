"""Consultation definitions: the YAML schema, its loader and its validator.

A secretariat officer writes one YAML file per consultation. `load_consultations`
returns validated `Consultation` objects or raises a `ConfigError` listing every
problem with its file, its path (``agenda_items[2].questions[0].choices``) and a fix.
A question's own schema, and the checks each question type registers, are in
`config.questions`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from config.digest import DEFAULT_MARKING as DEFAULT_MARKING
from config.digest import Destination as Destination
from config.digest import DestinationKind as DestinationKind
from config.digest import DigestSettings as DigestSettings
from config.digest import Weekday as Weekday
from config.digest import WeeklyDigest as WeeklyDigest
from config.errors import ConfigError, Problem
from config.localized import LANGUAGES as LANGUAGES
from config.localized import Localized as Localized
from config.localized import Text as Text
from config.problems import pydantic_problems, without_unknown_keys
from config.questions import Choice as Choice
from config.questions import Question as Question
from config.questions import QuestionType as QuestionType
from config.questions import question_problems

_DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


class QuestionGroup(BaseModel):
    """A titled group of questions inside an agenda item (a sub-panel)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    questions: list[Question] = Field(min_length=1)


class Panel(BaseModel):
    """A panel or sub-panel of an agenda item: its title and the organisations on it, in
    the order they speak (as the invites name them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    organisations: list[str] = Field(min_length=1)


class AgendaItem(BaseModel):
    """An agenda item of the dialogue, with its questions (directly or in groups)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: str
    title: Text
    description: Text | None = None
    questions: list[Question] = Field(default_factory=list)
    question_groups: list[QuestionGroup] = Field(default_factory=list)
    panels: list[Panel] = Field(default_factory=list)
    """The panels or sub-panels of the item, for the digest to group their contributions."""

    def all_questions(self) -> list[tuple[Localized | None, Question]]:
        """Every question in order, with the title of the group it belongs to."""
        ordered: list[tuple[Localized | None, Question]] = [(None, q) for q in self.questions]
        for group in self.question_groups:
            ordered.extend((group.title, q) for q in group.questions)
        return ordered


class Attendance(BaseModel):
    """Non-governmental stakeholders who took part in the dialogue, by category."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ngo: int = Field(default=0, ge=0)
    academia: int = Field(default=0, ge=0)
    private_sector: int = Field(default=0, ge=0)
    other: int = Field(default=0, ge=0)


class Participation(BaseModel):
    """Figures of the dialogue only the secretariat knows, for the Chair's sentence:
    "… participated in the constructive dialogue, in addition to 47 States parties and
    one intergovernmental organization"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    states_parties: int | None = Field(default=None, ge=0)
    intergovernmental_organizations: int | None = Field(default=None, ge=0)
    attendance: Attendance | None = None


class Dialogue(BaseModel):
    """The meeting the inputs are collected for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    date: date
    venue: str = "Vienna International Centre"
    timezone: str = "Europe/Vienna"
    participation: Participation = Field(default_factory=Participation)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


def _duration(value: Any) -> Any:
    if isinstance(value, str) and not value.startswith("P"):
        # ISO 8601 ("P14D", as the definition is stored) is left to pydantic.
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a duration such as 14d, 12h or 30m")
        amount, unit = int(match.group(1)), match.group(2)
        return timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: amount})
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class QuietHours(BaseModel):
    """Local hours in which no reminder is sent (except the last one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time = time(21, 0)
    end: time = time(8, 0)


class Reminders(BaseModel):
    """When stakeholders with missing answers are reminded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offsets: list[Duration] = Field(
        default_factory=lambda: [
            timedelta(days=14),
            timedelta(days=7),
            timedelta(days=2),
            timedelta(days=1),
            timedelta(hours=3),
        ]
    )
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    grace: Duration = timedelta(hours=12)


def _moment(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        raise ValueError("give a time too: a date alone would mean midnight at its start")
    return value


Moment = Annotated[datetime, BeforeValidator(_moment)]


class Consultation(BaseModel):
    """One consultation: a dialogue, its submission window and its agenda items."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: Text
    short_title: Text | None = None
    """A title short enough for a button; the title is used when it is not given."""
    working_group: Text
    dialogue: Dialogue
    opens: Moment
    deadline: Moment
    requires_approval: bool = False
    agenda_items: list[AgendaItem] = Field(min_length=1)
    reminders: Reminders = Field(default_factory=Reminders)
    digest: DigestSettings = Field(default_factory=DigestSettings)

    @property
    def zone(self) -> ZoneInfo:
        """The consultation's time zone."""
        return ZoneInfo(self.dialogue.timezone)

    def aware(self, moment: datetime) -> datetime:
        """A datetime of this file, read in the consultation's time zone when naive."""
        return moment if moment.tzinfo else moment.replace(tzinfo=self.zone)


# ---------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------


class _Window(BaseModel):
    """The keys the submission window is checked from, read apart from the rest."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    dialogue: Dialogue
    opens: Moment
    deadline: Moment

    def moments(self) -> tuple[datetime, datetime]:
        """The opening and the deadline, as written."""
        return self.opens, self.deadline


M = TypeVar("M", bound=BaseModel)


def _valid(model: type[M], data: Any) -> M | None:
    """`data` as a `model` when it is a valid one on its own, else None (its errors are
    reported by the validation of the whole file)."""
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _entries(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _semantic_problems(source: str, data: dict[str, Any]) -> list[Problem]:
    """Checks that need more than one field at a time, run on every part of the file that is
    valid on its own: a mistake elsewhere does not hide them."""
    problems: list[Problem] = []

    def add(path: str, message: str, fix: str) -> None:
        problems.append(Problem(source=source, path=path, message=message, fix=fix))

    if isinstance(data.get("id"), str) and not _ID.fullmatch(data["id"]):
        add("id", "must be lower-case letters, digits, '-', '_' or '.'", "use an id like wgic-14")
    window = _valid(_Window, data)
    if window is not None:
        zone = ZoneInfo(window.dialogue.timezone)
        opens, deadline = (m if m.tzinfo else m.replace(tzinfo=zone) for m in window.moments())
        if deadline <= opens:
            add(
                "deadline", "the deadline is not after the opening", "set deadline later than opens"
            )
        if deadline > datetime.combine(window.dialogue.date, time(0), zone) + timedelta(days=1):
            add(
                "deadline",
                "the deadline falls after the dialogue",
                "set the deadline on or before dialogue.date",
            )
    numbers: set[str] = set()
    question_ids: set[str] = set()
    for i, item in enumerate(_entries(data.get("agenda_items"))):
        if not isinstance(item, dict):
            continue
        base = f"agenda_items[{i}]"
        number = item.get("number")
        if isinstance(number, str):
            if number in numbers:
                add(f"{base}.number", f"agenda item {number} appears twice", "number each once")
            numbers.add(number)
        if not item.get("questions") and not item.get("question_groups"):
            add(base, "no questions", "add questions or question_groups")
        located = [
            (f"{base}.questions[{j}]", q) for j, q in enumerate(_entries(item.get("questions")))
        ]
        for g, group in enumerate(_entries(item.get("question_groups"))):
            inside = _entries(group.get("questions")) if isinstance(group, dict) else []
            located += [
                (f"{base}.question_groups[{g}].questions[{j}]", q) for j, q in enumerate(inside)
            ]
        problems += _question_problems(source, located, question_ids)
    return problems


def _question_problems(
    source: str, located: list[tuple[str, Any]], question_ids: set[str]
) -> list[Problem]:
    """What is wrong with the questions that are valid on their own, given by their paths
    (`question_ids`: the ids seen before them, to which theirs are added)."""
    problems: list[Problem] = []
    for path, raw in located:
        question = _valid(Question, raw)
        if question is None:
            continue
        if not _ID.fullmatch(question.id):
            problems.append(
                Problem(
                    source,
                    f"{path}.id",
                    "must be lower-case letters, digits, '-', '_' or '.'",
                    "rename it",
                )
            )
        if question.id in question_ids:
            problems.append(
                Problem(
                    source,
                    f"{path}.id",
                    f"question id {question.id!r} is used twice",
                    "make ids unique",
                )
            )
        question_ids.add(question.id)
        problems += [
            Problem(source, f"{path}.{p.name}", p.message, p.fix)
            for p in question_problems(question)
        ]
    return problems


def parse_consultation(source: str, text: str) -> Consultation:
    """Parse and validate one YAML document; raise ConfigError with every problem."""
    try:
        data = yaml.safe_load(text)
    except ValueError as exc:  # an impossible date such as 2027-02-30
        raise ConfigError(
            [Problem(source, "", f"not a valid value ({exc})", "correct the date or number")]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            [
                Problem(
                    source,
                    where,
                    f"not valid YAML ({getattr(exc, 'problem', exc)})",
                    "check the indentation and quoting there",
                )
            ]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            [Problem(source, "", "the file does not hold a mapping", "start with `id: ...`")]
        )
    try:
        consultation: Consultation | None = Consultation.model_validate(data)
        problems: list[Problem] = []
    except ValidationError as exc:
        consultation = None
        problems = pydantic_problems(source, exc)
        data = without_unknown_keys(data, exc)
    problems += _semantic_problems(source, data)
    if problems or consultation is None:
        raise ConfigError(problems)
    return consultation


def consultation_files(path: Path) -> list[Path]:
    """The YAML files at `path`: the file itself, or every *.yaml/*.yml in the directory."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"})
    return [path]


def load_consultations(path: Path, *, named_by: str = "CONSULTATIONS_PATH") -> list[Consultation]:
    """Load every consultation at `path`; raise ConfigError listing all problems in all files.

    Args:
        path: A YAML file or a directory of them.
        named_by: Who gave `path`, for the fix when it does not exist: the variable
            (`CONSULTATIONS_PATH`) or "the command line".
    """
    if not path.exists():
        fix = (
            f"point {named_by} at a YAML file or a directory of them"
            if named_by.isupper()
            else f"check the path given on {named_by}"
        )
        raise ConfigError([Problem(str(path), "", "does not exist", fix)])
    if not consultation_files(path):
        raise ConfigError(
            [Problem(str(path), "", "no .yaml or .yml file here", "add a consultation file")]
        )
    problems: list[Problem] = []
    consultations: list[Consultation] = []
    seen: dict[str, Path] = {}
    for file in consultation_files(path):
        try:
            consultation = parse_consultation(str(file), file.read_text(encoding="utf-8"))
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        if consultation.id in seen:
            problems.append(
                Problem(
                    str(file),
                    "id",
                    f"id {consultation.id!r} is also used by {seen[consultation.id]}",
                    "give each consultation its own id",
                )
            )
            continue
        seen[consultation.id] = file
        consultations.append(consultation)
    if problems:
        raise ConfigError(problems)
    return consultations


def missing_translations(consultation: Consultation) -> dict[str, int]:
    """For each language, how many texts of the consultation fall back to English."""
    counts = dict.fromkeys(LANGUAGES, 0)

    def visit(node: Any) -> None:
        if isinstance(node, Localized):
            for lang in node.missing():
                counts[lang] += 1
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                visit(getattr(node, name))
        elif isinstance(node, list):
            for entry in node:
                visit(entry)

    visit(consultation)
    return {lang: n for lang, n in counts.items() if n}
