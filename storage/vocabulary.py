"""The vocabulary of the tables: every state, status and kind a column stores, as an enum.

`storage.models` stores them (as VARCHAR, see `stored_enum`) and re-exports them, so a
reader finds them under either name.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """The kinds of stakeholder organisation, as the Chair's summaries count them."""

    NGO = "ngo"
    ACADEMIA = "academia"
    PRIVATE_SECTOR = "private_sector"
    IGO = "igo"
    OTHER = "other"


class Credit(StrEnum):
    """How a participant chose to be credited where comments are published."""

    NAMED = "named"
    ORGANISATION = "organisation"
    ANONYMOUS = "anonymous"


class Gender(StrEnum):
    """A respondent's answer to the optional gender question (stored as given, except that
    "rather not say" is stored as nothing)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNDISCLOSED = "undisclosed"


class ParticipantStatus(StrEnum):
    """Where a participant stands with the secretariat."""

    ACTIVE = "active"
    PENDING = "pending"
    REJECTED = "rejected"
    ERASED = "erased"


class SubmissionStatus(StrEnum):
    """The life of one participant's submission for one agenda item."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    REOPENED = "reopened"


class ConsentKind(StrEnum):
    """What a participant consents to."""

    PROCESSING = "processing"
    PUBLICATION = "publication"


class ConversationState(StrEnum):
    """Where a participant is in the conversation; stored on the participant row (the
    conversation calls it `handlers.conversation.State`)."""

    LANGUAGE = "language"
    CONSENT = "consent"
    PUBLICATION = "publication"
    CREDIT = "credit"
    CREDIT_NAME = "credit_name"
    """The respondent's name, for comments published with it (also from /mydata name)."""
    PROFILE = "profile"
    PROFILE_NAME = "profile_name"
    PROFILE_CATEGORY = "profile_category"
    PROFILE_COUNTRY = "profile_country"
    GENDER = "gender"
    REFUSED = "refused"
    HOME = "home"
    AGENDA = "agenda"
    QUESTION = "question"
    REVIEW = "review"
    FORGET = "forget"
    PENDING = "pending"
    """Onboarded, waiting for the secretariat's approval (or told it was refused)."""


class DeliveryStatus(StrEnum):
    """Where one outbound delivery stands; `sending` left behind by a crash is uncertain."""

    SENDING = "sending"
    SENT = "sent"
    UNCERTAIN = "uncertain"
    FAILED = "failed"
    SKIPPED = "skipped"
