"""Broadcasts: who a message reaches, how each participant reads it, the preview and sending.

In the chat a broadcast is previewed first and kept in `kv` under the administrator's
account until they press *Send it*; the command line previews without `--yes`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any

from handlers.actions import CancelBroadcast, SendBroadcast
from handlers.conversation import Context
from handlers.events import Button, Reply
from handlers.features.admin.common import (
    Actor,
    AdminError,
    audit,
    consultation,
    counts_text,
)
from handlers.features.admin.moderation import Notice
from handlers.i18n import Translator, translator
from handlers.ports import AdminServices
from storage.models import Participant
from storage.repositories import UnitOfWork


def record_broadcast(
    uow: UnitOfWork,
    actor: Actor,
    consultation_id: str,
    *,
    missing: bool,
    recipients: int,
    text: str,
) -> None:
    """Audit a broadcast about to be sent, the same way from chat and command line."""
    audit(
        uow,
        actor,
        "admin.broadcast",
        consultation=consultation_id,
        missing=missing,
        recipients=recipients,
        text=text,
    )


async def audience(
    uow: UnitOfWork, consultation_id: str, *, only_missing: bool
) -> list[Participant]:
    """Who a broadcast reaches: the consultation's participants, or those with answers missing."""
    participants = list(await uow.reports.audience(consultation_id))
    if not only_missing:
        return participants
    required = {q.id for q in await uow.consultations.questions_of(consultation_id) if q.required}
    answered = await uow.answers.answered({p.id for p in participants}, required)
    return [p for p in participants if not required <= answered[p.id]]


def broadcast_messages(participants: Sequence[Participant], text: str) -> list[Notice]:
    """The broadcast as each participant reads it, introduced in their language."""
    messages = []
    for participant in participants:
        theirs = translator(participant.locale or "en")
        heading = theirs._("Message from the secretariat:")
        messages.append((participant.id, [Reply(f"{heading}\n\n{text}", rtl=theirs.rtl)]))
    return messages


def preview_text(t: Translator, consultation_id: str, recipients: int, text: str) -> str:
    """The broadcast as the administrator checks it before sending: whom it reaches, and it."""
    return (
        t.n_(
            "This message will go to {count} participant of {id}:",
            "This message will go to {count} participants of {id}:",
            recipients,
            id=consultation_id,
        )
        + f"\n\n{text}"
    )


def _stash_key(ctx: Context) -> str:
    return f"admin.broadcast:{ctx.event.platform}:{ctx.event.user_id}"


async def preview_broadcast(
    ctx: Context, consultation_id: str | None, *, only_missing: bool, text: str
) -> None:
    """Show the administrator the broadcast and whom it reaches; keep it until they decide."""
    t = ctx.t
    if not text:
        raise AdminError(t._("Please add the message to send."))
    row = await consultation(ctx.uow, t, consultation_id, ctx.now)
    reached = await audience(ctx.uow, row.id, only_missing=only_missing)
    token = secrets.token_hex(4)
    await ctx.uow.kv.put(
        _stash_key(ctx),
        json.dumps({"token": token, "consultation": row.id, "missing": only_missing, "text": text}),
        ctx.now,
    )
    ctx.say(
        preview_text(t, row.id, len(reached), text),
        [
            [
                Button(t._("Send it"), SendBroadcast(token).payload()),
                Button(t._("Cancel"), CancelBroadcast(token).payload()),
            ]
        ],
    )


async def _take(ctx: Context, token: str | None) -> dict[str, Any] | None:
    """The broadcast this administrator previewed, taken out of `kv`; None (and said so)
    when there is none, or when `token` is an older preview's (the newer one is kept)."""
    raw = await ctx.uow.kv.pop(_stash_key(ctx))
    pending: dict[str, Any] | None = json.loads(raw) if raw else None
    if pending is None or (token is not None and pending.get("token") != token):
        if pending is not None:
            await ctx.uow.kv.put(_stash_key(ctx), raw or "", ctx.now)
        ctx.say(ctx.t._("There is no broadcast waiting to be sent."))
        return None
    return pending


async def cancel_broadcast(ctx: Context, token: str | None) -> None:
    """Drop the broadcast this administrator previewed (token: its button's; None typed)."""
    if await _take(ctx, token) is not None:
        ctx.say(ctx.t._("The broadcast was cancelled; nothing was sent."))


async def send_broadcast(ctx: Context, token: str | None, services: AdminServices) -> None:
    """Send the broadcast this administrator previewed, once the transaction is committed.

    Args:
        ctx: The administrator's conversation.
        token: The preview's token from its button; None from the typed command.
        services: What delivers to the participants.
    """
    t = ctx.t
    pending = await _take(ctx, token)
    if pending is None:
        return
    reached = await audience(ctx.uow, pending["consultation"], only_missing=pending["missing"])
    messages = broadcast_messages(reached, pending["text"])
    record_broadcast(
        ctx.uow,
        Actor.of(ctx),
        pending["consultation"],
        missing=pending["missing"],
        recipients=len(messages),
        text=pending["text"],
    )
    ctx.say(
        t.n_("Sending to {count} participant…", "Sending to {count} participants…", len(messages))
    )

    async def deliver() -> list[Reply]:
        counts = await services.send(messages)
        return [Reply(counts_text(t, counts, len(messages)), rtl=t.rtl)]

    ctx.later.append(deliver)
