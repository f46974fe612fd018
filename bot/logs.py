"""Logging set-up: one line per event on stderr, with every configured secret redacted, no
request body and no line an attacker can forge."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr

from config.settings import Settings, redact_url

SIGN_IN_LINK = re.compile(r"(/console/signin/)[A-Za-z0-9_-]+")
"""A console sign-in link's token in a logged path (uvicorn logs every request's path)."""


class Redact(logging.Filter):
    """Replaces secrets in a record's final message, whatever library logged it.

    Libraries log request URLs, and the Bot API puts the token in its URL path, so
    keeping them quiet is not enough: a changed log level must not leak a token. A console
    sign-in link's token is replaced too.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for secret in self.secrets:
            redacted = redacted.replace(secret, "***")
        redacted = SIGN_IN_LINK.sub(r"\1***", redacted)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


BODY_LOGGING_LIBRARIES = ("slack_bolt", "slack_sdk", "telegram")
"""Libraries whose DEBUG and INFO records carry whole request and response bodies (Bolt's
invalid-signature line, slack_sdk's "Sending a request … json:" and every Socket Mode
message, python-telegram-bot's "Calling Bot API endpoint … with parameters" and the updates
it received): what a participant wrote, their profile, or an attacker's unsigned payload."""

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Control characters, line and paragraph separators, and bidirectional controls."""


class NoBodies(logging.Filter):
    """Keeps only WARNING and above from the libraries that log bodies, at any LOG_LEVEL.

    A filter on the handler, not a level on the library's logger: Bolt sets each of its
    loggers' level to the root's when it creates them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return not any(
            record.name == name or record.name.startswith(name + ".")
            for name in BODY_LOGGING_LIBRARIES
        )


def one_line(text: str) -> str:
    """`text` with every control character escaped (`\\n`, `\\x1b`, `\\u2028`), so a value
    from a request cannot start a line of its own or rewrite the terminal."""
    return _CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


class OneLineFormatter(logging.Formatter):
    """One line per record: the message and its arguments have their control characters
    escaped; a traceback is appended as Python formats it, on the lines that follow."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The record's line, escaped."""
        return one_line(super().formatMessage(record))


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value in the settings, including the password inside URLs."""
    values: list[str] = []
    for value in settings.model_dump().values():
        if isinstance(value, SecretStr):
            values.append(value.get_secret_value())
    token = settings.telegram_bot_token
    if token is not None and ":" in token.get_secret_value():
        values.append(token.get_secret_value().split(":", 1)[1])
    for url in (
        settings.database_url,
        settings.smtp_url.get_secret_value() if settings.smtp_url else "",
    ):
        password = urlsplit(url).password if url else None
        if password:
            values.append(password)
    return values


CONVERSATION_LOG = Path("intersessional.log")
"""Where the log goes while the terminal holds the conversation, unless LOG_FILE says."""


def destination(settings: Settings, *, conversation: bool) -> Path | None:
    """The file the log is written to; None for standard error.

    While the terminal channel holds the conversation, the log goes to a file (LOG_FILE, else
    `intersessional.log`): the terminal shows the conversation only.
    """
    if settings.log_file is not None:
        return settings.log_file
    return CONVERSATION_LOG if conversation else None


def configure(settings: Settings, *, conversation: bool = False) -> None:
    """Log at LOG_LEVEL to stderr or to `destination` (unless handlers exist), redacting
    secrets everywhere, keeping request bodies out and every record on one line."""
    redact = Redact(secrets_of(settings))
    root = logging.getLogger()
    if not root.handlers:  # as logging.basicConfig: an embedding process keeps its handlers
        target = destination(settings, conversation=conversation)
        handler: logging.Handler = (
            logging.StreamHandler(sys.stderr)
            if target is None
            else logging.FileHandler(target, encoding="utf-8")
        )
        handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(settings.log_level.upper())
    for existing in root.handlers:
        for old in [f for f in existing.filters if isinstance(f, Redact | NoBodies)]:
            existing.removeFilter(old)  # configured again: the secrets may have changed
        existing.addFilter(NoBodies())
        existing.addFilter(redact)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # A line per job run every minute says nothing the sweeps do not say themselves.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger(__name__).debug("logging; database %s", redact_url(settings.database_url))
