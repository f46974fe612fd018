"""Invites issued by the secretariat: one at a time, or in bulk from a CSV file."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from config.consultation import LANGUAGES
from handlers.features.admin import Actor, issue_invite
from handlers.i18n import country_codes
from handlers.text import clean_name
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

_EMAIL = re.compile(r"[^@\s<>(),;:\"]{1,64}@[^@\s<>(),;:\"]+\.[^@\s<>(),;:\".]{2,}")
"""One plain address (no display name); the mail server has the last word on it."""

_CATEGORY_WORDS = {
    "ngo": Category.NGO,
    "non-governmental organization": Category.NGO,
    "non-governmental organisation": Category.NGO,
    "academia": Category.ACADEMIA,
    "private_sector": Category.PRIVATE_SECTOR,
    "private sector": Category.PRIVATE_SECTOR,
    "igo": Category.IGO,
    "intergovernmental organization": Category.IGO,
    "intergovernmental organisation": Category.IGO,
    "other": Category.OTHER,
}


@dataclass(frozen=True)
class InviteRequest:
    """A validated request for one invite."""

    organisation: str
    category: Category
    country: str | None
    consultation: str | None
    max_uses: int = 5
    expires: datetime | None = None
    email: str | None = None
    language: str = "en"
    """The language of the invitation e-mail."""


def parse_category(value: str) -> Category:
    """A category from its code or its name; ValueError names the choices."""
    category = _CATEGORY_WORDS.get(value.strip().lower())
    if category is None:
        raise ValueError(
            f"unknown category {value!r}; use one of {', '.join(c.value for c in Category)}"
        )
    return category


def parse_country(value: str) -> str | None:
    """An ISO 3166 alpha-2 code from a code or a name; empty means none."""
    if not value.strip():
        return None
    code = country_codes().get(value.strip().lower())
    if code is None:
        raise ValueError(f"unknown country {value!r}; use a two-letter code such as AT")
    return code


def validate_request(
    *,
    organisation: str,
    category: str,
    country: str,
    consultation: str,
    max_uses: str,
    expires: str,
    known_consultations: set[str],
    email: str = "",
    language: str = "",
) -> InviteRequest:
    """One invite request from its fields as typed; ValueError says what is wrong."""
    name = clean_name(organisation)
    if not 2 <= len(name) <= 300:
        raise ValueError("organisation name must have 2 to 300 characters")
    consultation_id = consultation.strip() or None
    if consultation_id and consultation_id not in known_consultations:
        raise ValueError(f"no consultation with id {consultation_id!r} is loaded")
    uses = max_uses.strip()
    if not uses.isdigit() or not 1 <= int(uses) <= 1000:
        raise ValueError(f"max_uses must be a whole number from 1 to 1000, not {uses!r}")
    try:
        expiry = datetime.fromisoformat(expires.strip()) if expires.strip() else None
    except ValueError:
        raise ValueError(f"expires {expires!r} is not a date and time") from None
    if expiry is not None and expiry.tzinfo is None:
        raise ValueError("expires needs a time zone, e.g. 2027-05-31T23:59+02:00")
    address = email.strip()
    if address and (len(address) > 320 or not _EMAIL.fullmatch(address)):
        raise ValueError(f"email {address!r} is not an e-mail address such as info@ngo.org")
    lang = language.strip().lower() or "en"
    if lang not in LANGUAGES:
        raise ValueError(f"language {language.strip()!r}: use one of {', '.join(LANGUAGES)}")
    return InviteRequest(
        organisation=name,
        category=parse_category(category),
        country=parse_country(country),
        consultation=consultation_id,
        max_uses=int(uses),
        expires=expiry,
        email=address or None,
        language=lang,
    )


def deep_link(bot_username: str | None, code: str) -> str | None:
    """The Telegram link that opens the bot with the code, when the bot's name is known."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}" if bot_username else None


async def create(store: Store, request: InviteRequest, *, now: datetime, actor: str) -> Invite:
    """Create the organisation if new, and an invite for it."""
    async with store.transaction() as uow:
        if request.consultation and await uow.consultations.get(request.consultation) is None:
            raise ValueError(f"no consultation with id {request.consultation!r} is loaded")
        return await issue_invite(
            uow,
            Actor(actor, "cli", now),
            organisation=request.organisation,
            category=request.category.value,
            consultation_id=request.consultation,
            country=request.country,
            max_uses=request.max_uses,
            expires=request.expires,
            email=request.email,
        )


@dataclass(frozen=True)
class RowProblem:
    """A bad CSV row: its line number and what is wrong."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def parse_csv(
    text: str, known_consultations: set[str]
) -> tuple[list[InviteRequest], list[RowProblem]]:
    """Every row of an invite CSV, validated; problems carry the file's line numbers."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    problems: list[RowProblem] = []
    missing = [name for name in ("organisation", "category") if name not in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if missing or unknown:
        detail = []
        if missing:
            detail.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            detail.append(f"unknown column(s) {', '.join(unknown)}")
        return [], [RowProblem(1, "; ".join(detail) + f" (columns: {', '.join(CSV_COLUMNS)})")]
    requests: list[InviteRequest] = []
    for raw in reader:
        row = {
            (key or "").strip().lower(): (value or "").strip()
            for key, value in raw.items()
            if isinstance(value, str)
        }
        line = reader.line_num
        try:
            requests.append(
                validate_request(
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
            )
        except ValueError as exc:
            problems.append(RowProblem(line, str(exc)))
    if not requests and not problems:
        problems.append(RowProblem(1, "the file has no rows"))
    return requests, problems
