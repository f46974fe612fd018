"""The Bot API transport: python-telegram-bot's HTTP client, its errors in the limiter's terms."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import httpx
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    TelegramError,
)
from telegram.request import HTTPXRequest

from bot.adapters.sending import ApiCall
from bot.adapters.telegram.limiter import RetryLater, Transient
from bot.adapters.telegram.translate import ALLOWED_UPDATES
from config.errors import ConfigError, Problem
from config.settings import redact_url
from handlers.events import DocumentTooLarge
from handlers.ports import Unreachable

log = logging.getLogger(__name__)


def file_base_url(base_url: str, explicit: str | None = None) -> str:
    """The Bot API file URL that goes with `base_url` (`…/bot` → `…/file/bot`).

    Args:
        base_url: The Bot API base, as python-telegram-bot's `base_url`.
        explicit: TELEGRAM_BASE_FILE_URL, when the operator set one.

    Returns:
        The file base URL, so downloads reach the same server as the API calls.
    """
    if explicit:
        return explicit
    head, separator, tail = base_url.rpartition("/bot")
    if separator:
        return f"{head}/file/bot{tail}"
    return base_url.rstrip("/") + "/file/bot"


class BadAnswer(Exception):
    """Telegram's answer to a call could not be read: a field missing or of the wrong type,
    a `null` result, a result of another type. The call itself may have taken effect (the
    message was sent), so it is not made again."""


class PollingConflict(Exception):
    """getUpdates answered 409: another process polls with the same token (an overlapping
    deploy), or a webhook is set. Retrying is right: the other one may stop."""


class FloodControl(TelegramError):
    """A 429 answer with its retry_after, read from the response's `parameters`."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"Flood control exceeded: retry after {retry_after} s")
        self.seconds = retry_after


class _Request(HTTPXRequest):
    """python-telegram-bot's httpx request, reading 429 answers itself.

    The library's own RetryAfter exposes the wait through a property that warns on every
    access in version 22; reading `parameters.retry_after` here keeps the number exact and
    the warning away.
    """

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code == 429:
            try:
                retry_after = json.loads(payload)["parameters"]["retry_after"]
            except (ValueError, KeyError, TypeError):
                retry_after = None
            if isinstance(retry_after, int | float):
                raise FloodControl(float(retry_after))
        return code, payload


class BotApi:
    """The calls the channel makes, through a `telegram.Bot` used only as an HTTP client."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str,
        base_file_url: str,
        read_timeout: float = 15.0,
        connections: int = 16,
    ) -> None:
        self.bot_id = token.partition(":")[0]
        self.base_url = base_url
        self._poll_read_timeout = 10.0
        self._updates = _Request(connection_pool_size=1, read_timeout=self._poll_read_timeout)
        self.bot = Bot(
            token,
            base_url=base_url,
            base_file_url=base_file_url,
            request=_Request(
                connection_pool_size=connections,
                read_timeout=read_timeout,
                write_timeout=read_timeout,
                media_write_timeout=60.0,
            ),
            # getUpdates adds the long-poll timeout to this read timeout.
            get_updates_request=self._updates,
        )
        # Files are streamed, to stop at a size limit; python-telegram-bot reads them whole.
        self._files = httpx.AsyncClient(timeout=httpx.Timeout(read_timeout, connect=10.0))

    async def start(self) -> None:
        """Open the HTTP clients and check the token (getMe).

        Raises:
            ConfigError: Telegram refused the token, or nothing answers at the base URL as the
                Bot API does: one problem naming the variable and the fix, without a secret.
        """
        try:
            with _translated_errors():
                await self.bot.initialize()
        except (Transient, RetryLater, BadAnswer) as exc:
            # At start, a Bot API that cannot be reached or read is the operator's to fix.
            what = (
                f"the answer to getMe is not the Bot API's ({exc})"
                if isinstance(exc, BadAnswer)
                else f"cannot reach the Bot API ({exc})"
            )
            fix = (
                "check TELEGRAM_BASE_URL (by default https://api.telegram.org/bot) "
                "and that this machine can reach it"
            )
            raise ConfigError(
                [Problem("TELEGRAM_BASE_URL", redact_url(self.base_url), what, fix)]
            ) from None

    async def close(self) -> None:
        """Close the HTTP clients."""
        await self.bot.shutdown()
        await self._files.aclose()

    async def send(self, call: ApiCall) -> Any:
        """Make one call produced by `translate.to_calls`.

        Raises:
            Unreachable: The chat is closed to the bot (blocked, deactivated).
            RetryLater: Telegram answered 429.
            Transient: A 5xx answer, a timeout or a network failure.
            BadRequest: Telegram refused the call; retrying would not help.
            BadAnswer: Telegram's answer could not be read; the call may have been made.
        """
        params = dict(call.params)
        markup = _markup(params.pop("reply_markup", None))
        with _translated_errors():
            if call.method == "sendMessage":
                return await self.bot.send_message(reply_markup=markup, **params)
            if call.method == "editMessageText":
                try:
                    return await self.bot.edit_message_text(reply_markup=markup, **params)
                except BadRequest as exc:
                    if "message is not modified" in exc.message.lower():
                        return True  # the same toggle pressed twice: already shown
                    raise
            if call.method == "sendDocument" and call.document is not None:
                return await self.bot.send_document(
                    document=call.document.content,
                    filename=call.document.filename,
                    reply_markup=markup,
                    **params,
                )
        raise ValueError(f"not a call this channel makes: {call.method}")

    async def answer_callback(self, callback_query_id: str) -> None:
        """Stop the spinner on a pressed button."""
        with _translated_errors():
            await self.bot.answer_callback_query(callback_query_id)

    async def get_updates(self, *, offset: int | None, wait: int) -> list[Any]:
        """Long-poll for updates: Telegram answers at once when it has some, else after `wait`
        seconds.

        Returns:
            The updates as Telegram sent them. `Bot.get_updates` would parse the whole batch
            into objects, so one malformed update would fail them all (and be logged in
            full); raw, each is checked on its own by `translate.to_received`.
        """
        query: dict[str, Any] = {"timeout": wait, "allowed_updates": json.dumps(ALLOWED_UPDATES)}
        if offset is not None:
            query["offset"] = offset
        with _translated_errors():
            # Our own transport's documented `post`: status codes and errors exactly as for
            # every other call, the parameters in the query string as the Bot API allows.
            result = await self._updates.post(
                f"{self.bot.base_url}/getUpdates?{urlencode(query)}",
                read_timeout=wait + self._poll_read_timeout,
            )
        if not isinstance(result, list):
            raise BadAnswer(f"getUpdates: the result is {type(result).__name__}, not a list")
        return result

    async def download(self, file_id: str, *, limit: int | None = None) -> bytes:
        """A file's bytes, through getFile and the file URL, read in pieces.

        Args:
            file_id: The document's file_id.
            limit: The most bytes accepted. Telegram does not always tell a file's size, so
                the download itself stops once it passes the limit.

        Raises:
            DocumentTooLarge: The file is larger than `limit` (or than Telegram lets bots
                download): nothing more than `limit` + 1 bytes was read.
            Transient: A 5xx answer, a timeout or a network failure.
            BadRequest: The file cannot be had (gone, or never there).
        """
        with _translated_errors():
            try:
                file = await self.bot.get_file(file_id)
            except BadRequest as exc:
                if "too big" in exc.message.lower():  # over the Bot API's 20 MB for bots
                    raise DocumentTooLarge(exc.message) from None
                raise
        if limit is not None and file.file_size is not None and file.file_size > limit:
            raise DocumentTooLarge(f"{file.file_size} bytes")
        if not file.file_path:
            raise BadAnswer("getFile: the answer has no file_path")
        return await self._fetch(file.file_path, limit)

    async def _fetch(self, url: str, limit: int | None) -> bytes:
        """GET a file URL, stopping (and closing the connection) past `limit` bytes."""
        content = bytearray()
        try:
            async with self._files.stream("GET", url) as response:
                if response.status_code == 429 or response.status_code >= 500:
                    raise Transient(f"file download: HTTP {response.status_code}")
                if response.status_code != 200:
                    raise BadRequest(f"file download: HTTP {response.status_code}")
                async for piece in response.aiter_bytes():
                    content += piece
                    if limit is not None and len(content) > limit:
                        raise DocumentTooLarge(f"more than {limit} bytes")
        except httpx.HTTPError as exc:
            # The URL holds the bot token: only the kind of failure is kept.
            raise Transient(f"file download: {type(exc).__name__}") from None
        return bytes(content)

    async def set_commands(self, commands: Mapping[str, str], language: str | None) -> None:
        """The command menu for one language (None: the default menu)."""
        with _translated_errors():
            await self.bot.set_my_commands(
                [BotCommand(name, description[:256]) for name, description in commands.items()],
                language_code=language,
            )

    async def set_webhook(self, url: str, secret: str) -> None:
        """Have Telegram POST updates to `url` with the secret header."""
        with _translated_errors():
            await self.bot.set_webhook(
                url, allowed_updates=list(ALLOWED_UPDATES), secret_token=secret
            )

    async def delete_webhook(self) -> None:
        """Remove any webhook, so getUpdates may be used."""
        with _translated_errors():
            await self.bot.delete_webhook()


def _refused(exc: InvalidToken) -> ConfigError:
    """The configuration problem behind a 401 or 404 answer, without the token."""
    answer = str(exc.__cause__ or exc).lower()
    if "not found" in answer:
        problem = Problem(
            "TELEGRAM_BASE_URL",
            "",
            "the Bot API answered 404 Not Found: the base URL or the token is malformed",
            "check that TELEGRAM_BASE_URL ends in /bot (by default https://api.telegram.org/bot) "
            "and that TELEGRAM_BOT_TOKEN is the whole token from @BotFather",
        )
    else:
        problem = Problem(
            "TELEGRAM_BOT_TOKEN",
            "",
            "Telegram refused the token (401 Unauthorized)",
            "copy the token from @BotFather again",
        )
    return ConfigError([problem])


def _markup(raw: Any) -> InlineKeyboardMarkup | None:
    if not raw:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(cell["text"], callback_data=cell["callback_data"])
                for cell in row
            ]
            for row in raw["inline_keyboard"]
        ]
    )


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Maps every error of a call to one the limiter and the channel act on.

    This is the one place where python-telegram-bot's exceptions, and whatever it raises
    while reading an answer, become ours: nothing else escapes a call.
    """
    try:
        yield
    except FloodControl as exc:
        raise RetryLater(exc.seconds) from exc
    except Forbidden as exc:
        raise Unreachable(exc.message) from exc
    except BadRequest:
        raise  # Telegram refused the call as made: retrying would not help
    except NetworkError as exc:  # also TimedOut and 5xx answers
        raise Transient(str(exc)) from exc
    except Conflict as exc:
        raise PollingConflict(exc.message) from exc
    except InvalidToken as exc:
        # Retrying cannot help: the operator must act. python-telegram-bot's own message
        # carries the whole token, so only Telegram's answer (its cause) is looked at.
        raise _refused(exc) from None
    except TelegramError as exc:  # e.g. "Invalid server response": an answer that is not JSON
        raise Transient(str(exc)) from exc
    except Exception as exc:
        # python-telegram-bot reads a result into objects (de_json), which raises KeyError,
        # TypeError, ValueError or AttributeError on a field it cannot read.
        raise BadAnswer(f"{type(exc).__name__}: {exc}") from exc
