"""Moderation: hiding answers, and approving or rejecting registrations that wait for it."""

from __future__ import annotations

from handlers.conversation import Context, State, Step
from handlers.events import Reply
from handlers.features.admin.common import Actor, AdminError, audit
from handlers.i18n import Translator, translator
from storage.models import ParticipantStatus
from storage.repositories import UnitOfWork

MAX_REASON = 500

Notice = tuple[int, list[Reply]]
"""A message for one participant: their id and the replies, in their language."""


async def hide_answer(
    uow: UnitOfWork, t: Translator, actor: Actor, answer_id: int, reason: str | None
) -> str:
    """Hide an answer from digests and exports (with a reason), or show it again (None)."""
    answer = await uow.answers.by_id(answer_id)
    if answer is None:
        raise AdminError(t._("There is no answer {id}.", id=answer_id))
    if reason is not None:
        reason = " ".join(reason.split())[:MAX_REASON]
        if not reason:
            raise AdminError(t._("Please give the reason for hiding the answer."))
    answer.hidden_reason = reason
    audit(
        uow,
        actor,
        "admin.answer_hidden" if reason else "admin.answer_unhidden",
        answer=answer_id,
        reason=reason,
    )
    if reason:
        return t._(
            "Answer {id} is hidden from digests and exports; it stays in the database.",
            id=answer_id,
        )
    return t._("Answer {id} is shown in digests and exports again.", id=answer_id)


async def decide(
    uow: UnitOfWork, t: Translator, actor: Actor, participant_id: int, *, approve: bool
) -> tuple[str, Notice]:
    """Approve or reject a pending registration; the message to the participant with it."""
    participant = await uow.participants.get(participant_id)
    # A rejection can be reconsidered, so a rejected participant may still be approved.
    allowed = (
        {ParticipantStatus.PENDING, ParticipantStatus.REJECTED}
        if approve
        else {ParticipantStatus.PENDING}
    )
    if participant is None or participant.status not in allowed:
        raise AdminError(t._("Participant {id} is not waiting for approval.", id=participant_id))
    theirs = translator(participant.locale or "en")
    if approve:
        participant.status = ParticipantStatus.ACTIVE
        participant.state = State.HOME
        participant.context = {}
        notice = theirs._(
            "The secretariat approved your registration: you can now answer. "
            "Send /start to see your consultations."
        )
    else:
        participant.status = ParticipantStatus.REJECTED
        participant.state = State.PENDING
        participant.context = {}
        notice = rejected_text(theirs)
    audit(
        uow,
        actor,
        "admin.approved" if approve else "admin.rejected",
        participant=participant_id,
    )
    organisation = participant.organisation.name if participant.organisation else "—"
    said = (
        t._(
            "Participant {id} ({organisation}) is approved.",
            id=participant_id,
            organisation=organisation,
        )
        if approve
        else t._(
            "Participant {id} ({organisation}) is rejected.",
            id=participant_id,
            organisation=organisation,
        )
    )
    return said, (participant_id, [Reply(notice, rtl=theirs.rtl)])


def rejected_text(t: Translator) -> str:
    """What a participant whose registration was refused is told."""
    return t._(
        "The secretariat did not approve your registration, so you cannot answer this "
        "consultation. If you think this is a mistake, please contact the secretariat."
    )


class PendingStep(Step):
    """Onboarded for a consultation that requires approval: waiting, or told it was refused."""

    async def prompt(self, ctx: Context) -> None:
        if ctx.me.status == ParticipantStatus.REJECTED:
            ctx.say(rejected_text(ctx.t))
        else:
            ctx.say(
                ctx.t._(
                    "Thank you. The secretariat approves registrations for this consultation; "
                    "I will write to you here as soon as it has decided."
                )
            )

    async def on_text(self, ctx: Context, text: str) -> None:
        await self.prompt(ctx)
