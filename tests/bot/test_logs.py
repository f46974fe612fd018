"""Secrets never reach the logs, whatever a library logs and at whatever level."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.logs import Redact, configure, secrets_of
from config.settings import load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_settings_secrets_are_collected(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(
        telegram_bot_token=TOKEN,
        slack_signing_secret="8f742231b10e8888abcd99yyyzzz85a5",
        database_url="postgresql://bot:s3cretpass@127.0.0.1/db",
        smtp_url="smtp://mail:mailpass99@127.0.0.1:25",
    )
    found = secrets_of(settings)
    for secret in (TOKEN, TOKEN.split(":")[1], "8f742231b10e8888abcd99yyyzzz85a5", "s3cretpass"):
        assert secret in found
    assert "mailpass99" in found


def test_a_url_with_the_token_is_redacted_at_any_level(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers[:] = []  # a bare process, as `intersessional` starts
    try:
        configure(load_settings(telegram_bot_token=TOKEN, log_level="DEBUG"))
        logging.getLogger("httpx").setLevel(logging.DEBUG)
        logging.getLogger("httpx").info(
            "HTTP Request: POST %s", f"http://127.0.0.1:1/bot{TOKEN}/getUpdates"
        )
        logging.getLogger("telegram").debug("token part %s", TOKEN.split(":")[1])
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    err = capsys.readouterr().err
    assert "/bot***/getUpdates" in err
    assert TOKEN not in err
    assert TOKEN.split(":")[1] not in err


def test_short_values_are_not_treated_as_secrets() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "abc and abc", None, None)
    assert Redact(["abc"]).filter(record)
    assert record.getMessage() == "abc and abc"


def test_a_console_sign_in_token_in_a_path_is_redacted() -> None:
    line = '127.0.0.1:5 - "POST /console/signin/AbC-12_xyz HTTP/1.1" 303'
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, line, None, None)
    assert Redact([]).filter(record)
    assert record.getMessage() == '127.0.0.1:5 - "POST /console/signin/*** HTTP/1.1" 303'


def test_existing_handlers_are_kept_and_filtered(caplog: pytest.LogCaptureFixture) -> None:
    configure(load_settings(telegram_bot_token=TOKEN))
    logging.getLogger("telegram").warning("calling /bot%s/getMe", TOKEN)
    assert "calling /bot***/getMe" in caplog.text
    assert TOKEN not in caplog.text


@contextmanager
def bare_root() -> Iterator[None]:
    """Logging configured at DEBUG on a root logger without handlers, as `intersessional`
    starts (pytest adds its own to every test phase); restored afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers[:] = []
    try:
        configure(load_settings(log_level="DEBUG"))
        yield
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def test_trust_06_a_forged_line_stays_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with bare_root():
        log_hostile_lines()
    lines = [line for line in capsys.readouterr().err.splitlines() if " bot.logs: " not in line]
    assert lines[0].endswith(
        "INFO bot.adapters.slack.channel: text from "
        "Amina\\n2026-01-01 INFO forged\\r\\x1b[2Jcleared\\u2028next"
    )
    assert lines[1].endswith('INFO bot.web: 127.0.0.1 - "POST /x\\n2026-01-01"')
    assert lines[2].endswith("ERROR bot: a failure\\nwith a forged line")
    # The traceback stays as Python formats it, line by line.
    assert lines[3] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: boom"
    assert not [line for line in lines if line.startswith("2026-01-01")]


def log_hostile_lines() -> None:
    """Log what an attacker could put in a message, an argument or a request path."""
    hostile = "Amina\n2026-01-01 INFO forged\r\x1b[2Jcleared\u2028next"
    logging.getLogger("bot.adapters.slack.channel").info("text from %s", hostile)
    logging.getLogger("bot.web").info('%s - "%s %s"', "127.0.0.1", "POST", "/x\n2026-01-01")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("bot").exception("a failure\nwith a forged line")


def test_trust_06_platform_libraries_never_log_a_body(capsys: pytest.CaptureFixture[str]) -> None:
    with bare_root():
        log_what_platform_libraries_log()
    err = capsys.readouterr().err
    assert "my answer" not in err
    assert "a listener did not call ack()" in err
    assert "our own debug line" in err


def log_what_platform_libraries_log() -> None:
    """Bolt's, slack_sdk's and python-telegram-bot's records, as they log them."""
    # What Bolt and slack_sdk log at DEBUG and INFO: whole request and response bodies.
    logging.getLogger("slack_bolt.AsyncRequestVerification").info(
        "Invalid request signature detected (body: {'text': 'my answer'})"
    )
    logging.getLogger("slack_sdk.web.async_base_client").debug(
        "Sending a request - json: {'text': 'my answer'}"
    )
    logging.getLogger("slack_sdk.socket_mode.aiohttp").debug("Received message (data: my answer)")
    logging.getLogger("telegram.Bot").debug(
        "Calling Bot API endpoint `sendMessage` with parameters `{'text': 'my answer'}`"
    )
    logging.getLogger("telegram.ext.Updater").debug("Received data: {'text': 'my answer'}")
    logging.getLogger("slack_bolt.AsyncApp").warning("AsyncApp: a listener did not call ack()")
    logging.getLogger("bot.adapters.slack.channel").debug("our own debug line")
