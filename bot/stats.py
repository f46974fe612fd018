"""Participation figures for the secretariat: invited, registered, submitted."""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.features.onboarding import category_label
from handlers.i18n import translator
from storage.models import SubmissionStatus
from storage.repositories import Store


@dataclass
class ConsultationStats:
    """Figures for one consultation."""

    consultation: str
    invited_organisations: int = 0
    registered_participants: int = 0
    submitted_by_item: dict[str, int] = field(default_factory=dict)
    submitted_by_category: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The figures as plain lines."""
        out = [
            f"{self.consultation}",
            f"  invited organisations: {self.invited_organisations}",
            f"  registered participants: {self.registered_participants}",
        ]
        for item, count in self.submitted_by_item.items():
            out.append(f"  agenda item {item}: {count} submitted")
        english = translator("en")
        for category, count in sorted(self.submitted_by_category.items()):
            noun = "organisation" if count == 1 else "organisations"
            label = category_label(english, category)
            out.append(f"  submitted by {label}: {count} {noun}")
        return out


async def collect(store: Store, consultation: str | None = None) -> list[ConsultationStats]:
    """Figures for one consultation or every loaded one."""
    async with store.transaction() as uow:
        ids = [consultation] if consultation else await uow.consultations.ids()
        invites = await uow.reports.invites()
        participants = await uow.reports.participants()
        result = []
        for cid in ids:
            if await uow.consultations.get(cid) is None:
                raise ValueError(f"no consultation with id {cid!r} is loaded")
            scoped = {i.id for i in invites if i.consultation_id in (cid, None)}
            mine = [p for p in participants if p.invite_id in scoped]
            stats = ConsultationStats(
                consultation=cid,
                invited_organisations=len({i.organisation_id for i in invites if i.id in scoped}),
                registered_participants=len(mine),
            )
            by_id = {p.id: p for p in mine}
            items = {item.number: 0 for item in await uow.consultations.items(cid)}
            organisations_by_category: dict[str, set[int]] = {}
            for submission, item in await uow.reports.submissions(cid):
                participant = by_id.get(submission.participant_id)
                if participant is None or submission.status == SubmissionStatus.DRAFT:
                    continue
                items[item.number] += 1
                if participant.organisation is not None:
                    organisations_by_category.setdefault(
                        participant.organisation.category, set()
                    ).add(participant.organisation.id)
            stats.submitted_by_item = items
            stats.submitted_by_category = {
                category: len(ids) for category, ids in organisations_by_category.items()
            }
            result.append(stats)
        return result
