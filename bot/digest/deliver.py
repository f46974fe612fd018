"""Delivering a digest to its destinations: a chat, e-mail, a directory.

Each destination is tried a bounded number of times and reported; one that fails never
stops the others.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import pkgutil
import smtplib
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

from bot.digest import render_md
from bot.digest.build import collector_paused
from bot.digest.model import Digest, un_date
from config.consultation import Destination, DestinationKind
from config.settings import Settings
from handlers.events import OutgoingDocument, Reply
from handlers.ports import Outbox, Unreachable

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

ATTEMPTS = 3
"""How often a destination is tried before it is reported failed."""
BACKOFF_SECONDS = 5.0
"""The wait before the second try; it doubles for each further try."""


def _formats() -> tuple[str, ...]:
    """Every digest format: one module `bot/digest/render_<format>.py` each, found by name
    without importing it."""
    here = [str(Path(__file__).parent)]
    found = (m.name for m in pkgutil.iter_modules(here) if m.name.startswith("render_"))
    return tuple(sorted(name.removeprefix("render_") for name in found))


FORMATS: tuple[str, ...] = _formats()
"""Each digest format; `bot.digest.render_<format>` renders it (`render`, `MEDIA_TYPE`)."""


def renderer(fmt: str) -> ModuleType:
    """The module of a format, imported when first used: the renderers bring matplotlib,
    Jinja2, lxml and XlsxWriter, which a process that never sends that format need not
    load at start."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown digest format {fmt!r}; use one of {', '.join(FORMATS)}")
    return importlib.import_module(f"bot.digest.render_{fmt}")


def render(digest: Digest, fmt: str) -> bytes:
    """The digest in one format."""
    module = renderer(fmt)
    with collector_paused():
        content: str | bytes = module.render(digest)
    return content.encode() if isinstance(content, str) else content


def document(digest: Digest, fmt: str) -> OutgoingDocument:
    """The digest rendered as a file."""
    media_type: str = renderer(fmt).MEDIA_TYPE
    return OutgoingDocument(digest.filename(fmt), render(digest, fmt), media_type)


def summary(digest: Digest) -> str:
    """A short plain-text message announcing the digest in a chat."""
    lines = [
        f"{digest.label}: {digest.short_title}",
        digest.period(),
        "",
        *([digest.dialogue_sentence] if digest.dialogue_sentence else []),
        f"{digest.submitted_sentence} {digest.registered_sentence}",
        "",
    ]
    lines += [f"• {item.heading}: {item.submitted} submitted" for item in digest.items]
    lines += [
        "",
        f"{digest.answers_line()}. {digest.outstanding_sentence()}",
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class Outcome:
    """How delivering to one destination went."""

    kind: str
    target: str
    ok: bool
    attempts: int
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """For the ledger's detail."""
        return asdict(self)


class NotConfigured(Exception):
    """The destination cannot work as configured; trying again would not help."""


def email_message(
    digest: Digest, documents: Sequence[OutgoingDocument], *, sender: str, recipients: list[str]
) -> EmailMessage:
    """The digest as an e-mail: Markdown text and HTML alternatives, files attached."""
    message = EmailMessage()
    message["Subject"] = (
        f"{digest.label}: {digest.short_title} ({un_date(digest.local(digest.generated_at))})"
    )
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(digest.generated_at.timestamp(), localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(render_md.render(digest))
    message.add_alternative(render(digest, "html").decode(), subtype="html")
    for doc in documents:
        maintype, _, subtype = doc.mime_type.partition("/")
        message.add_attachment(
            doc.content, maintype=maintype, subtype=subtype, filename=doc.filename
        )
    return message


def send_email(url: str, message: EmailMessage, *, timeout: float) -> None:
    """Send a message through the SMTP server of `url` (blocking; run it in a thread)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, parts.port or 465, timeout=timeout, context=context
        )
    else:
        client = smtplib.SMTP(host, parts.port or 587, timeout=timeout)
    with client:
        client.ehlo()
        if parts.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def write_files(
    folder: Path, documents: Sequence[OutgoingDocument], *, names: Sequence[str] = ()
) -> None:
    """Write each document into `folder` (made when missing) under its own file name, or
    the name given for it in `names`; each appears whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, doc in enumerate(documents):
        name = names[index] if index < len(names) else doc.filename
        partial = folder / (name + ".part")
        partial.write_bytes(doc.content)
        partial.replace(folder / name)


class _Attempt:
    """One destination's delivery, resumable: a chat gets each message once across tries."""

    def __init__(
        self,
        destination: Destination,
        digest: Digest,
        documents: list[OutgoingDocument],
        *,
        outboxes: Mapping[str, Outbox],
        settings: Settings,
    ) -> None:
        self.destination = destination
        self.digest = digest
        self.documents = documents
        self.outboxes = outboxes
        self.settings = settings
        self.sent_replies = 0

    async def run(self) -> None:
        kind, target = self.destination.kind, self.destination.target
        if kind in (DestinationKind.SLACK, DestinationKind.TELEGRAM):
            outbox = self.outboxes.get(kind.value)
            if outbox is None:
                raise NotConfigured(f"no {kind.value} channel is running in this process")
            replies = [Reply(text=summary(self.digest))] + [
                Reply(text=doc.filename, document=doc) for doc in self.documents
            ]
            for reply in replies[self.sent_replies :]:
                try:
                    await outbox.deliver(target, [reply])
                except Unreachable:
                    raise NotConfigured(f"the bot cannot write to {target}") from None
                self.sent_replies += 1
        elif kind == DestinationKind.EMAIL:
            if self.settings.smtp_url is None or not self.settings.smtp_from:
                raise NotConfigured("set SMTP_URL and SMTP_FROM to send digests by e-mail")
            recipients = [address.strip() for address in target.split(",") if address.strip()]
            message = email_message(
                self.digest,
                self.documents,
                sender=self.settings.smtp_from,
                recipients=recipients,
            )
            await asyncio.to_thread(
                send_email,
                self.settings.smtp_url.get_secret_value(),
                message,
                timeout=self.settings.smtp_timeout,
            )
        else:
            await asyncio.to_thread(write_files, Path(target), self.documents)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


async def deliver(
    digest: Digest,
    destinations: Sequence[Destination],
    *,
    outboxes: Mapping[str, Outbox],
    settings: Settings,
    attempts: int = ATTEMPTS,
    backoff: float = BACKOFF_SECONDS,
    sleep: Sleep = asyncio.sleep,
) -> list[Outcome]:
    """Deliver the digest to every destination, each tried up to `attempts` times.

    Args:
        digest: what to deliver.
        destinations: where, from the consultation's settings.
        outboxes: the running chat channels by platform (for Slack and Telegram).
        settings: SMTP settings for e-mail.
        attempts: the most tries per destination.
        backoff: seconds before the second try, doubled for each further one.
        sleep: how to wait between tries (tests pass one that does not wait).
    """
    outcomes = []
    cache: dict[str, OutgoingDocument] = {}
    for destination in destinations:
        documents = []
        for fmt in destination.formats:
            if fmt not in cache:
                cache[fmt] = document(digest, fmt)
            documents.append(cache[fmt])
        attempt = _Attempt(destination, digest, documents, outboxes=outboxes, settings=settings)
        error: str | None = None
        tries = 0
        for tries in range(1, attempts + 1):
            try:
                await attempt.run()
            except NotConfigured as exc:
                error = str(exc)
                break
            except Exception as exc:  # Any failure of one destination is reported, not raised.
                error = _describe(exc)
                log.warning(
                    "digest to %s %s: try %d failed: %s",
                    destination.kind.value,
                    destination.target,
                    tries,
                    error,
                )
                if tries < attempts:
                    await sleep(backoff * 2 ** (tries - 1))
            else:
                error = None
                break
        outcome = Outcome(destination.kind.value, destination.target, error is None, tries, error)
        if not outcome.ok:
            log.error("digest to %s %s failed: %s", outcome.kind, outcome.target, error)
        outcomes.append(outcome)
    return outcomes
