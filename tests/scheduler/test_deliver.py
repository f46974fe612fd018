"""Delivering a digest: e-mail to a real local SMTP server, chats through an outbox, a folder."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from docx import Document
from openpyxl import load_workbook
from pydantic import SecretStr

from bot.digest import sample
from bot.digest.build import Digest, build
from bot.digest.deliver import deliver
from config.consultation import Destination, DestinationKind
from config.settings import Settings
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.scheduler.conftest import RecordingOutbox

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Mailbox:
    """What the local SMTP server received."""

    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = (data.login.decode(), data.password.decode())
        self.logins.append(login)
        # Not handled here: the server answers 535 itself when the login is wrong.
        return AuthResult(success=login == ("digest", "p@ss word"), handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on loopback (aiosmtpd), with LOGIN/PLAIN authentication."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=mailbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
async def digest(store: Store, clock: FixedClock) -> Digest:
    await sample.seed(store, now=clock.now())
    return await build(store, "wgic-18-2027", now=clock.now())


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Waits:
    """A sleep that records how long it was asked to wait, and does not wait."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


async def test_email_arrives_with_an_html_body_and_the_files_attached(
    digest: Digest, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    config = settings(
        smtp_url=SecretStr(f"smtp://digest:p%40ss%20word@127.0.0.1:{port}"),
        smtp_from="digest@unodc.example",
    )
    destination = Destination(
        kind=DestinationKind.EMAIL,
        target="secretariat@unodc.example, chair@unodc.example",
        formats=["docx", "xlsx"],
    )
    [outcome] = await deliver(digest, [destination], outboxes={}, settings=config)
    assert (outcome.ok, outcome.attempts, outcome.error) == (True, 1, None)
    assert mailbox.logins == [("digest", "p@ss word")]
    [(sender, recipients, message)] = mailbox.messages
    assert sender == "digest@unodc.example"
    assert recipients == ["secretariat@unodc.example", "chair@unodc.example"]
    assert message["Subject"] == "Digest: Constructive dialogue 2027 (WGIC 18) (15 January 2027)"
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    html = body.get_content()
    assert "<h2>Agenda item 2: Briefing on the developments" in html
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None
    assert digest.submitted_sentence in plain.get_content()
    attachments = {
        part.get_filename(): (part.get_content_type(), part.get_content())
        for part in message.iter_attachments()
    }
    assert sorted(attachments) == [
        "digest-wgic-18-2027-2027-01-15.docx",
        "digest-wgic-18-2027-2027-01-15.xlsx",
    ]
    docx_type, docx_bytes = attachments["digest-wgic-18-2027-2027-01-15.docx"]
    xlsx_type, xlsx_bytes = attachments["digest-wgic-18-2027-2027-01-15.xlsx"]
    assert (docx_type, xlsx_type) == (DOCX, XLSX)
    assert Document(io.BytesIO(docx_bytes)).paragraphs[0].text.startswith("Digest:")
    assert load_workbook(io.BytesIO(xlsx_bytes)).sheetnames[0] == "Participation"


async def test_wrong_smtp_credentials_are_reported_after_bounded_tries(
    digest: Digest, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    config = settings(
        smtp_url=SecretStr(f"smtp://digest:wrong@127.0.0.1:{port}"),
        smtp_from="d@unodc.example",
        smtp_timeout=5,
    )
    waits = Waits()
    [outcome] = await deliver(
        digest,
        [Destination(kind=DestinationKind.EMAIL, target="s@unodc.example", formats=["md"])],
        outboxes={},
        settings=config,
        sleep=waits,
    )
    assert (outcome.ok, outcome.attempts) == (False, 3)
    assert outcome.error is not None
    assert outcome.error.startswith("SMTPAuthenticationError")
    assert "wrong" not in outcome.error
    assert waits.seconds == [5.0, 10.0]
    assert mailbox.messages == []


async def test_slack_and_telegram_get_a_message_then_one_reply_per_file(digest: Digest) -> None:
    slack = RecordingOutbox(platform="slack")
    telegram = RecordingOutbox(platform="telegram")
    outcomes = await deliver(
        digest,
        [
            Destination(kind=DestinationKind.SLACK, target="C0SECRETARIAT"),
            Destination(kind=DestinationKind.TELEGRAM, target="-1001234", formats=["docx"]),
        ],
        outboxes={"slack": slack, "telegram": telegram},  # type: ignore[dict-item]
        settings=settings(),
    )
    assert [(o.kind, o.ok) for o in outcomes] == [("slack", True), ("telegram", True)]
    assert [chat for chat, _ in slack.sent] == ["C0SECRETARIAT"] * 3
    message, docx, xlsx = (replies[0] for _, replies in slack.sent)
    assert message.text.startswith("Digest: Constructive dialogue 2027 (WGIC 18)\n")
    assert digest.submitted_sentence in message.text
    assert "• Agenda item 3: Spotlight on the eighteenth meeting" in message.text
    assert message.document is None
    assert docx.document is not None
    assert xlsx.document is not None
    assert (docx.document.filename, docx.document.mime_type) == (
        "digest-wgic-18-2027-2027-01-15.docx",
        DOCX,
    )
    assert xlsx.document.mime_type == XLSX
    assert [len(replies) for _, replies in telegram.sent] == [1, 1]
    assert telegram.sent[1][1][0].document is not None


async def test_a_failing_destination_is_retried_and_never_stops_the_others(
    digest: Digest, tmp_path: Path
) -> None:
    flaky = RecordingOutbox(platform="slack", failures=1)
    broken = RecordingOutbox(platform="telegram", failures=10)
    waits = Waits()
    outcomes = await deliver(
        digest,
        [
            Destination(kind=DestinationKind.SLACK, target="C1", formats=["md"]),
            Destination(kind=DestinationKind.TELEGRAM, target="-100", formats=["md"]),
            Destination(kind=DestinationKind.EMAIL, target="s@unodc.example"),
            Destination(
                kind=DestinationKind.DIRECTORY, target=str(tmp_path / "out"), formats=["md", "html"]
            ),
        ],
        outboxes={"slack": flaky, "telegram": broken},  # type: ignore[dict-item]
        settings=settings(),
        sleep=waits,
    )
    assert [(o.kind, o.ok, o.attempts) for o in outcomes] == [
        ("slack", True, 2),
        ("telegram", False, 3),
        ("email", False, 1),
        ("directory", True, 1),
    ]
    assert outcomes[1].error == "ConnectionError: the platform answered 502"
    assert outcomes[2].error == "set SMTP_URL and SMTP_FROM to send digests by e-mail"
    assert waits.seconds == [5.0, 5.0, 10.0]
    assert len(flaky.sent) == 2  # the message and the file, each once
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "digest-wgic-18-2027-2027-01-15.html",
        "digest-wgic-18-2027-2027-01-15.md",
    ]


async def test_a_chat_destination_resumes_after_the_reply_that_failed(digest: Digest) -> None:
    class FailsOnTheFile(RecordingOutbox):
        failed = False

        async def deliver(self, chat_id: str, replies: Any) -> None:
            if replies[0].document is not None and not self.failed:
                self.failed = True
                raise ConnectionError("timeout")
            await super().deliver(chat_id, replies)

    outbox = FailsOnTheFile(platform="telegram")
    [outcome] = await deliver(
        digest,
        [Destination(kind=DestinationKind.TELEGRAM, target="-100", formats=["xlsx"])],
        outboxes={"telegram": outbox},
        settings=settings(),
        sleep=Waits(),
    )
    assert (outcome.ok, outcome.attempts) == (True, 2)
    assert [replies[0].document is None for _, replies in outbox.sent] == [True, False]


async def test_a_chat_channel_not_running_is_reported_at_once(digest: Digest) -> None:
    waits = Waits()
    [outcome] = await deliver(
        digest,
        [Destination(kind=DestinationKind.TELEGRAM, target="-100")],
        outboxes={},
        settings=settings(),
        sleep=waits,
    )
    assert (outcome.ok, outcome.attempts, outcome.error) == (
        False,
        1,
        "no telegram channel is running in this process",
    )
    assert waits.seconds == []


def test_smtp_url_is_checked_and_kept_secret() -> None:
    from config.errors import ConfigError
    from config.settings import load_settings

    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, smtp_url="http://user:hunter2@mail")
    assert "SMTP_URL" in str(caught.value.problems[0])
    assert "hunter2" not in str(caught.value.problems[0])
    good = settings(smtp_url="smtps://user:hunter2@mail.example.org")
    assert "hunter2" not in repr(good)
