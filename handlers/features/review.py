"""Review of an agenda item's answers, submission and the receipt."""

from __future__ import annotations

import secrets
from zoneinfo import ZoneInfo

from handlers import questions
from handlers.actions import Action, BackToAgenda, Edit, Submit
from handlers.conversation import Context, State, Step, stale_button
from handlers.events import Button
from handlers.features.consultations import (
    Window,
    deadline_text,
    item_heading,
    item_progress,
    status_text,
    window,
)
from handlers.features.interview import enter_agenda, enter_question
from handlers.places import ReviewPlace
from storage.models import AgendaItemRow, SubmissionStatus
from storage.repositories import INVITE_ALPHABET


def receipt_reference(consultation_id: str, item: AgendaItemRow) -> str:
    """A reference a participant can quote: consultation, agenda item and a random tail."""
    tail = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(6))
    return f"{consultation_id.upper()}-{item.number}-{tail}"


class ReviewStep(Step):
    """All answers of one agenda item, then submit (or read-only after the deadline)."""

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        place = ReviewPlace.read(ctx.data)
        item = await ctx.uow.consultations.item(place.item) if place else None
        row = await ctx.uow.consultations.get(item.consultation_id) if item else None
        if item is None or row is None:
            await ctx.enter(State.HOME)
            return
        progress = await item_progress(ctx, item)
        answers = await ctx.uow.answers.for_item(ctx.me.id, item.id)
        open_now = window(row, ctx.now, item) == Window.OPEN
        lines = [t._("Review — {heading}", heading=item_heading(t, item)), ""]
        buttons: list[list[Button]] = []
        for number, question_row in enumerate(progress.questions, start=1):
            spec = questions.definition(question_row)
            answer = answers.get(question_row.id)
            if answer is not None:
                shown = questions.display(spec, answer.value, t)
            elif spec.required:
                shown = t._("— missing (required)")
            else:
                shown = t._("— not answered")
            lines.append(f"{number}. {spec.text.get(t.language)}\n   → {t.isolate(shown)}")
            if open_now:
                buttons.append(
                    [
                        Button(
                            t._("Change answer {number}", number=number),
                            Edit(question_row.id).payload(),
                        )
                    ]
                )
        submission = progress.submission
        lines.append("")
        status = submission.status if submission else None
        lines.append(t._("Status: {status}", status=status_text(t, status)))
        if submission is not None and submission.reference:
            lines.append(t._("Reference: {reference}", reference=submission.reference))
        if not open_now:
            lines.append(t._("Submissions are closed; these answers can no longer be changed."))
        elif progress.required_missing:
            lines.append(
                t.n_(
                    "{count} required question is still missing.",
                    "{count} required questions are still missing.",
                    len(progress.required_missing),
                )
            )
        elif status != SubmissionStatus.SUBMITTED:
            buttons.insert(0, [Button(t._("Submit"), Submit(item.id).payload())])
        else:
            lines.append(
                t._(
                    "You can change your answers until {deadline}.",
                    deadline=deadline_text(ctx, row),
                )
            )
        buttons.append([Button(t._("‹ Agenda items"), BackToAgenda().payload())])
        ctx.say("\n".join(lines), buttons)

    async def on_button(self, ctx: Context, action: Action) -> None:
        place = ReviewPlace.read(ctx.data)
        item = await ctx.uow.consultations.item(place.item) if place else None
        if item is None:
            await stale_button(ctx)
            return
        if isinstance(action, BackToAgenda):
            await enter_agenda(ctx, item.consultation_id)
        elif action == Submit(item.id):
            await self._submit(ctx, item)
        elif isinstance(action, Edit):
            question = await ctx.uow.consultations.question(action.question)
            row = await ctx.uow.consultations.get(item.consultation_id)
            if question is None or question.agenda_item_id != item.id or row is None:
                await stale_button(ctx)
            elif window(row, ctx.now, item) != Window.OPEN:
                ctx.say(
                    ctx.t._("Submissions for this consultation are closed; nothing was changed.")
                )
                await ctx.reprompt()
            else:
                await enter_question(ctx, item, question, review=True)
        else:
            await stale_button(ctx)

    async def _submit(self, ctx: Context, item: AgendaItemRow) -> None:
        t = ctx.t
        row = await ctx.uow.consultations.get(item.consultation_id)
        progress = await item_progress(ctx, item)
        if row is None or window(row, ctx.now, item) != Window.OPEN:
            ctx.say(t._("Submissions for this consultation are closed; nothing was changed."))
            await ctx.reprompt()
            return
        if progress.required_missing:
            await stale_button(ctx)
            return
        if (
            progress.submission is not None
            and progress.submission.status == SubmissionStatus.SUBMITTED
        ):
            await stale_button(ctx)
            return
        reference = receipt_reference(row.id, item)
        await ctx.uow.submissions.submit(ctx.me.id, item.id, reference, ctx.now)
        ctx.uow.audit.record(
            actor=f"participant:{ctx.me.id}",
            action="submission.submitted",
            channel=ctx.event.platform,
            now=ctx.now,
            agenda_item=item.id,
            reference=reference,
        )
        ctx.say(
            t._(
                "Thank you. Your submission on agenda item {number} was received on {when}.\n"
                "Reference: {reference}\nYou can change your answers until {deadline}.",
                number=item.number,
                # The receipt says whose clock it is read on, as the deadline does.
                when=t.received(ctx.now, ZoneInfo(row.timezone)),
                reference=reference,
                deadline=deadline_text(ctx, row),
            )
        )
        await enter_agenda(ctx, row.id)
