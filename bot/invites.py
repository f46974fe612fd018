"""Invites issued by the secretariat: one at a time, or in bulk from a CSV file."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from config.consultation import LANGUAGES
from handlers.features.admin.common import Actor
from handlers.features.admin.invites import (
    InvalidInvite,
    Problem,
    invite_category,
    invite_country,
    issue_invite,
    validate_invite,
)
from handlers.features.admin.invites import (
    InviteRequest as InviteRequest,  # Defined with its validation; the bot's faces use it here.
)
from storage.models import Category, Invite
from storage.repositories import Store

CSV_COLUMNS = (
    "organisation",
    "category",
    "country",
    "consultation",
    "max_uses",
    "expires",
    "email",
    "language",
)
"""Columns of an invite CSV; only `organisation` and `category` are required."""

_WORDS: dict[Problem, str] = {
    Problem.NAME: "organisation name must have 2 to 300 characters",
    Problem.CONSULTATION: "no consultation with id {value!r} is loaded",
    Problem.MAX_USES: "max_uses must be a whole number from 1 to 1000, not {value!r}",
    Problem.EXPIRES: "expires {value!r} is not a date and time",
    Problem.EXPIRES_ZONE: "expires needs a time zone, e.g. 2027-05-31T23:59+02:00",
    Problem.EMAIL: "email {value!r} is not an e-mail address such as info@ngo.org",
    Problem.LANGUAGE: "language {value!r}: use one of {languages}",
    Problem.CATEGORY: "unknown category {value!r}; use one of {categories}",
    Problem.COUNTRY: "unknown country {value!r}; use a two-letter code such as AT",
}
"""What is wrong with a requested invite, as the command line and CSV import say it."""


def problem_words(error: InvalidInvite) -> str:
    """The command line's words for what is wrong with a requested invite."""
    return _WORDS[error.problem].format(
        value=error.value,
        languages=", ".join(LANGUAGES),
        categories=", ".join(c.value for c in Category),
    )


def parse_category(value: str) -> Category:
    """A category from its code or its name; ValueError names the choices."""
    try:
        return invite_category(value)
    except InvalidInvite as exc:
        raise ValueError(problem_words(exc)) from None


def parse_country(value: str) -> str | None:
    """An ISO 3166 alpha-2 code from a code or a name; empty means none."""
    try:
        return invite_country(value)
    except InvalidInvite as exc:
        raise ValueError(problem_words(exc)) from None


def validate_request(*, known_consultations: Collection[str], **fields: str) -> InviteRequest:
    """One invite request from its fields as typed (those of `validate_invite`); ValueError
    says what is wrong in the command line's words."""
    try:
        return validate_invite(known_consultations=known_consultations, **fields)
    except InvalidInvite as exc:
        raise ValueError(problem_words(exc)) from None


def deep_link(bot_username: str | None, code: str) -> str | None:
    """The Telegram link that opens the bot with the code, when the bot's name is known."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}" if bot_username else None


async def create(
    store: Store, request: InviteRequest, *, now: datetime, actor: str, channel: str = "cli"
) -> Invite:
    """Create the organisation if new, and an invite for it (audited from `channel`)."""
    async with store.transaction() as uow:
        # Validated against the consultations then loaded; one may have gone since.
        if request.consultation and await uow.consultations.get(request.consultation) is None:
            raise ValueError(
                problem_words(InvalidInvite(Problem.CONSULTATION, request.consultation))
            )
        return await issue_invite(uow, Actor(actor, channel, now), request)


@dataclass(frozen=True)
class RowProblem:
    """A bad CSV row: its line number and what is wrong."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class CsvRow:
    """One row of an invite CSV as read: its line, what it names, and either the request
    it makes or what is wrong with it."""

    line: int
    organisation: str
    category: str
    request: InviteRequest | None
    problem: str | None


def read_csv(text: str, known_consultations: set[str]) -> tuple[list[CsvRow], list[RowProblem]]:
    """Every row of an invite CSV, each validated on its own (for a preview), and the
    problems of the file itself (its columns, no rows); problems carry the file's lines."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ("organisation", "category") if name not in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if missing or unknown:
        detail = []
        if missing:
            detail.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            detail.append(f"unknown column(s) {', '.join(unknown)}")
        return [], [RowProblem(1, "; ".join(detail) + f" (columns: {', '.join(CSV_COLUMNS)})")]
    rows: list[CsvRow] = []
    for raw in reader:
        row = {
            (key or "").strip().lower(): (value or "").strip()
            for key, value in raw.items()
            if isinstance(value, str)
        }
        request, problem = None, None
        try:
            request = validate_request(
                organisation=row.get("organisation", ""),
                category=row.get("category", ""),
                country=row.get("country", ""),
                consultation=row.get("consultation", ""),
                max_uses=row.get("max_uses") or "5",
                expires=row.get("expires", ""),
                known_consultations=known_consultations,
                email=row.get("email", ""),
                language=row.get("language", ""),
            )
        except ValueError as exc:
            problem = str(exc)
        rows.append(
            CsvRow(
                reader.line_num,
                row.get("organisation", ""),
                row.get("category", ""),
                request,
                problem,
            )
        )
    if not rows:
        return [], [RowProblem(1, "the file has no rows")]
    return rows, []


def parse_csv(
    text: str, known_consultations: set[str]
) -> tuple[list[InviteRequest], list[RowProblem]]:
    """Every row of an invite CSV, validated; problems carry the file's line numbers."""
    rows, problems = read_csv(text, known_consultations)
    problems += [RowProblem(r.line, r.problem) for r in rows if r.problem is not None]
    return [r.request for r in rows if r.request is not None], problems
