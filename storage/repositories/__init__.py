"""Repositories by aggregate: the only code that touches a Session.

One transaction per unit of work. Callers import from here; each name lives in the
module of its aggregate:

- `conversation`: processed updates, identities, participants and their consents, link
  codes, wrong codes;
- `structure`: consultations, agenda items, questions and the `StructureCache`;
- `answers`: answers and their revisions, submissions, documents, stored files;
- `invites`: invites and organisations;
- `administration`: administrators, the audit log, the key-value store;
- `console`: the web console's sign-in links and sessions;
- `ledger`: the delivery ledger of reminders and digests;
- `reports`: read-only queries across participants;
- `translations`: machine translations of answers;
- `unit_of_work`: `UnitOfWork` and `Store`.
"""

from storage.repositories.administration import AdminRepository, AuditRepository, KeyValueRepository
from storage.repositories.answers import AnswerRepository, BlobRepository, SubmissionRepository
from storage.repositories.base import INVITE_ALPHABET, Repository, new_code
from storage.repositories.console import ConsoleRepository
from storage.repositories.conversation import (
    CodeFailureRepository,
    DuplicateUpdate,
    IdentityRepository,
    LinkCodeRepository,
    ParticipantRepository,
    UpdateRepository,
)
from storage.repositories.invites import InviteRepository, OrganisationRepository
from storage.repositories.ledger import DeliveryRepository
from storage.repositories.reports import AnswerRecord, ReportRepository
from storage.repositories.structure import ConsultationRepository, Placed, StructureCache
from storage.repositories.translations import Translatable, TranslationRepository
from storage.repositories.unit_of_work import Store, UnitOfWork

__all__ = [
    "INVITE_ALPHABET",
    "AdminRepository",
    "AnswerRecord",
    "AnswerRepository",
    "AuditRepository",
    "BlobRepository",
    "CodeFailureRepository",
    "ConsoleRepository",
    "ConsultationRepository",
    "DeliveryRepository",
    "DuplicateUpdate",
    "IdentityRepository",
    "InviteRepository",
    "KeyValueRepository",
    "LinkCodeRepository",
    "OrganisationRepository",
    "ParticipantRepository",
    "Placed",
    "ReportRepository",
    "Repository",
    "Store",
    "StructureCache",
    "SubmissionRepository",
    "Translatable",
    "TranslationRepository",
    "UnitOfWork",
    "UpdateRepository",
    "new_code",
]
