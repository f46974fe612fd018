"""The invitation e-mail: an organisation's code and Telegram link, in its language, by SMTP."""

from __future__ import annotations

import asyncio
import html
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from zoneinfo import ZoneInfo

from bot.digest.deliver import send_email
from bot.invites import InviteRequest, deep_link
from config.settings import Settings
from handlers.features.consultations import short_title, title
from handlers.i18n import Translator, translator
from storage.models import ConsultationRow
from storage.repositories import Store

InviteRequestWithCode = tuple[str, InviteRequest]
"""A created invite's code and the request it came from."""


@dataclass(frozen=True)
class Invitation:
    """One invite to announce by e-mail."""

    code: str
    organisation: str
    email: str
    language: str
    max_uses: int
    consultation: ConsultationRow | None
    """The consultation the invite is for; None for every consultation."""


@dataclass(frozen=True)
class MailOutcome:
    """How sending one invitation went."""

    code: str
    email: str
    ok: bool
    error: str | None = None


def paragraphs(invitation: Invitation, t: Translator, link: str, bot_username: str) -> list[str]:
    """The letter, one paragraph a string, in the invitation's language."""
    row = invitation.consultation
    if row is None:
        opening = t._(
            "The secretariat has the honour to invite {organisation} to contribute to the "
            "constructive dialogues through its consultation assistant on Telegram.",
            organisation=invitation.organisation,
        )
    else:
        opening = t._(
            "The secretariat has the honour to invite {organisation} to contribute to the "
            "following consultation through its consultation assistant on Telegram: "
            "{consultation}.",
            organisation=invitation.organisation,
            consultation=title(row, t),
        )
        opening += " " + t._(
            "Written comments may be submitted until {deadline}.",
            deadline=t.when(row.effective_deadline, ZoneInfo(row.timezone)),
        )
    return [
        t._("Dear colleagues,"),
        opening,
        t._("The invitation code of your organisation is {code}.", code=invitation.code)
        + " "
        + t._("Number of persons who may use the code: {count}.", count=invitation.max_uses),
        t._("To begin, open this link on a device on which Telegram is installed:"),
        link,
        t._(
            "Alternatively, search for @{bot} in Telegram, send /start and then the code.",
            bot=bot_username,
        ),
        t._("Should you have any questions, please reply to this message."),
        t._("Yours sincerely,") + "\n" + t._("The secretariat"),
    ]


def compose(
    invitation: Invitation, *, link: str, bot_username: str, sender: str, now: datetime
) -> EmailMessage:
    """The invitation as an e-mail: plain text, and the same letter in escaped HTML."""
    t = translator(invitation.language)
    row = invitation.consultation
    message = EmailMessage()
    message["Subject"] = (
        t._(
            "Invitation to submit written comments: {consultation}",
            consultation=short_title(row, t),
        )
        if row is not None
        else t._("Invitation to submit written comments to the constructive dialogues")
    )
    message["From"] = sender
    message["To"] = invitation.email
    message["Date"] = formatdate(now.timestamp(), localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Content-Language"] = invitation.language
    text = paragraphs(invitation, t, link, bot_username)
    message.set_content("\n\n".join(text) + "\n")
    body = "\n".join(
        f'<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>'
        if paragraph == link
        else "<p>" + html.escape(paragraph).replace("\n", "<br>") + "</p>"
        for paragraph in text
    )
    direction = "rtl" if t.rtl else "ltr"
    message.add_alternative(
        f'<!DOCTYPE html>\n<html lang="{invitation.language}" dir="{direction}">'
        f'<head><meta charset="utf-8"></head>\n<body>\n{body}\n</body>\n</html>\n',
        subtype="html",
    )
    return message


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refusals = [
            f"{code} {answer.decode(errors='replace')}" for code, answer in exc.recipients.values()
        ]
        return "the mail server refused the address: " + "; ".join(refusals)
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


async def send_all(
    invitations: Sequence[Invitation],
    *,
    smtp_url: str,
    sender: str,
    bot_username: str,
    links: Sequence[str],
    now: datetime,
    smtp_timeout: float,
    tick: Callable[[], None] = lambda: None,
) -> list[MailOutcome]:
    """E-mail each invitation once; a failure is reported and the others still go out.

    Args:
        invitations: What to send, with the address and language of each.
        smtp_url: The SMTP server (smtp:// with STARTTLS when offered, or smtps://).
        sender: The From address.
        bot_username: The Telegram bot's name, for those who search for it.
        links: Each invitation's Telegram deep link, in the same order.
        now: The date of the messages.
        smtp_timeout: Seconds to wait for the mail server.
        tick: Called once per invitation tried (the command line's progress).

    Returns:
        One outcome per invitation, in order.
    """
    outcomes = []
    for invitation, link in zip(invitations, links, strict=True):
        message = compose(invitation, link=link, bot_username=bot_username, sender=sender, now=now)
        try:
            await asyncio.to_thread(send_email, smtp_url, message, timeout=smtp_timeout)
        except Exception as exc:  # One refused address must not stop the other invitations.
            outcomes.append(MailOutcome(invitation.code, invitation.email, False, _reason(exc)))
        else:
            outcomes.append(MailOutcome(invitation.code, invitation.email, True))
        tick()
    return outcomes


def unconfigured(settings: Settings) -> str | None:
    """What is missing to e-mail invitations, or None when nothing is."""
    missing = [
        name
        for name, value in (
            ("SMTP_URL", settings.smtp_url),
            ("SMTP_FROM", settings.smtp_from),
            ("TELEGRAM_BOT_USERNAME", settings.telegram_bot_username),
        )
        if not value
    ]
    return f"set {', '.join(missing)} to e-mail invitations" if missing else None


async def announce(
    store: Store,
    settings: Settings,
    created: Sequence[InviteRequestWithCode],
    now: datetime,
    *,
    tick: Callable[[], None] = lambda: None,
) -> list[MailOutcome]:
    """E-mail every created invite that has an address (see `unconfigured` first).

    Args:
        store: Where the consultations are read, for their titles and deadlines.
        settings: SMTP_URL, SMTP_FROM, SMTP_TIMEOUT and TELEGRAM_BOT_USERNAME.
        created: Each invite's code with the request it was created from.
        now: The date of the messages.
        tick: Called once per invite with an address, once tried (the progress).

    Returns:
        One outcome per invite with an address, in order.
    """
    if settings.smtp_url is None or not settings.smtp_from or not settings.telegram_bot_username:
        raise ValueError(unconfigured(settings))
    async with store.transaction() as uow:
        rows = {row.id: row for row in await uow.consultations.rows()}
    addressed = [(code, request) for code, request in created if request.email]
    invitations = [
        Invitation(
            code=code,
            organisation=request.organisation,
            email=request.email or "",
            language=request.language,
            max_uses=request.max_uses,
            consultation=rows.get(request.consultation) if request.consultation else None,
        )
        for code, request in addressed
    ]
    username = settings.telegram_bot_username.lstrip("@")
    return await send_all(
        invitations,
        smtp_url=settings.smtp_url.get_secret_value(),
        sender=settings.smtp_from,
        bot_username=username,
        links=[deep_link(username, i.code) or "" for i in invitations],
        now=now,
        smtp_timeout=settings.smtp_timeout,
        tick=tick,
    )
