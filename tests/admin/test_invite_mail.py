"""`invite import FILE.csv --send-email`: invitations e-mailed to a real SMTP server on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.bot.test_cli_commands import stored_invites
from tests.commandline import run

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "admin"
BOT = "intersessional_test_bot"
NBSP = "\u00a0"


@dataclass
class Mailbox:
    """What the local SMTP server received; it refuses any address at refused.example."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 Recipient address rejected: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd): what it receives, and its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def smtp(cli: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), and the settings that point at it."""
    with smtp_server() as (mailbox, port):
        monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("SMTP_FROM", "constructive-dialogue@unodc.example")
        monkeypatch.setenv("TELEGRAM_BOT_USERNAME", BOT)
        yield mailbox


def subject(message: EmailMessage) -> str:
    """The subject as a mail client shows it (a long one arrives folded)."""
    return str(message["Subject"]).strip(" ")


def bodies(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML parts."""
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    return plain.get_content().replace("\r\n", "\n"), html.get_content().replace("\r\n", "\n")


def test_each_invite_with_an_address_is_mailed_in_its_language_and_a_refusal_is_reported(
    smtp: Mailbox, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "invite", "import", str(FIXTURES / "invites_email.csv"), "--send-email")

    rows = [line.split("\t") for line in result.out.splitlines()]
    codes = [row[0] for row in rows]
    assert [row[1:] for row in rows] == [
        [name, f"https://t.me/{BOT}?start={code}"]
        for name, code in zip(
            [
                "Lawyers & Advocates for Justice",
                "Réseau francophone contre la traite",
                "جمعية الشفافية العربية",
                "Open Data Lab",
                "Fundación Ausente",
            ],
            codes,
            strict=True,
        )
    ]
    assert result.code == 1
    assert result.err.splitlines() == [
        "5 invites created",
        f"{codes[3]}: no e-mail address for Open Data Lab",
        f"{codes[0]}: e-mail to info@lawyers-advocates.example sent",
        f"{codes[1]}: e-mail to contact@reseau-traite.example sent",
        f"{codes[2]}: e-mail to info@shafafiya.example sent",
        f"{codes[4]}: e-mail to nadie@refused.example failed: the mail server refused the "
        "address: 550 5.1.1 Recipient address rejected: mailbox unavailable",
        "3 of 4 e-mails sent",
    ]
    # The invites stay, the refused one with its address.
    stored = stored_invites(database_url)
    assert [i["code"] for i in stored] == codes

    assert [recipients for recipients, _ in smtp.messages] == [
        ["info@lawyers-advocates.example"],
        ["contact@reseau-traite.example"],
        ["info@shafafiya.example"],
    ]
    english, french, arabic = (message for _, message in smtp.messages)

    assert subject(english) == (
        "Invitation to submit written comments: Constructive dialogue 2027 (WGIC 18)"
    )
    assert english["From"] == "constructive-dialogue@unodc.example"
    assert english["To"] == "info@lawyers-advocates.example"
    plain, html = bodies(english)
    link = f"https://t.me/{BOT}?start={codes[0]}"
    assert plain.splitlines()[:3] == [
        "Dear colleagues,",
        "",
        "The secretariat has the honour to invite Lawyers & Advocates for Justice to contribute "
        "to the following consultation through its consultation assistant on Telegram: "
        "Written comments for the constructive dialogue following the eighteenth meeting of "
        "the Working Group on International Cooperation. Written comments may be submitted "
        "until 31 May 2027, 23:59.",
    ]
    assert f"The invitation code of your organisation is {codes[0]}." in plain
    assert "Number of persons who may use the code: 3." in plain
    assert f"\n\n{link}\n\n" in plain
    assert f"search for @{BOT} in Telegram, send /start and then the code" in plain
    assert "Lawyers &amp; Advocates for Justice" in html
    assert "Lawyers & Advocates" not in html
    assert f'<p><a href="{link}">{link}</a></p>' in html
    assert '<html lang="en" dir="ltr">' in html

    assert subject(french) == (
        f"Invitation à présenter des observations écrites{NBSP}: Dialogue constructif 2027 "
        "(GTCI 18)"
    )
    plain, html = bodies(french)
    assert plain.startswith("Madame, Monsieur,\n\nLe secrétariat a l'honneur d'inviter ")
    assert f"Le code d'invitation de votre organisation est {codes[1]}." in plain
    assert f"https://t.me/{BOT}?start={codes[1]}" in plain
    assert "jusqu'au 31 mai 2027" in plain
    assert '<html lang="fr" dir="ltr">' in html

    assert subject(arabic).startswith("دعوة إلى تقديم تعليقات خطية: ")
    plain, html = bodies(arabic)
    assert plain.startswith("الزملاء الأعزاء،\n\nتتشرف الأمانة بدعوة جمعية الشفافية العربية ")
    assert f"رمز الدعوة الخاص بمنظمتكم هو {codes[2]}." in plain
    assert f"\n\nhttps://t.me/{BOT}?start={codes[2]}\n\n" in plain
    assert '<html lang="ar" dir="rtl">' in html


def test_all_sent_exits_0(smtp: Mailbox, cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (cli / "one.csv").write_text(
        "organisation,category,email\nOpen Data Lab,private_sector,team@opendatalab.example\n",
        encoding="utf-8",
    )
    result = run(capsys, "invite", "import", "one.csv", "--send-email")
    assert (result.code, result.err.splitlines()[-1]) == (0, "1 of 1 e-mails sent")
    [(recipients, message)] = smtp.messages
    assert recipients == ["team@opendatalab.example"]
    assert subject(message) == (
        "Invitation to submit written comments to the constructive dialogues"
    )
    plain, _ = bodies(message)
    assert "contribute to the constructive dialogues through its consultation assistant" in plain


def test_without_smtp_settings_nothing_is_created(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "invite", "import", str(FIXTURES / "invites_email.csv"), "--send-email")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "intersessional: set SMTP_URL, SMTP_FROM, TELEGRAM_BOT_USERNAME to e-mail invitations; "
        "no invites were created\n"
    )
    assert stored_invites(database_url) == []


def test_a_malformed_address_or_language_is_a_row_problem(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (cli / "bad.csv").write_text(
        "organisation,category,email,language\n"
        "Open Data Lab,private_sector,team(at)opendatalab.example,en\n"
        "Acme Security Ltd,private_sector,info@acme.example,de\n",
        encoding="utf-8",
    )
    result = run(capsys, "invite", "import", "bad.csv", "--send-email")
    assert result.code == 2
    assert result.err.splitlines()[:2] == [
        "bad.csv: line 2: email 'team(at)opendatalab.example' is not an e-mail address such "
        "as info@ngo.org",
        "bad.csv: line 3: language 'de': use one of en, fr, es, ru, zh, ar",
    ]
    assert stored_invites(database_url) == []
