"""Linking a second platform account (Telegram ↔ Slack) to one participant, by one-time code."""

from __future__ import annotations

from datetime import timedelta

from handlers.conversation import ONBOARDING, Context
from handlers.features.codes import use_code
from handlers.features.onboarding import how_to_join
from storage.models import LinkCode
from storage.repositories import new_code

LINK_VALIDITY = timedelta(minutes=15)


async def link(ctx: Context, argument: str) -> None:
    """/link: make a code (registered participant) or use one (new account)."""
    t = ctx.t
    code = argument.strip().upper()
    if ctx.participant is None:
        if not code:
            ctx.say(how_to_join(t))
            return
        # Link codes are secrets like invite codes: wrong ones count the same way.
        await use_code(ctx, "link", lambda: _join(ctx, code))
        return
    if code:
        ctx.say(t._("This account is already registered, so there is nothing to link here."))
        await ctx.reprompt()
        return
    if ctx.state in ONBOARDING:
        ctx.say(t._("Please finish the steps above first."))
        await ctx.reprompt()
        return
    fresh = await ctx.uow.links.add(
        LinkCode(
            code=new_code(),
            participant_id=ctx.me.id,
            expires_at=ctx.now + LINK_VALIDITY,
        )
    )
    ctx.say(
        t._(
            "To continue on another platform (Telegram or Slack) with the same profile and "
            "answers, send this there within {minutes} minutes:\n/link {code}",
            minutes=int(LINK_VALIDITY.total_seconds() // 60),
            code=fresh.code,
        )
    )
    await ctx.reprompt()


async def _join(ctx: Context, code: str) -> bool:
    """Attach this account to the participant of a link code; True when the code was right."""
    t = ctx.t
    found = await ctx.uow.links.usable(code, ctx.now)
    if found is None:
        ctx.say(
            t._(
                "This link code is not valid any more. Send /link on the account you "
                "registered with to get a new one."
            )
        )
        return False
    participant = await ctx.uow.participants.get(found.participant_id)
    if participant is None:
        ctx.say(how_to_join(t))
        return False
    found.used_at = ctx.now
    ctx.identity.participant_id = participant.id
    ctx.participant = participant
    ctx.set_language(participant.locale or t.language)
    ctx.uow.audit.record(
        actor=f"participant:{participant.id}",
        action="identity.linked",
        channel=ctx.event.platform,
        now=ctx.now,
        platform=ctx.event.platform,
    )
    ctx.say(
        ctx.t._(
            "Linked. This account now shares the profile and answers of {organisation}; "
            "continue where you left off.",
            organisation=ctx.t.isolate(participant.organisation.name)
            if participant.organisation
            else "",
        )
    )
    await ctx.reprompt()
    return True
