"""The tables. Every datetime is stored in UTC and comes back timezone-aware."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.vocabulary import (
    Category,
    ConsentKind,
    ConversationState,
    Credit,
    DeliveryStatus,
    Gender,
    ParticipantStatus,
    SubmissionStatus,
)

# The enums the columns store, re-exported: `from storage.models import Category` stays valid.
__all__ = [
    "Category",
    "ConsentKind",
    "ConversationState",
    "Credit",
    "DeliveryStatus",
    "Gender",
    "ParticipantStatus",
    "SubmissionStatus",
]


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp kept as naive UTC in the database and handed out as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        date: Date(),
    }


def stored_enum(kind: type[StrEnum], *, length: int = 20) -> Enum:
    """A column type for `kind`: its members' values in a VARCHAR(20), as the schema has
    always stored them (no database enum type, no constraint: a new member needs no
    migration); read back as members."""
    return Enum(
        kind,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


class Organisation(Base):
    """A stakeholder organisation: an NGO, a university, a company."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[Category] = mapped_column(stored_enum(Category))
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime]


class Participant(Base):
    """One person answering on behalf of an organisation, with their conversation state."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invites.id"))
    status: Mapped[ParticipantStatus] = mapped_column(
        stored_enum(ParticipantStatus), default=ParticipantStatus.ACTIVE
    )
    display_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(20))
    credit: Mapped[Credit | None] = mapped_column(stored_enum(Credit))
    state: Mapped[ConversationState] = mapped_column(stored_enum(ConversationState, length=40))
    context: Mapped[dict[str, Any]] = mapped_column(MutableDict.as_mutable(JSON), default=dict)
    reminders_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")


class Identity(Base):
    """A platform account (Telegram user, Slack user, terminal name) and where to reach it."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    platform_user_id: Mapped[str] = mapped_column(String(100))
    chat_id: Mapped[str | None] = mapped_column(String(100))
    locale_hint: Mapped[str | None] = mapped_column(String(16))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    """When this account last wrote to us: reminders go to the account used most recently."""


class Invite(Base):
    """A code the secretariat gives an organisation to join a consultation."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    consultation_id: Mapped[str | None] = mapped_column(ForeignKey("consultations.id"))
    email: Mapped[str | None] = mapped_column(String(320))
    max_uses: Mapped[int] = mapped_column(Integer, default=5)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Consent(Base):
    """A consent given or refused, with the version of the notice it answered."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    kind: Mapped[ConsentKind] = mapped_column(stored_enum(ConsentKind))
    granted: Mapped[bool] = mapped_column(Boolean)
    notice_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]


class ConsultationRow(Base):
    """A consultation as loaded from its YAML definition."""

    __tablename__ = "consultations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    definition: Mapped[dict[str, Any]]
    opens_at: Mapped[datetime]
    deadline: Mapped[datetime]
    dialogue_date: Mapped[date]
    timezone: Mapped[str] = mapped_column(String(64))
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    extended_deadline: Mapped[datetime | None]
    """A later deadline set by the secretariat; survives reloading the YAML file."""
    loaded_at: Mapped[datetime]

    @property
    def effective_deadline(self) -> datetime:
        """The deadline in force: the file's, or the secretariat's extension."""
        if self.extended_deadline is not None and self.extended_deadline > self.deadline:
            return self.extended_deadline
        return self.deadline


class AgendaItemRow(Base):
    """An agenda item of a loaded consultation."""

    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("consultation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id"))
    number: Mapped[str] = mapped_column(String(16))
    position: Mapped[int]
    title: Mapped[dict[str, Any]]
    description: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    """Closed by the secretariat ahead of the consultation's deadline."""


class QuestionRow(Base):
    """A question of an agenda item; `spec` holds its validated definition."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("agenda_item_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean)
    spec: Mapped[dict[str, Any]]
    group_title: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Document(Base):
    """A file a participant sent as an answer, kept in the file store."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]


class Blob(Base):
    """A file in the file store, which documents of several participants may share (it is
    named by its content's hash). Its row is what an upload and an erasure of the same
    bytes lock, so they take turns: see `storage.repositories.BlobRepository`."""

    __tablename__ = "blobs"

    path: Mapped[str] = mapped_column(String(500), primary_key=True)
    """Where the file is in the file store (`Document.storage_path`)."""
    doomed: Mapped[bool] = mapped_column(Boolean, default=False)
    """No document referred to it when the last one was erased: the file is to be removed
    (after that erasure commits, under this row's lock)."""


class Answer(Base):
    """A participant's current answer to one question; history is in AnswerRevision."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("participant_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    value: Mapped[dict[str, Any]]
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    language_confidence: Mapped[float | None]
    revision: Mapped[int] = mapped_column(Integer, default=1)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AnswerRevision(Base):
    """Every value an answer ever had, in order: nothing is overwritten."""

    __tablename__ = "answer_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    value: Mapped[dict[str, Any]]
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]


class Submission(Base):
    """One participant's submission for one agenda item: draft, submitted or reopened."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("participant_id", "agenda_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(
        stored_enum(SubmissionStatus), default=SubmissionStatus.DRAFT
    )
    reference: Mapped[str | None] = mapped_column(String(40))
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ProcessedUpdate(Base):
    """A platform update already handled, so a redelivery is recorded once."""

    __tablename__ = "processed_updates"
    __table_args__ = (
        UniqueConstraint("platform", "update_key"),
        Index("ix_processed_updates_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    update_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class StructureGeneration(Base):
    """The structure's generation: one row, a counter that every transaction changing a
    consultation, agenda item or question increments (in SQL, so concurrent changes each
    count). A process that keeps the structure in memory compares it with the generation it
    loaded, so a change made by another process (the command line closing an agenda item)
    is seen on the next message.
    """

    __tablename__ = "structure_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    """Always 1."""
    generation: Mapped[int]
    changed_at: Mapped[datetime]


STRUCTURE = (ConsultationRow, AgendaItemRow, QuestionRow)
"""The rows that make up a consultation's structure (see `StructureGeneration`)."""


class AuditEntry(Base):
    """Who did what, when, from which channel."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]]


class KeyValue(Base):
    """Small values the bot generates once and keeps (e.g. the Telegram webhook secret)."""

    __tablename__ = "kv"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Delivery(Base):
    """The ledger of reminders and digests: one row per due time, so each goes out once."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[DeliveryStatus] = mapped_column(stored_enum(DeliveryStatus))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    consultation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Admin(Base):
    """A secretariat administrator, by platform account."""

    __tablename__ = "admins"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(100))
    added_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class LinkCode(Base):
    """A one-time code that links a second platform identity to a participant."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class CodeFailures(Base):
    """Wrong invite or link codes sent from one platform account, counted in a window;
    too many and the account waits (`handlers.features.codes`). In the database, so every
    process sees the same count."""

    __tablename__ = "code_failures"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    platform_user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime]
    """When the first wrong code of the current window came."""
    blocked_until: Mapped[datetime | None]
    """Until when no code from this account is looked up."""


# The inbox and outbox tables are declared beside, on the same metadata.
from storage import relay_models as _relay_models  # noqa: E402, F401
