"""Secrets never reach the logs, whatever a library logs and at whatever level."""

from __future__ import annotations

import logging

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


def test_existing_handlers_are_kept_and_filtered(caplog: pytest.LogCaptureFixture) -> None:
    configure(load_settings(telegram_bot_token=TOKEN))
    logging.getLogger("telegram").warning("calling /bot%s/getMe", TOKEN)
    assert "calling /bot***/getMe" in caplog.text
    assert TOKEN not in caplog.text
