"""Privacy: a participant's own data as a document (/mydata) and its erasure (/forget)."""

from __future__ import annotations

import json
from typing import Any

from handlers.actions import ForgetDecision
from handlers.conversation import ONBOARDING, Context, DecisionStep, State
from handlers.events import OutgoingDocument
from handlers.features.consultations import item_heading, localized
from storage.models import Credit


async def _place(ctx: Context, question_id: int) -> dict[str, Any]:
    """A question as the participant knows it: its agenda item, number and text."""
    placed = await ctx.uow.consultations.placed(question_id)
    if placed is None:
        return {"question": question_id}
    question, item, _ = placed
    siblings = [q.id for q in await ctx.uow.consultations.questions(item.id)]
    number = siblings.index(question.id) + 1 if question.id in siblings else None
    text = localized(question.spec.get("text"), ctx.t)
    return {
        "agenda_item": item_heading(ctx.t, item),
        "question": ctx.t._("Question {number}: {text}", number=number, text=text)
        if number
        else text,
        "question_id": question.key,
    }


async def _answers(ctx: Context) -> list[dict[str, Any]]:
    """The participant's answers with every revision, each named by its question."""
    answers = []
    for answer in await ctx.uow.answers.for_participant(ctx.me.id):
        answers.append(
            {
                **await _place(ctx, answer.question_id),
                "value": answer.value,
                "language": answer.language,
                "revisions": [
                    {
                        "revision": r.revision,
                        "value": r.value,
                        "channel": r.channel,
                        "at": r.created_at.isoformat(),
                    }
                    for r in await ctx.uow.answers.revisions(answer.id)
                ],
            }
        )
    return answers


async def my_data(ctx: Context) -> dict[str, Any]:
    """Everything held about the participant, as a JSON-ready document: agenda items and
    questions named by their numbers and texts, in the participant's language."""
    me = ctx.me
    organisation = me.organisation
    answers = await _answers(ctx)
    submissions = await ctx.uow.submissions.for_participant(me.id)
    items = {
        item_id: item
        for item_id in submissions
        if (item := await ctx.uow.consultations.item(item_id)) is not None
    }
    return {
        "participant": {
            "id": me.id,
            "display_name": me.display_name,
            "name_for_published_comments": me.display_name if me.credit == Credit.NAMED else None,
            "language": me.locale,
            "gender": me.gender,
            "credit": me.credit,
            "created_at": me.created_at.isoformat(),
        },
        "organisation": {
            "name": organisation.name,
            "category": organisation.category,
            "country": organisation.country,
        }
        if organisation
        else None,
        "identities": [
            {"platform": i.platform, "user_id": i.platform_user_id}
            for i in await ctx.uow.identities.of_participant(me.id)
        ],
        "consents": [
            {
                "kind": c.kind,
                "granted": c.granted,
                "notice_version": c.notice_version,
                "at": c.created_at.isoformat(),
            }
            for c in await ctx.uow.participants.consents(me.id)
        ],
        "answers": answers,
        "submissions": [
            {
                "agenda_item": item_heading(ctx.t, item)
                if (item := items.get(s.agenda_item_id))
                else s.agenda_item_id,
                "status": s.status,
                "reference": s.reference,
                "submitted_at": s.submitted_at.isoformat() if s.submitted_at else None,
            }
            for s in submissions.values()
        ],
    }


async def send_my_data(ctx: Context, argument: str = "") -> None:
    """Reply with the participant's data as a JSON file; `/mydata name` changes the name
    published comments are credited to."""
    t = ctx.t
    if argument.strip().casefold() == "name" and ctx.state not in ONBOARDING:
        await ctx.enter(State.CREDIT_NAME, **{"return": ctx.remember_return()})
        return
    document = json.dumps(await my_data(ctx), ensure_ascii=False, indent=2).encode()
    text = t._("Here is everything we hold about you.")
    if ctx.me.credit == Credit.NAMED and ctx.me.display_name:
        text += "\n" + t._(
            "Published comments name you as {name}. To change it, send /mydata name.",
            name=t.isolate(ctx.me.display_name),
        )
    ctx.say(text, document=OutgoingDocument("my-data.json", document, "application/json"))
    await ctx.reprompt()


class ForgetStep(DecisionStep):
    """Confirm erasure of the participant's personal data."""

    action = ForgetDecision

    def question(self, ctx: Context) -> str:
        return ctx.t._(
            "This erases your answers, documents, consents and personal details. "
            "It cannot be undone, and to take part again you would need a new "
            "invitation. Erase your data?"
        )

    def labels(self, ctx: Context) -> tuple[str, str]:
        return ctx.t._("Erase my data"), ctx.t._("Keep my data")

    async def on_no(self, ctx: Context) -> None:
        ctx.say(ctx.t._("Nothing was erased."))
        await ctx.go_back(ctx.data.get("return"), State.HOME)

    async def on_yes(self, ctx: Context) -> None:
        me = ctx.me
        ctx.move(State.HOME)
        if await ctx.uow.participants.erase(me, ctx.now):
            # Files no one else's document shares go once the erasure is committed, each
            # under its lock: an erasure rolled back or interrupted has removed nothing.
            remove = ctx.files.remove
            ctx.uow.after_commit(lambda store: store.collect_files(remove))
        ctx.uow.audit.record(
            actor=f"participant:{me.id}",
            action="participant.erased",
            channel=ctx.event.platform,
            now=ctx.now,
        )
        ctx.participant = None
        ctx.say(
            ctx.t._(
                "Your personal data has been erased. Thank you for your contributions. "
                "To take part again, please ask the secretariat for a new invitation."
            )
        )
