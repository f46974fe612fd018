"""Participation figures for the secretariat: invited, registered, submitted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from handlers.features.consultations import localized
from handlers.features.onboarding import category_label
from handlers.i18n import Translator, translator
from storage.models import Category, Invite, Participant, SubmissionStatus
from storage.repositories import Store, UnitOfWork


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


@dataclass(frozen=True)
class Scope:
    """Who counts for a consultation: its invites (and those to every consultation), the
    participants who joined with them."""

    invites: list[Invite]
    participants: list[Participant]


def scope(cid: str, invites: Sequence[Invite], participants: Sequence[Participant]) -> Scope:
    """The invites and participants of consultation `cid`."""
    mine = [i for i in invites if i.consultation_id in (cid, None)]
    ids = {i.id for i in mine}
    return Scope(mine, [p for p in participants if p.invite_id in ids])


@dataclass(frozen=True)
class ProgressCell:
    """One agenda item × one category: organisations invited, participants registered,
    drafts begun and submissions made."""

    invited: int = 0
    registered: int = 0
    drafts: int = 0
    submitted: int = 0


@dataclass(frozen=True)
class ItemProgress:
    """One agenda item's progress, by category (in `Category` order)."""

    number: str
    title: str
    closed: bool
    cells: dict[Category, ProgressCell]


async def progress(uow: UnitOfWork, cid: str, t: Translator | None = None) -> list[ItemProgress]:
    """A consultation's progress: agenda item × category (the console's table), the items'
    titles in `t`'s language (English when not given)."""
    found = scope(cid, await uow.reports.invites(), await uow.reports.participants())
    invited: dict[Category, set[int]] = {c: set() for c in Category}
    for invite in found.invites:
        invited[Category(invite.organisation.category)].add(invite.organisation_id)
    registered = dict.fromkeys(Category, 0)
    by_id: dict[int, Category] = {}
    for p in found.participants:
        if p.organisation is not None:
            by_id[p.id] = Category(p.organisation.category)
            registered[by_id[p.id]] += 1
    counts: dict[tuple[int, Category, bool], int] = {}
    for submission, item in await uow.reports.submissions(cid):
        category = by_id.get(submission.participant_id)
        if category is not None:
            key = (item.id, category, submission.status == SubmissionStatus.DRAFT)
            counts[key] = counts.get(key, 0) + 1
    shown_in = t or translator("en")
    return [
        ItemProgress(
            item.number,
            localized(item.title, shown_in),
            item.closed,
            {
                c: ProgressCell(
                    len(invited[c]),
                    registered[c],
                    counts.get((item.id, c, True), 0),
                    counts.get((item.id, c, False), 0),
                )
                for c in Category
            },
        )
        for item in await uow.consultations.items(cid)
    ]


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
            found = scope(cid, invites, participants)
            mine = found.participants
            stats = ConsultationStats(
                consultation=cid,
                invited_organisations=len({i.organisation_id for i in found.invites}),
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
