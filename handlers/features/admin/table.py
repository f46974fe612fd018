"""The table of `/admin` actions: verb, sub-verb, parameters, usage line, needs, function.

Each function reads its arguments and calls the service that does the work — the same
function the command line calls (`deadlines`, `moderation`, `invites`, `broadcast`), or,
for what needs the bot around the engine, `AdminServices` once the transaction is
committed (`Context.later`).
"""

from __future__ import annotations

from handlers.actions import AdminButton, CancelBroadcast, SendBroadcast
from handlers.conversation import Context
from handlers.events import Reply
from handlers.features.admin.broadcast import cancel_broadcast, preview_broadcast, send_broadcast
from handlers.features.admin.command import AdminAction, Kind, Need, Param, Request, dispatch
from handlers.features.admin.common import (
    AdminError,
    Unavailable,
    audit,
    consultation,
    counts_text,
)
from handlers.features.admin.console import LINK_LIFETIME, issue_link
from handlers.features.admin.deadlines import extend_deadline, set_closed
from handlers.features.admin.invites import create_invite, invite_lines, revoke_invite
from handlers.features.admin.moderation import decide, hide_answer
from handlers.ports import AdminServices

DIGEST_FORMATS = ("md", "html", "docx", "xlsx")


async def _stats(r: Request) -> None:
    chosen, port, t = r.args.get("consultation"), r.services, r.t
    audit(r.uow, r.actor, "admin.stats", consultation=chosen)

    async def stats() -> list[Reply]:
        return [Reply("\n".join(await port.stats(chosen)), rtl=t.rtl)]

    r.ctx.later.append(stats)


async def _invite_create(r: Request) -> None:
    invite = await create_invite(
        r.uow,
        r.t,
        r.actor,
        consultation_id=r.args.get("consultation"),
        category=r.args["category"].lower(),
        organisation=r.args["organisation"],
    )
    link = r.optional_services.deep_link(invite.code) if r.optional_services else None
    said = r.t._(
        "Invite {code} for {organisation}.", code=invite.code, organisation=invite.organisation.name
    )
    r.ctx.say(said + (f"\n{link}" if link else ""))


async def _invite_revoke(r: Request) -> None:
    r.ctx.say(await revoke_invite(r.uow, r.t, r.actor, r.args["code"]))


async def _invite_list(r: Request) -> None:
    chosen = r.args.get("consultation")
    audit(r.uow, r.actor, "admin.invites_listed", consultation=chosen)
    r.ctx.say("\n".join(await invite_lines(r.uow, r.t, chosen)))


async def _digest(r: Request) -> None:
    t, fmt = r.t, r.args.get("format", "md").lower()
    if fmt not in DIGEST_FORMATS:
        raise AdminError(
            t._("Use one of these formats: {formats}.", formats=", ".join(DIGEST_FORMATS))
        )
    row = await consultation(r.uow, t, r.args.get("consultation"), r.ctx.now)
    port = r.services
    audit(r.uow, r.actor, "admin.digest", consultation=row.id, format=fmt)

    async def digest() -> list[Reply]:
        document = await port.digest(row.id, fmt)
        return [Reply(t._("The digest of {id}.", id=row.id), document=document, rtl=t.rtl)]

    r.ctx.later.append(digest)


async def _remind(r: Request) -> None:
    port, t = r.services, r.t
    audit(r.uow, r.actor, "admin.remind")

    async def remind() -> list[Reply]:
        counts = await port.remind()
        total = counts.delivered + counts.unreachable + counts.failed + counts.no_channel
        said = t._("Reminders sent now:") + " " + counts_text(t, counts, total)
        return [Reply(said, rtl=t.rtl)]

    r.ctx.later.append(remind)


async def _broadcast(r: Request) -> None:
    await preview_broadcast(
        r.ctx,
        r.args.get("consultation"),
        only_missing=r.args["audience"] == "missing",
        text=r.args["message"],
    )


async def _broadcast_send(r: Request) -> None:
    await send_broadcast(r.ctx, None, r.services)


async def _broadcast_cancel(r: Request) -> None:
    await cancel_broadcast(r.ctx, None)


async def _deadline(r: Request) -> None:
    said = await extend_deadline(r.uow, r.t, r.actor, r.args.get("consultation"), r.args["date"])
    r.ctx.say(said)


async def _close(r: Request) -> None:
    r.ctx.say(await _set_closed(r, closed=True))


async def _reopen(r: Request) -> None:
    r.ctx.say(await _set_closed(r, closed=False))


async def _set_closed(r: Request, *, closed: bool) -> str:
    chosen, item = r.args.get("consultation"), r.args.get("item")
    return await set_closed(r.uow, r.t, r.actor, chosen, item, closed=closed)


async def _hide(r: Request) -> None:
    r.ctx.say(await hide_answer(r.uow, r.t, r.actor, int(r.args["answer"]), r.args["reason"]))


async def _unhide(r: Request) -> None:
    r.ctx.say(await hide_answer(r.uow, r.t, r.actor, int(r.args["answer"]), None))


async def _pending(r: Request) -> None:
    audit(r.uow, r.actor, "admin.pending_listed")
    waiting = await r.uow.participants.pending()
    r.ctx.say(
        "\n".join(f"{p.id} · {p.organisation.name if p.organisation else '—'}" for p in waiting)
        or r.t._("Nobody is waiting for approval.")
    )


async def _approve(r: Request) -> None:
    await _decide(r, approve=True)


async def _reject(r: Request) -> None:
    await _decide(r, approve=False)


async def _decide(r: Request, *, approve: bool) -> None:
    t = r.t
    said, notice = await decide(r.uow, t, r.actor, int(r.args["participant"]), approve=approve)
    r.ctx.say(said)
    port = r.optional_services
    if port is None:
        return

    async def tell() -> list[Reply]:
        counts = await port.send([notice])
        if counts.delivered:
            return [Reply(t._("The participant was told."), rtl=t.rtl)]
        later = t._("The participant could not be told now; they will see it when they next write.")
        return [Reply(later, rtl=t.rtl)]

    r.ctx.later.append(tell)


async def _console(r: Request) -> None:
    port, t, event = r.services, r.t, r.ctx.event
    token = await issue_link(r.uow, t, r.actor, event.platform, event.user_id)
    url = port.console_url(token)
    if url is None:
        raise AdminError(
            t._("The console is not set up here: PUBLIC_URL must say where it is reached.")
        )
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    said = t.n_(
        "Your sign-in link to the console works once, within {count} minute:",
        "Your sign-in link to the console works once, within {count} minutes:",
        minutes,
    )
    r.ctx.say(f"{said}\n{url}")


CONSULTATION = Param("consultation", Kind.CONSULTATION)
ITEM = Param("item", optional=True)
ANSWER = Param("answer", Kind.NUMBER)
PARTICIPANT = Param("participant", Kind.NUMBER)

ACTIONS: tuple[AdminAction, ...] = (
    AdminAction(
        "stats",
        None,
        (CONSULTATION,),
        _stats,
        "/admin stats [CONSULTATION]",
        Need.SERVICES,
        more_words=True,
    ),
    AdminAction(
        "invite",
        "create",
        (CONSULTATION, Param("category"), Param("organisation", Kind.WORDS)),
        _invite_create,
        "/admin invite create CATEGORY ORGANISATION",
    ),
    AdminAction("invite", "revoke", (Param("code"),), _invite_revoke, "/admin invite revoke CODE"),
    AdminAction(
        "invite",
        "list",
        (CONSULTATION,),
        _invite_list,
        "/admin invite list [CONSULTATION]",
        more_words=True,
    ),
    AdminAction(
        "digest",
        "now",
        (CONSULTATION, Param("format", optional=True)),
        _digest,
        "/admin digest now [CONSULTATION] [md|html|docx|xlsx]",
        Need.SERVICES,
        more_words=True,
    ),
    AdminAction("remind", "now", (), _remind, "/admin remind now", Need.SERVICES),
    AdminAction("console", None, (), _console, "/admin console", Need.SERVICES),
    # Before the message form, so that "confirm" and "cancel" are not read as an audience.
    AdminAction("broadcast", "confirm", (), _broadcast_send, None, Need.SERVICES),
    AdminAction("broadcast", "cancel", (), _broadcast_cancel),
    AdminAction(
        "broadcast",
        None,
        (
            CONSULTATION,
            Param("audience", choices=("all", "missing")),
            Param("message", Kind.TEXT),
        ),
        _broadcast,
        "/admin broadcast [CONSULTATION] all|missing MESSAGE",
        Need.SERVICES,
    ),
    AdminAction(
        "deadline",
        "extend",
        (CONSULTATION, Param("date")),
        _deadline,
        "/admin deadline extend [CONSULTATION] DATE",
    ),
    AdminAction(
        "close", None, (CONSULTATION, ITEM), _close, "/admin close|reopen [CONSULTATION] [ITEM]"
    ),
    AdminAction("reopen", None, (CONSULTATION, ITEM), _reopen),
    AdminAction(
        "hide", None, (ANSWER, Param("reason", Kind.WORDS)), _hide, "/admin hide ANSWER_ID REASON"
    ),
    AdminAction("unhide", None, (ANSWER,), _unhide, "/admin unhide ANSWER_ID"),
    AdminAction("pending", None, (), _pending, "/admin pending"),
    AdminAction("approve", None, (PARTICIPANT,), _approve, "/admin approve|reject PARTICIPANT_ID"),
    AdminAction("reject", None, (PARTICIPANT,), _reject),
)
"""Every `/admin` action, in the order of the list of commands; the first that fits runs."""


async def admin(ctx: Context, argument: str, services: AdminServices | None) -> None:
    """/admin …: the secretariat's commands; the caller has checked that this is an admin."""
    await dispatch(ctx, argument, services, ACTIONS)


async def admin_button(ctx: Context, action: AdminButton, services: AdminServices | None) -> None:
    """A secretariat button: the broadcast preview's *Send it* or *Cancel*."""
    try:
        match action:
            case SendBroadcast(broadcast=token):
                if services is None:
                    raise Unavailable
                await send_broadcast(ctx, token, services)
            case CancelBroadcast(broadcast=token):
                await cancel_broadcast(ctx, token)
            case _:
                ctx.say(ctx.t._("That button is no longer active."))
    except Unavailable:
        ctx.say(ctx.t._("This action is not available here; use the command line."))
