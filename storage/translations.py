"""The table of machine translations of answers (beside `storage.models`, whose tables it
shares a metadata with; `bot.digest.translate` fills it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class Translation(Base):
    """A machine translation of one revision of an answer into one language, kept so that
    each text is sent to the translation service once."""

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("answer_id", "revision", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    """The answer's revision this translates: a changed answer is translated again."""
    source: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    service: Mapped[str] = mapped_column(String(40))
    """Which service translated it, as the digest names it ('LibreTranslate')."""
    created_at: Mapped[datetime]
