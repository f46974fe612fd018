"""The secretariat's `/admin` commands, and the actions they share with the command line."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from handlers.conversation import Context, State, Step, payload
from handlers.events import Button, Reply
from handlers.features.consultations import Window, window
from handlers.i18n import Translator, translator
from handlers.ports import AdminServices, DeliveryCounts
from handlers.text import clean_name
from storage.models import (
    Category,
    ConsultationRow,
    Invite,
    Organisation,
    Participant,
    ParticipantStatus,
)
from storage.repositories import UnitOfWork

ACTION = "admin"
"""The payload action of the secretariat's buttons."""

DIGEST_FORMATS = ("md", "html", "docx", "xlsx")
MAX_REASON = 500


class AdminError(Exception):
    """An admin action that cannot be done; the message says why, in the actor's language."""


@dataclass(frozen=True)
class Actor:
    """Who does an admin action, from where and when: what the audit log records."""

    name: str
    channel: str
    now: datetime

    @classmethod
    def of(cls, ctx: Context) -> Actor:
        """The administrator writing in this conversation."""
        return cls(f"admin:{ctx.event.platform}:{ctx.event.user_id}", ctx.event.platform, ctx.now)


def _audit(uow: UnitOfWork, actor: Actor, action: str, **detail: object) -> None:
    uow.audit.record(
        actor=actor.name, action=action, channel=actor.channel, now=actor.now, **detail
    )


# Actions shared by the chat commands and the command line


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
    _audit(
        uow,
        actor,
        "admin.broadcast",
        consultation=consultation_id,
        missing=missing,
        recipients=recipients,
        text=text,
    )


async def consultation(
    uow: UnitOfWork, t: Translator, consultation_id: str | None, now: datetime
) -> ConsultationRow:
    """The named consultation, or the only open one when none is named."""
    rows = list(await uow.consultations.rows())
    if consultation_id:
        found = next((row for row in rows if row.id == consultation_id), None)
        if found is None:
            raise AdminError(
                t._("There is no consultation {id}.", id=consultation_id)
                + " "
                + t._("Known: {ids}.", ids=", ".join(row.id for row in rows))
            )
        return found
    open_now = [row for row in rows if window(row, now) == Window.OPEN]
    if len(open_now) != 1:
        raise AdminError(
            t._("Please name the consultation: {ids}.", ids=", ".join(row.id for row in rows))
        )
    return open_now[0]


def parse_deadline(t: Translator, text: str, zone: ZoneInfo) -> datetime:
    """A new deadline: a date (its 23:59) or a date and time, in the consultation's zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise AdminError(
            t._("{value} is not a date such as 2027-06-30.", value=text.strip()[:40])
        ) from None
    if len(text.strip()) <= 10:
        moment = datetime.combine(moment.date(), time(23, 59))
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


async def extend_deadline(
    uow: UnitOfWork, t: Translator, actor: Actor, row: ConsultationRow, deadline: datetime
) -> str:
    """Move a consultation's deadline later; reminders follow, as they derive from it."""
    if deadline <= row.effective_deadline:
        raise AdminError(
            t._(
                "The new deadline must be after the current one, {deadline}.",
                deadline=t.when(row.effective_deadline, ZoneInfo(row.timezone)),
            )
        )
    previous = row.effective_deadline
    row.extended_deadline = deadline
    _audit(
        uow,
        actor,
        "admin.deadline_extended",
        consultation=row.id,
        previous=previous.isoformat(),
        deadline=deadline.isoformat(),
    )
    return t._(
        "The deadline of {id} is now {deadline}; reminders follow the new deadline.",
        id=row.id,
        deadline=t.when(deadline, ZoneInfo(row.timezone)),
    )


async def set_closed(
    uow: UnitOfWork,
    t: Translator,
    actor: Actor,
    row: ConsultationRow,
    item_number: str | None,
    *,
    closed: bool,
) -> str:
    """Close or reopen submissions for a consultation, or for one of its agenda items."""
    if item_number:
        items = {item.number: item for item in await uow.consultations.items(row.id)}
        item = items.get(item_number)
        if item is None:
            raise AdminError(
                t._(
                    "{id} has no agenda item {number}; its items are {numbers}.",
                    id=row.id,
                    number=item_number,
                    numbers=", ".join(items),
                )
            )
        item.closed = closed
        target = t._("agenda item {number} of {id}", number=item_number, id=row.id)
    else:
        row.closed = closed
        target = row.id
    _audit(
        uow,
        actor,
        "admin.closed" if closed else "admin.reopened",
        consultation=row.id,
        item=item_number,
    )
    if closed:
        return t._("Submissions for {target} are closed.", target=target)
    return t._("Submissions for {target} are open again.", target=target)


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
    _audit(
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
) -> tuple[str, tuple[int, list[Reply]]]:
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
        participant.state = State.HOME.value
        participant.context = {}
        notice = theirs._(
            "The secretariat approved your registration: you can now answer. "
            "Send /start to see your consultations."
        )
    else:
        participant.status = ParticipantStatus.REJECTED
        participant.state = State.PENDING.value
        participant.context = {}
        notice = rejected_text(theirs)
    _audit(
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


async def create_invite(
    uow: UnitOfWork,
    t: Translator,
    actor: Actor,
    *,
    consultation_id: str | None,
    category: str,
    organisation: str,
) -> Invite:
    """An invite for an organisation (created if new) to one consultation or all."""
    name = clean_name(organisation)
    if category not in Category.__members__.values():
        raise AdminError(
            t._(
                "Unknown category {value}; use one of {choices}.",
                value=category[:30],
                choices=", ".join(Category),
            )
        )
    if not 2 <= len(name) <= 300:
        raise AdminError(t._("An organisation name has 2 to 300 characters."))
    if consultation_id and await uow.consultations.get(consultation_id) is None:
        raise AdminError(t._("There is no consultation {id}.", id=consultation_id))
    return await issue_invite(
        uow, actor, organisation=name, category=category, consultation_id=consultation_id
    )


async def issue_invite(
    uow: UnitOfWork,
    actor: Actor,
    *,
    organisation: str,
    category: str,
    consultation_id: str | None,
    country: str | None = None,
    max_uses: int = 5,
    expires: datetime | None = None,
    email: str | None = None,
) -> Invite:
    """An invite for an organisation (found by its name, or created), in the audit log.

    The chat command and the command line validate in their own words, then both issue the
    invite here. The organisation's category and country are kept as first given.
    """
    found = await uow.organisations.by_name(organisation)
    if found is None:
        found = await uow.organisations.add(
            Organisation(
                name=organisation, category=category, country=country, created_at=actor.now
            )
        )
    invite = await uow.invites.add(
        Invite(
            code="",
            organisation_id=found.id,
            consultation_id=consultation_id,
            email=email,
            max_uses=max_uses,
            uses=0,
            expires_at=expires,
            created_at=actor.now,
        )
    )
    invite.organisation = found  # Known already: no lazy load outside the session's await.
    _audit(uow, actor, "invite.created", code=invite.code, organisation=found.name)
    return invite


async def revoke_invite(uow: UnitOfWork, t: Translator, actor: Actor, code: str) -> str:
    """Withdraw an invite code; participants who joined with it keep their access."""
    invite = await uow.invites.by_code(code.strip().upper())
    if invite is None:
        raise AdminError(t._("There is no invite code {code}.", code=code.strip()[:40]))
    if invite.revoked_at is None:
        invite.revoked_at = actor.now
    _audit(uow, actor, "invite.revoked", code=invite.code)
    return t._("Invite {code} is withdrawn.", code=invite.code)


async def invite_lines(uow: UnitOfWork, t: Translator, consultation_id: str | None) -> list[str]:
    """One line per invite: code, organisation, consultation, uses and state."""
    lines = []
    for invite in await uow.invites.list(consultation_id):
        state = t._("withdrawn") if invite.revoked_at else t._("valid")
        lines.append(
            f"{invite.code} · {invite.organisation.name} · {invite.consultation_id or '*'}"
            f" · {invite.uses}/{invite.max_uses} · {state}"
        )
    return lines or [t._("There are no invites.")]


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


def broadcast_messages(
    participants: Sequence[Participant], text: str
) -> list[tuple[int, list[Reply]]]:
    """The broadcast as each participant reads it, introduced in their language."""
    messages = []
    for participant in participants:
        theirs = translator(participant.locale or "en")
        heading = theirs._("Message from the secretariat:")
        messages.append((participant.id, [Reply(f"{heading}\n\n{text}", rtl=theirs.rtl)]))
    return messages


def counts_text(t: Translator, counts: DeliveryCounts, total: int) -> str:
    """Delivery counts in words."""
    return t._(
        "Delivered to {delivered} of {total}; unreachable: {unreachable}; failed: {failed}; "
        "no running channel: {no_channel}.",
        delivered=counts.delivered,
        total=total,
        unreachable=counts.unreachable,
        failed=counts.failed,
        no_channel=counts.no_channel,
    )


# The chat command


def usage(t: Translator) -> str:
    """The list of /admin commands."""
    return "\n".join(
        [
            t._("Secretariat commands:"),
            "/admin stats [CONSULTATION]",
            "/admin invite create CATEGORY ORGANISATION",
            "/admin invite revoke CODE",
            "/admin invite list [CONSULTATION]",
            "/admin digest now [CONSULTATION] [md|html|docx|xlsx]",
            "/admin remind now",
            "/admin broadcast [CONSULTATION] all|missing MESSAGE",
            "/admin deadline extend [CONSULTATION] DATE",
            "/admin close|reopen [CONSULTATION] [ITEM]",
            "/admin hide ANSWER_ID REASON",
            "/admin unhide ANSWER_ID",
            "/admin pending",
            "/admin approve|reject PARTICIPANT_ID",
        ]
    )


class _Unavailable(Exception):
    """The bot-level services are not wired into this engine."""


def _services(services: AdminServices | None) -> AdminServices:
    if services is None:
        raise _Unavailable
    return services


def _split_consultation(ids: set[str], words: list[str]) -> tuple[str | None, list[str]]:
    if words and words[0] in ids:
        return words[0], words[1:]
    return None, words


async def admin(ctx: Context, argument: str, services: AdminServices | None) -> None:
    """/admin …: the secretariat's commands; the caller has checked that this is an admin."""
    t = ctx.t
    words = argument.split()
    verb = words[0].lower() if words else "help"
    rest = words[1:]
    try:
        await _run(ctx, verb, rest, argument, services)
    except AdminError as exc:
        ctx.say(str(exc))
    except _Unavailable:
        ctx.say(t._("This action is not available here; use the command line."))


async def _run(
    ctx: Context, verb: str, rest: list[str], argument: str, services: AdminServices | None
) -> None:
    t, uow, actor = ctx.t, ctx.uow, Actor.of(ctx)
    ids = set(await uow.consultations.ids())
    if verb == "stats":
        chosen, _ = _split_consultation(ids, rest)
        port = _services(services)
        _audit(uow, actor, "admin.stats", consultation=chosen)

        async def stats() -> list[Reply]:
            return [Reply("\n".join(await port.stats(chosen)), rtl=t.rtl)]

        ctx.later.append(stats)
    elif verb == "invite" and rest[:1] == ["create"] and len(rest) >= 3:
        chosen, words = _split_consultation(ids, rest[1:])
        if len(words) < 2:
            raise AdminError(usage(t))
        invite = await create_invite(
            uow,
            t,
            actor,
            consultation_id=chosen,
            category=words[0].lower(),
            organisation=" ".join(words[1:]),
        )
        link = services.deep_link(invite.code) if services else None
        ctx.say(
            t._(
                "Invite {code} for {organisation}.",
                code=invite.code,
                organisation=invite.organisation.name,
            )
            + (f"\n{link}" if link else "")
        )
    elif verb == "invite" and rest[:1] == ["revoke"] and len(rest) == 2:
        ctx.say(await revoke_invite(uow, t, actor, rest[1]))
    elif verb == "invite" and rest[:1] == ["list"]:
        chosen, _ = _split_consultation(ids, rest[1:])
        _audit(uow, actor, "admin.invites_listed", consultation=chosen)
        ctx.say("\n".join(await invite_lines(uow, t, chosen)))
    elif verb == "digest" and rest[:1] == ["now"]:
        chosen, words = _split_consultation(ids, rest[1:])
        fmt = words[0].lower() if words else "md"
        if fmt not in DIGEST_FORMATS:
            raise AdminError(
                t._("Use one of these formats: {formats}.", formats=", ".join(DIGEST_FORMATS))
            )
        row = await consultation(uow, t, chosen, ctx.now)
        port = _services(services)
        _audit(uow, actor, "admin.digest", consultation=row.id, format=fmt)

        async def digest() -> list[Reply]:
            document = await port.digest(row.id, fmt)
            return [Reply(t._("The digest of {id}.", id=row.id), document=document, rtl=t.rtl)]

        ctx.later.append(digest)
    elif verb == "remind" and rest == ["now"]:
        port = _services(services)
        _audit(uow, actor, "admin.remind")

        async def remind() -> list[Reply]:
            counts = await port.remind()
            return [
                Reply(
                    t._("Reminders sent now:")
                    + " "
                    + counts_text(
                        t,
                        counts,
                        counts.delivered + counts.unreachable + counts.failed + counts.no_channel,
                    ),
                    rtl=t.rtl,
                )
            ]

        ctx.later.append(remind)
    elif verb == "broadcast":
        await _broadcast(ctx, ids, rest, argument, services)
    elif verb == "deadline" and rest[:1] == ["extend"] and len(rest) in (2, 3):
        chosen, words = _split_consultation(ids, rest[1:])
        row = await consultation(uow, t, chosen, ctx.now)
        when = parse_deadline(t, words[0] if words else "", ZoneInfo(row.timezone))
        ctx.say(await extend_deadline(uow, t, actor, row, when))
    elif verb in ("close", "reopen") and len(rest) <= 2:
        chosen, words = _split_consultation(ids, rest)
        if len(words) > 1:
            raise AdminError(usage(t))
        row = await consultation(uow, t, chosen, ctx.now)
        number = words[0] if words else None
        ctx.say(await set_closed(uow, t, actor, row, number, closed=verb == "close"))
    elif verb == "hide" and len(rest) >= 2 and rest[0].isdigit():
        ctx.say(await hide_answer(uow, t, actor, int(rest[0]), " ".join(rest[1:])))
    elif verb == "unhide" and len(rest) == 1 and rest[0].isdigit():
        ctx.say(await hide_answer(uow, t, actor, int(rest[0]), None))
    elif verb == "pending" and not rest:
        _audit(uow, actor, "admin.pending_listed")
        waiting = await uow.participants.pending()
        ctx.say(
            "\n".join(f"{p.id} · {p.organisation.name if p.organisation else '—'}" for p in waiting)
            or t._("Nobody is waiting for approval.")
        )
    elif verb in ("approve", "reject") and len(rest) == 1 and rest[0].isdigit():
        said, notice = await decide(uow, t, actor, int(rest[0]), approve=verb == "approve")
        ctx.say(said)
        if services is not None:
            port = services

            async def tell() -> list[Reply]:
                counts = await port.send([notice])
                if counts.delivered:
                    return [Reply(t._("The participant was told."), rtl=t.rtl)]
                return [
                    Reply(
                        t._(
                            "The participant could not be told now; they will see it "
                            "when they next write."
                        ),
                        rtl=t.rtl,
                    )
                ]

            ctx.later.append(tell)
    else:
        ctx.say(usage(t))


def _stash_key(ctx: Context) -> str:
    return f"admin.broadcast:{ctx.event.platform}:{ctx.event.user_id}"


async def _broadcast(
    ctx: Context, ids: set[str], rest: list[str], argument: str, services: AdminServices | None
) -> None:
    t = ctx.t
    if rest in (["confirm"], ["cancel"]):
        await confirm_broadcast(ctx, None, services, send=rest == ["confirm"])
        return
    chosen, words = _split_consultation(ids, rest)
    if not words or words[0].lower() not in ("all", "missing"):
        raise AdminError(usage(t))
    # The message keeps the line breaks the administrator typed.
    text = argument.split(words[0], 1)[1].strip() if len(words) > 1 else ""
    if not text:
        raise AdminError(t._("Please add the message to send."))
    _services(services)
    row = await consultation(ctx.uow, t, chosen, ctx.now)
    only_missing = words[0].lower() == "missing"
    reached = await audience(ctx.uow, row.id, only_missing=only_missing)
    token = secrets.token_hex(4)
    await ctx.uow.kv.put(
        _stash_key(ctx),
        json.dumps({"token": token, "consultation": row.id, "missing": only_missing, "text": text}),
        ctx.now,
    )
    ctx.say(
        t.n_(
            "This message will go to {count} participant of {id}:",
            "This message will go to {count} participants of {id}:",
            len(reached),
            id=row.id,
        )
        + f"\n\n{text}",
        [
            [
                Button(t._("Send it"), payload(ACTION, "bc", token)),
                Button(t._("Cancel"), payload(ACTION, "bcx", token)),
            ]
        ],
    )


async def confirm_broadcast(
    ctx: Context, token: str | None, services: AdminServices | None, *, send: bool
) -> None:
    """Send (or drop) the broadcast this administrator previewed."""
    t = ctx.t
    raw = await ctx.uow.kv.pop(_stash_key(ctx))
    pending = json.loads(raw) if raw else None
    if pending is None or (token is not None and pending.get("token") != token):
        if pending is not None:  # An older preview's button: keep the newer one.
            await ctx.uow.kv.put(_stash_key(ctx), raw or "", ctx.now)
        ctx.say(t._("There is no broadcast waiting to be sent."))
        return
    if not send:
        ctx.say(t._("The broadcast was cancelled; nothing was sent."))
        return
    if services is None:
        raise _Unavailable
    port = services
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
        counts = await port.send(messages)
        return [Reply(counts_text(t, counts, len(messages)), rtl=t.rtl)]

    ctx.later.append(deliver)


async def admin_button(ctx: Context, args: list[str], services: AdminServices | None) -> None:
    """A secretariat button (the broadcast's confirmation)."""
    try:
        if len(args) == 2 and args[0] in ("bc", "bcx"):
            await confirm_broadcast(ctx, args[1], services, send=args[0] == "bc")
        else:
            ctx.say(ctx.t._("That button is no longer active."))
    except _Unavailable:
        ctx.say(ctx.t._("This action is not available here; use the command line."))


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
