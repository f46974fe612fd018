"""Document questions: a PDF, DOCX or ODT file sent in the conversation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from config.consultation import Question, QuestionType
from handlers.conversation import EngineOptions
from handlers.i18n import Translator
from handlers.questions.base import Accepted, AnswerValue, FieldKind, QuestionKind, Rejected
from storage.models import Document


@dataclass(frozen=True)
class DocumentValue(AnswerValue):
    """The stored file: `{"document": id, "filename": ..., "sha256": ...}`."""

    key: ClassVar[str] = "document"
    document: int
    filename: str
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"document": self.document, "filename": self.filename, "sha256": self.sha256}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self | None:
        if "document" not in data:
            return None
        return cls(data["document"], str(data.get("filename", "")), str(data.get("sha256", "")))


def accepted(document: Document) -> Accepted:
    """The answer a stored document gives."""
    return Accepted(
        DocumentValue(document.id, document.filename, document.sha256), document.filename
    )


def limit_mb(options: EngineOptions) -> int:
    """The largest document accepted, in whole megabytes."""
    return max(1, options.max_document_bytes // (1024 * 1024))


class DocumentKind(QuestionKind[DocumentValue]):
    """`type: document`."""

    type = QuestionType.DOCUMENT
    value_type = DocumentValue
    field = FieldKind.FILE
    takes_document = True

    def hint(self, question: Question, t: Translator, options: EngineOptions) -> str:
        return t._("Send a PDF, DOCX or ODT file of at most {size} MB.", size=limit_mb(options))

    def from_text(
        self, question: Question, text: str, t: Translator, options: EngineOptions
    ) -> Rejected:
        return Rejected(t._("This question asks for a document: please send it as a file."))

    def display(self, question: Question, value: DocumentValue, t: Translator) -> str:
        return t._("Document: {name}", name=value.filename)
