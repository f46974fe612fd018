"""Invites: the one validation of a requested invite, issuing, withdrawing and listing them.

Every face (the chat's `/admin invite create`, the command line, a CSV import) validates
with `validate_invite`, which says what is wrong as an `InvalidInvite` problem; each face
words it in its own way (`problem_text` in the administrator's language for the chat).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from config.consultation import LANGUAGES
from handlers.features.admin.common import Actor, AdminError, audit
from handlers.i18n import Translator, country_codes
from handlers.text import clean_name
from storage.models import Category, Invite, Organisation
from storage.repositories import UnitOfWork

MAX_USES = 1000
"""The most participants one invite code may register."""

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


class Problem(StrEnum):
    """What can be wrong with a requested invite, field by field."""

    NAME = "name"
    CONSULTATION = "consultation"
    MAX_USES = "max_uses"
    EXPIRES = "expires"
    EXPIRES_ZONE = "expires_zone"
    EMAIL = "email"
    LANGUAGE = "language"
    CATEGORY = "category"
    COUNTRY = "country"


class InvalidInvite(ValueError):
    """A field of a requested invite that cannot be used: the problem and the value given."""

    def __init__(self, problem: Problem, value: str) -> None:
        super().__init__(f"{problem}: {value!r}")
        self.problem = problem
        self.value = value


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


def invite_category(value: str) -> Category:
    """A category from its code or its name; InvalidInvite otherwise."""
    category = _CATEGORY_WORDS.get(value.strip().lower())
    if category is None:
        raise InvalidInvite(Problem.CATEGORY, value)
    return category


def invite_country(value: str) -> str | None:
    """An ISO 3166 alpha-2 code from a code or a name in a UN language; empty means none."""
    if not value.strip():
        return None
    code = country_codes().get(value.strip().lower())
    if code is None:
        raise InvalidInvite(Problem.COUNTRY, value)
    return code


def validate_invite(
    *,
    organisation: str,
    category: str,
    known_consultations: Collection[str],
    country: str = "",
    consultation: str = "",
    max_uses: str = "5",
    expires: str = "",
    email: str = "",
    language: str = "",
) -> InviteRequest:
    """One invite request from its fields as typed; InvalidInvite names the first problem."""
    name = clean_name(organisation)
    if not 2 <= len(name) <= 300:
        raise InvalidInvite(Problem.NAME, organisation)
    consultation_id = consultation.strip() or None
    if consultation_id and consultation_id not in known_consultations:
        raise InvalidInvite(Problem.CONSULTATION, consultation_id)
    uses = max_uses.strip()
    if not uses.isdecimal() or not 1 <= int(uses) <= MAX_USES:
        raise InvalidInvite(Problem.MAX_USES, uses)
    try:
        expiry = datetime.fromisoformat(expires.strip()) if expires.strip() else None
    except ValueError:
        raise InvalidInvite(Problem.EXPIRES, expires) from None
    if expiry is not None and expiry.tzinfo is None:
        raise InvalidInvite(Problem.EXPIRES_ZONE, expires)
    address = email.strip()
    if address and (len(address) > 320 or not _EMAIL.fullmatch(address)):
        raise InvalidInvite(Problem.EMAIL, address)
    lang = language.strip().lower() or "en"
    if lang not in LANGUAGES:
        raise InvalidInvite(Problem.LANGUAGE, language.strip())
    return InviteRequest(
        organisation=name,
        category=invite_category(category),
        country=invite_country(country),
        consultation=consultation_id,
        max_uses=int(uses),
        expires=expiry,
        email=address or None,
        language=lang,
    )


def problem_text(t: Translator, error: InvalidInvite) -> str:
    """What is wrong with a requested invite, in the administrator's language."""
    value = error.value.strip()[:40]
    match error.problem:
        case Problem.NAME:
            return t._("An organisation name has 2 to 300 characters.")
        case Problem.CONSULTATION:
            return t._("There is no consultation {id}.", id=value)
        case Problem.MAX_USES:
            return t._(
                "The number of uses is a whole number from 1 to 1000, not {value}.", value=value
            )
        case Problem.EXPIRES:
            return t._(
                "{value} is not a date and time such as 2027-05-31T23:59+02:00.", value=value
            )
        case Problem.EXPIRES_ZONE:
            return t._("The expiry needs a time zone, such as 2027-05-31T23:59+02:00.")
        case Problem.EMAIL:
            return t._("{value} is not an e-mail address such as info@ngo.org.", value=value)
        case Problem.LANGUAGE:
            return t._("Use one of these languages: {languages}.", languages=", ".join(LANGUAGES))
        case Problem.CATEGORY:
            return t._(
                "Unknown category {value}; use one of {choices}.",
                value=error.value[:30],
                choices=", ".join(Category),
            )
        case Problem.COUNTRY:
            return t._("Unknown country {value}; use a two-letter code such as AT.", value=value)


async def create_invite(
    uow: UnitOfWork,
    t: Translator,
    actor: Actor,
    *,
    consultation_id: str | None,
    category: str,
    organisation: str,
) -> Invite:
    """An invite for an organisation (created if new) to one consultation or all."""
    try:
        request = validate_invite(
            organisation=organisation,
            category=category,
            consultation=consultation_id or "",
            known_consultations=await uow.consultations.ids(),
        )
    except InvalidInvite as exc:
        raise AdminError(problem_text(t, exc)) from None
    return await issue_invite(uow, actor, request)


async def issue_invite(uow: UnitOfWork, actor: Actor, request: InviteRequest) -> Invite:
    """An invite for an organisation (found by its name, or created), in the audit log.

    The organisation's category and country are kept as first given.
    """
    found = await uow.organisations.by_name(request.organisation)
    if found is None:
        found = await uow.organisations.add(
            Organisation(
                name=request.organisation,
                category=request.category.value,
                country=request.country,
                created_at=actor.now,
            )
        )
    invite = await uow.invites.add(
        Invite(
            code="",
            organisation_id=found.id,
            consultation_id=request.consultation,
            email=request.email,
            max_uses=request.max_uses,
            uses=0,
            expires_at=request.expires,
            created_at=actor.now,
        )
    )
    invite.organisation = found  # Known already: no lazy load outside the session's await.
    audit(uow, actor, "invite.created", code=invite.code, organisation=found.name)
    return invite


async def revoke_invite(uow: UnitOfWork, t: Translator, actor: Actor, code: str) -> str:
    """Withdraw an invite code; participants who joined with it keep their access."""
    invite = await uow.invites.by_code(code.strip().upper())
    if invite is None:
        raise AdminError(t._("There is no invite code {code}.", code=code.strip()[:40]))
    if invite.revoked_at is None:
        invite.revoked_at = actor.now
    audit(uow, actor, "invite.revoked", code=invite.code)
    return t._("Invite {code} is withdrawn.", code=invite.code)


async def invite_lines(uow: UnitOfWork, t: Translator, consultation_id: str | None) -> list[str]:
    """One line per invite: code, organisation, consultation, uses and state."""
    lines = []
    for invite in await uow.invites.list(consultation_id):
        state = t._("withdrawn") if invite.revoked_at else t._("valid")
        lines.append(
            f"{invite.code} · {invite.organisation.name} · {invite.consultation_id or '*'}"
            f" · {invite.uses}/{invite.max_uses} · {state}"
        )
    return lines or [t._("There are no invites.")]
