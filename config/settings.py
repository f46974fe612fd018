"""Typed settings: the only module that reads the process environment (and `.env`)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from config.errors import ConfigError, Problem

BUNDLED_CONSULTATIONS = Path(__file__).parent / "consultations"

DOCX_TEMPLATE_FIX = (
    "point DIGEST_DOCX_TEMPLATE at a copy of bot/digest/templates/digest.docx restyled in "
    "Word or LibreOffice that keeps the paragraph {{ body }} and {{ header }} in its header "
    "(docs/operations.md), or unset it for the bundled template"
)
_FIXES: dict[str, str] = {
    "database_url": "use a URL such as sqlite+aiosqlite:///intersessional.db "
    "or postgresql://user:password@host:5432/dbname",
    "port": "set PORT to a number between 1 and 65535",
    "consultations_path": "point CONSULTATIONS_PATH at a YAML file or a directory of them",
    "smtp_url": "use a URL such as smtp://user:password@mail.example.org:587 "
    "or smtps://user:password@mail.example.org:465",
    "admins": "list accounts as platform:user_id separated by commas, "
    "e.g. ADMINS=telegram:12345,slack:U0ABC",
    "public_url": "set PUBLIC_URL to where `serve` is reached, e.g. https://bot.example.org",
    "console_idle_minutes": "set CONSOLE_IDLE_MINUTES to a number of minutes from 1 to 1440",
    "translate_url": "use the base URL of a LibreTranslate service, e.g. "
    "http://127.0.0.1:5000 or https://translate.example.org",
    "translate_timeout": "set TRANSLATE_TIMEOUT to seconds between 0 and 300, e.g. 10",
    "translate_max_chars": "set TRANSLATE_MAX_CHARS to a number of characters, e.g. 5000",
    "digest_docx_template": DOCX_TEMPLATE_FIX,
    "telegram_webhook_secret": "use letters, digits, _ and - only (at most 256), "
    "or unset it to have one generated",
    "telegram_messages_per_second": "set TELEGRAM_MESSAGES_PER_SECOND to a number from 1 to "
    "1000, e.g. 30 (Telegram's limit)",
}
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
ADMIN_PLATFORMS = frozenset({"telegram", "slack", "terminal"})
"""The platforms an administrator's account can be on."""


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/intersessional, else ~/.cache/intersessional: the XDG default."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "intersessional"


class Settings(BaseSettings):
    """Everything the process needs from its environment, validated once at start."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    database_url: str = Field(default="sqlite+aiosqlite:///intersessional.db", repr=False)
    consultations_path: Path = BUNDLED_CONSULTATIONS
    port: int = Field(default=8080, ge=1, le=65535)
    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_bot_username: str | None = None
    telegram_base_file_url: str | None = None
    """The Bot API file URL; by default derived from TELEGRAM_BASE_URL (`…/bot` → `…/file/bot`)."""
    telegram_webhook_url: str | None = None
    """The public URL of `serve`'s /telegram/webhook route; when set, `serve` registers it."""
    telegram_webhook_secret: SecretStr | None = None
    """The webhook's secret token; generated once and kept in the database when not set."""
    telegram_messages_per_second: int = Field(default=30, ge=1, le=1000)
    """The bot's messages a second to all chats together, whichever of its processes sends
    them: Telegram's limit is about 30 (lower it to leave room for another sender)."""
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    files_dir: Path = Path("files")
    cache_dir: Path = Field(default_factory=default_cache_dir)
    """What a process derives once and the next reuses: the packed language profiles
    (`handlers/profiles.py`). Removing it costs the next start 0.25 s of a child's work."""
    max_document_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    max_text_chars: int = Field(default=4000, ge=10)
    default_locale: str = "en"
    log_level: str = "INFO"
    log_file: Path | None = None
    """Where the log goes instead of standard error; while the terminal channel holds the
    conversation (`shell`, or `run` with no platform), `intersessional.log` by default."""
    smtp_url: SecretStr | None = None
    """Where digests are e-mailed from: smtp://user:password@host:587 (STARTTLS when the
    server offers it) or smtps://user:password@host:465 (TLS from the start)."""
    smtp_from: str | None = None
    smtp_timeout: float = Field(default=30.0, gt=0)
    admins: str = ""
    """Secretariat administrators added at start: `telegram:12345,slack:U0ABC`."""
    public_url: str | None = None
    """Where `serve` is reached from outside (https://bot.example.org): the console's
    sign-in links start with it, and its cookie is Secure when it is https."""
    console_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    """A console session left unused this long is signed out."""

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("not an http:// or https:// URL with a host")
        return value.strip().rstrip("/")

    translate_url: str | None = None
    """A LibreTranslate service (its base URL) that translates the answers in other languages
    into English in digests; unset, digests are not machine-translated."""
    translate_api_key: SecretStr | None = None
    translate_timeout: float = Field(default=10.0, gt=0, le=300)
    """Seconds one translation may take."""
    translate_max_chars: int = Field(default=5000, ge=1, le=100_000)
    """The longest answer sent for translation (LibreTranslate's `--char-limit`)."""
    digest_docx_template: Path | None = None
    """The secretariat's own Word template for DOCX digests (its letterhead, styles): a copy
    of the bundled one restyled (docs/operations.md); checked at start-up. Unset: bundled."""

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parts = urlsplit(value.get_secret_value())
            if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
                raise ValueError("not an smtp:// or smtps:// URL with a host")
        return value

    @field_validator("translate_url")
    @classmethod
    def _translate_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("not an http:// or https:// URL with a host")
        return value.rstrip("/")

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"not a log level: use one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("admins")
    @classmethod
    def _admin_accounts(cls, value: str) -> str:
        parse_admins(value)
        return value

    @property
    def admin_accounts(self) -> tuple[tuple[str, str], ...]:
        """The ADMINS accounts as (platform, user id) pairs."""
        return parse_admins(self.admins)

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("Telegram accepts 1 to 256 characters A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def has_telegram(self) -> bool:
        """True when a Telegram bot token is configured."""
        return self.telegram_bot_token is not None

    @property
    def has_slack(self) -> bool:
        """True when Slack credentials are configured."""
        return self.slack_bot_token is not None


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
"""The levels LOG_LEVEL accepts (any case)."""


def parse_admins(value: str) -> tuple[tuple[str, str], ...]:
    """`telegram:12345,slack:U0ABC` as pairs; ValueError names the entry that is wrong."""
    accounts: list[tuple[str, str]] = []
    for entry in value.split(","):
        if not entry.strip():
            continue
        platform, _, user_id = entry.strip().partition(":")
        if platform.lower() not in ADMIN_PLATFORMS or not user_id.strip():
            raise ValueError(
                f"{entry.strip()!r} is not platform:user_id with a platform among "
                f"{', '.join(sorted(ADMIN_PLATFORMS))}"
            )
        accounts.append((platform.lower(), user_id.strip()))
    return tuple(dict.fromkeys(accounts))


def async_database_url(url: str) -> str:
    """Map the URL forms a PaaS hands out to the async drivers we ship."""
    scheme, _, rest = url.partition("://")
    if not rest:
        raise ValueError("not a database URL")
    drivers = {
        "postgres": "postgresql+asyncpg",
        "postgresql": "postgresql+asyncpg",
        "postgresql+psycopg": "postgresql+asyncpg",
        "sqlite": "sqlite+aiosqlite",
    }
    scheme = drivers.get(scheme, scheme)
    if scheme not in {"postgresql+asyncpg", "sqlite+aiosqlite"}:
        raise ValueError(f"unsupported database scheme {scheme!r}")
    url = f"{scheme}://{rest}"
    try:
        make_url(url).port  # noqa: B018 - reading the port is the check
    except (ValueError, ArgumentError):
        raise ValueError("the URL cannot be read (check the port and special characters)") from None
    return url


def redact_url(url: str) -> str:
    """The URL with any password replaced, safe to print or log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings, turning any mistake into one clear ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [
            Problem(
                source="environment",
                path=str(error["loc"][0]).upper() if error["loc"] else "",
                message=error["msg"],
                fix=_FIXES.get(str(error["loc"][0]) if error["loc"] else "", "correct the value"),
            )
            for error in exc.errors()
        ]
        raise ConfigError(problems) from None
