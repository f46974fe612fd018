"""Tests of the settings: defaults, the environment, `.env`, database URLs and secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from config.errors import ConfigError, Problem
from config.settings import (
    BUNDLED_CONSULTATIONS,
    Settings,
    async_database_url,
    load_settings,
    redact_url,
)

DATABASE_URL_FIX = (
    "use a URL such as sqlite+aiosqlite:///intersessional.db "
    "or postgresql://user:password@host:5432/dbname"
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting from the caller's environment, and no stray `.env` in the cwd."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///intersessional.db"
    assert settings.consultations_path == BUNDLED_CONSULTATIONS
    assert settings.port == 8080
    assert settings.telegram_bot_token is None
    assert settings.telegram_base_url == "https://api.telegram.org/bot"
    assert settings.slack_bot_token is None
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.default_locale == "en"
    assert settings.has_telegram is False
    assert settings.has_slack is False


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.example/intersessional")
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.setenv("CONSULTATIONS_PATH", str(tmp_path / "consultations"))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:telegram-token")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-slack-token")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:8082/api/")
    settings = load_settings()
    assert settings.database_url == "postgresql+asyncpg://u:p@db.example/intersessional"
    assert settings.port == 9000
    assert settings.consultations_path == tmp_path / "consultations"
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123:telegram-token"
    assert settings.telegram_base_url == "http://127.0.0.1:8081/bot"
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-slack-token"
    assert settings.slack_api_url == "http://127.0.0.1:8082/api/"
    assert settings.has_telegram is True
    assert settings.has_slack is True


def test_keyword_overrides() -> None:
    assert load_settings(port=9001).port == 9001


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(ValidationError):
        settings.port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgresql://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgresql+psycopg://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgresql+asyncpg://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_async_database_url(given: str, expected: str) -> None:
    assert async_database_url(given) == expected


def test_database_url_from_the_environment_gets_the_async_driver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@h/db")
    assert load_settings().database_url == "postgresql+asyncpg://u:p@h/db"
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    assert load_settings().database_url == "sqlite+aiosqlite:///x.db"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("mysql://u:p@h/db", "unsupported database scheme 'mysql'"),
        ("intersessional.db", "not a database URL"),
    ],
)
def test_async_database_url_refuses(given: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message + "$"):
        async_database_url(given)


def test_mysql_url_is_a_config_error_naming_database_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://u:s3cret@h/db")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.problems == [
        Problem(
            "environment",
            "DATABASE_URL",
            "Value error, unsupported database scheme 'mysql'",
            DATABASE_URL_FIX,
        )
    ]
    assert "DATABASE_URL" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_non_numeric_port_is_a_config_error_at_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "abc")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert [p.path for p in caught.value.problems] == ["PORT"]
    problem = caught.value.problems[0]
    assert problem.source == "environment"
    assert problem.fix == "set PORT to a number between 1 and 65535"
    assert str(problem).startswith("environment: PORT: ")
    assert str(problem).endswith(". Fix: set PORT to a number between 1 and 65535")


@pytest.mark.parametrize("port", ["0", "65536"])
def test_port_out_of_range(monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    monkeypatch.setenv("PORT", port)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert [p.path for p in caught.value.problems] == ["PORT"]


def test_every_bad_setting_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "abc")
    monkeypatch.setenv("DATABASE_URL", "mysql://h/db")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert sorted(p.path for p in caught.value.problems) == ["DATABASE_URL", "PORT"]


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("postgresql://u:s3cret@h/db", "postgresql://u:***@h/db"),
        (
            "postgresql+asyncpg://postgres:s3cret@127.0.0.1:5432/db",
            "postgresql+asyncpg://postgres:***@127.0.0.1:5432/db",
        ),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("sqlite+aiosqlite:///intersessional.db", "sqlite+aiosqlite:///intersessional.db"),
    ],
)
def test_redact_url(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted
    assert "s3cret" not in redact_url(url)


def test_token_is_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:do-not-print-me")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-do-not-print-me")
    settings = load_settings()
    assert isinstance(settings.telegram_bot_token, SecretStr)
    assert isinstance(settings.slack_signing_secret, SecretStr)
    assert settings.telegram_bot_token.get_secret_value() == "123456:do-not-print-me"
    assert "do-not-print-me" not in repr(settings.telegram_bot_token)
    assert "do-not-print-me" not in repr(settings)
    assert "do-not-print-me" not in str(settings)


def test_dot_env_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "PORT=8123\nTELEGRAM_BOT_TOKEN=from-dot-env\nSOMETHING_ELSE=ignored\n", encoding="utf-8"
    )
    settings = load_settings()
    assert settings.port == 8123
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "from-dot-env"


def test_the_environment_wins_over_dot_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=8123\n", encoding="utf-8")
    monkeypatch.setenv("PORT", "8124")
    assert load_settings().port == 8124


def test_a_bad_value_in_dot_env_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=eighty\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert [p.path for p in caught.value.problems] == ["PORT"]


def test_the_database_password_is_not_in_the_settings_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:s3cret@h/db")
    assert "s3cret" not in repr(load_settings())


def test_log_level_is_checked_and_any_case_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "warning")
    assert load_settings().log_level == "WARNING"
    monkeypatch.setenv("LOG_LEVEL", "verbose")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (
            "LOG_LEVEL",
            "Value error, not a log level: use one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
        )
    ]


@pytest.mark.parametrize("pace", ["0", "1001", "fast"])
def test_a_telegram_pace_out_of_range_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, pace: str
) -> None:
    monkeypatch.setenv("TELEGRAM_MESSAGES_PER_SECOND", pace)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    [problem] = caught.value.problems
    assert (problem.path, problem.fix) == (
        "TELEGRAM_MESSAGES_PER_SECOND",
        "set TELEGRAM_MESSAGES_PER_SECOND to a number from 1 to 1000, e.g. 30 (Telegram's limit)",
    )
