"""A local fake of the Telegram Bot API: the documented HTTP + JSON protocol, calls recorded.

It answers `POST|GET /bot<token>/<method>` with `{"ok": true, "result": ...}` or
`{"ok": false, "error_code": ..., "description": ..., "parameters": ...}` as Telegram does,
accepts form-encoded, multipart and JSON bodies, and serves files at `/file/bot<token>/<path>`.
Tests queue updates for getUpdates, make a method fail (429 with retry_after, 401, 403, 409,
500, or no answer at all), make it answer a malformed result (`mangle`, `MALFORMED`), and read
back every call, each file download (`downloads`) and the messages of each chat as a user sees
them.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import hashlib
import html
import json
import math
import re
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tests.fakes import serve_loopback

TOKEN = "7294518630:AAE-test-token_for-the-fake-server"
BOT_USERNAME = "intersessional_test_bot"
DATE = 1_800_000_000
"""2027-01-15 08:00 UTC: what `date` says on every message the fake makes."""

_INT_PARAMS = {"chat_id", "message_id", "offset", "limit", "timeout", "max_connections"}
_JSON_PARAMS = {
    "reply_markup",
    "commands",
    "allowed_updates",
    "scope",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
}
_BOOL_PARAMS = {"drop_pending_updates", "show_alert", "disable_notification", "protect_content"}
_MESSAGES = {"sendMessage", "sendDocument"}
"""The methods Telegram's flood limits count."""
_TAGS = re.compile(
    r"</?(b|strong|i|em|u|ins|s|strike|del|code|pre|a|span|tg-spoiler|tg-emoji|blockquote)"
    r"(\s[^<>]*)?>"
)
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
FILE_CHUNK = 64 * 1024
"""A file download is served in pieces of this size, so a client may stop it part-way."""


def _objects(result: Any) -> list[dict[str, Any]]:
    """The objects a result is made of: itself, or each update's message or callback query."""
    if isinstance(result, list):
        return [value for update in result for value in update.values() if isinstance(value, dict)]
    return [result]


def _without_is_bot(result: Any) -> Any:
    for thing in _objects(result):
        sender = thing.get("from")
        (sender if isinstance(sender, dict) else thing).pop("is_bot", None)
    return result


def _date_in_milliseconds(result: Any) -> Any:
    for thing in _objects(result):
        thing["date"] = thing.get("date", DATE) * 1000
    return result


MALFORMED: dict[str, Callable[[Any], Any]] = {
    "no-is_bot": _without_is_bot,
    "date-in-ms": _date_in_milliseconds,
    "null": lambda result: None,
    "wrong-type": lambda result: "ok" if not isinstance(result, str) else {"ok": result},
}
"""Malformed results a Bot API answer may carry (with `"ok": true`): a user without `is_bot`,
a date in milliseconds, a `null` result, a result of the wrong type."""


@dataclass
class Call:
    """One request the bot made, and the HTTP status the fake answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    status: int = 200


@dataclass
class Failure:
    """How the next call of a method fails."""

    status: int
    description: str
    retry_after: int | None = None
    hang: bool = False
    malformed: bool = False
    """Answer 200 with a body that is not JSON (a broken proxy, a truncated answer)."""
    mangle: Callable[[Any], Any] | None = None
    """Handle the call, then answer 200 with its result passed through this."""


@dataclass
class Download:
    """One download of a file: how many bytes left the fake, and how it ended."""

    path: str
    size: int
    served: int = 0
    complete: bool = False
    """True once the whole file was handed to the connection."""
    disconnected: bool = False
    """True when the client closed the connection before the end."""


@dataclass
class FloodLimits:
    """Telegram's flood limits as the fake enforces them once a test opts in.

    Each limit is a rolling window: a message is refused when `count` messages were
    already accepted in the `seconds` before it (those sent at `now - seconds` or earlier
    no longer count). `now` is the test's clock, so a fake timer drives the windows.
    """

    now: Callable[[], float]
    overall: tuple[int, float] = (30, 1.0)
    """About 30 messages per second to all chats together."""
    private: tuple[int, float] = (1, 1.0)
    """One message per second to one private chat."""
    group: tuple[int, float] = (20, 60.0)
    """20 messages per minute to one group."""
    accepted: deque[tuple[float, int]] = field(default_factory=deque)
    """When each accepted message went out, and to which chat."""

    def retry_after(self, chat_id: int) -> int | None:
        """Seconds to wait before a message to `chat_id` is accepted; None if it is now."""
        now = self.now()
        longest = max(self.overall[1], self.private[1], self.group[1])
        while self.accepted and self.accepted[0][0] <= now - longest:
            self.accepted.popleft()
        to_chat = [at for at, chat in self.accepted if chat == chat_id]
        wait = max(
            self._wait([at for at, _ in self.accepted], self.overall, now),
            self._wait(to_chat, self.private if chat_id > 0 else self.group, now),
        )
        if wait > 0:
            return max(1, math.ceil(wait))
        self.accepted.append((now, chat_id))
        return None

    @staticmethod
    def _wait(times: list[float], window: tuple[int, float], now: float) -> float:
        count, seconds = window
        recent = [at for at in times if not at <= now - seconds]
        return recent[-count] + seconds - now if len(recent) >= count else 0.0


class ApiError(Exception):
    """A Bot API error answer."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def parse_html(text: str) -> str:
    """The text a user sees for a message sent with parse_mode HTML, as Telegram parses it.

    Raises:
        ApiError: The text is not valid Telegram HTML (a bare `<`, `>` or `&`).
    """
    stripped = _TAGS.sub("", text)
    if "<" in stripped or ">" in stripped:
        raise ApiError(400, "Bad Request: can't parse entities: unsupported start tag")
    if "&" in _ENTITY.sub("", stripped):
        raise ApiError(400, "Bad Request: can't parse entities: character '&' is reserved")
    return html.unescape(stripped)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


class FakeTelegram:
    """The fake Bot API server's state and its Starlette app (`.app`)."""

    def __init__(self, token: str = TOKEN, *, max_poll_wait: float = 5.0) -> None:
        self.token = token
        self.url = ""
        """Where the server listens, once it runs (set by whoever serves it)."""
        self.bot_id = int(token.split(":")[0])
        self.calls: list[Call] = []
        self.messages: dict[int, list[dict[str, Any]]] = {}
        """Each chat's messages from the bot, in order, as they are now (after edits)."""
        self.webhook: dict[str, Any] | None = None
        self.commands: dict[str | None, list[dict[str, str]]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.unsized: set[str] = set()
        """File ids whose size the fake leaves out (Telegram omits it sometimes)."""
        self.downloads: list[Download] = []
        self.callbacks: dict[str, bool] = {}
        """Callback query ids handed to the bot, and whether each was answered."""
        self.confirmed = 0
        """The highest offset getUpdates was called with: updates below it are confirmed."""
        self.max_poll_wait = max_poll_wait
        self._updates: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._confirmations = asyncio.Condition()
        self._closing = asyncio.Event()
        self._failures: dict[str, deque[Failure]] = {}
        self.limits: FloodLimits | None = None
        """Telegram's flood limits, enforced only when a test calls `enforce_limits`."""
        self.floods = 0
        """429 answers the bot provoked by breaking the enforced limits."""
        self.blocked: set[int] = set()
        """Chats whose person blocked the bot: every message to them is answered 403."""
        self.on_answered: Callable[[Call], None] | None = None
        """Called with each call the fake answers successfully, before the answer leaves
        (a benchmark timestamps the replies of each chat with it)."""
        self._next_message_id = 500
        self._next_file = 1
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
            ]
        )
        self._methods: dict[str, Callable[[Call], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getFile": self._get_file,
            "sendDocument": self._send_document,
        }

    # What tests do

    @property
    def me(self) -> dict[str, Any]:
        """The bot as a `User`."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Intersessional",
            "username": BOT_USERNAME,
        }

    def inject(self, *updates: dict[str, Any]) -> None:
        """Queue updates for getUpdates (a long poll in progress answers at once)."""
        for update in updates:
            self.track(update)
            self._updates.append(update)
        self._arrived.set()

    def track(self, update: dict[str, Any]) -> None:
        """Remember a callback query handed to the bot, to check it gets answered."""
        query = update.get("callback_query")
        if query is not None:
            self.callbacks.setdefault(str(query["id"]), False)

    def fail(
        self,
        method: str,
        status: int,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with an error."""
        default = {
            429: f"Too Many Requests: retry after {retry_after}",
            401: "Unauthorized",
            403: "Forbidden: bot was blocked by the user",
            409: "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
            500: "Internal Server Error",
        }.get(status, "Bad Request")
        for _ in range(times):
            self._failures.setdefault(method, deque()).append(
                Failure(status, description or default, retry_after)
            )

    def enforce_limits(
        self,
        now: Callable[[], float],
        *,
        overall: tuple[int, float] = FloodLimits.overall,
        private: tuple[int, float] = FloodLimits.private,
        group: tuple[int, float] = FloodLimits.group,
    ) -> None:
        """From now on, answer 429 with `parameters.retry_after` to messages over the limits.

        Args:
            now: The clock of the rolling windows: the one the bot's limiter runs on.
            overall: Messages to all chats together, as (messages, seconds).
            private: Messages to one private chat.
            group: Messages to one group.
        """
        self.limits = FloodLimits(now, overall=overall, private=private, group=group)

    def hang(self, method: str, *, times: int = 1) -> None:
        """Give no answer to the next `times` calls of `method`, until the client gives up."""
        for _ in range(times):
            self._failures.setdefault(method, deque()).append(Failure(504, "", hang=True))

    def garble(self, method: str, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with malformed JSON (recorded as 502)."""
        for _ in range(times):
            self._failures.setdefault(method, deque()).append(Failure(502, "", malformed=True))

    def mangle(self, method: str, change: Callable[[Any], Any], *, times: int = 1) -> None:
        """Handle the next `times` calls of `method`, then answer `change(result)` as result.

        The call takes effect (a message is sent); only the answer is malformed.
        """
        for _ in range(times):
            self._failures.setdefault(method, deque()).append(Failure(200, "", mangle=change))

    def add_file(
        self, content: bytes, *, folder: str = "documents", sized: bool = True
    ) -> dict[str, Any]:
        """Store a file a user sends; the `Document`-like fields that refer to it.

        Args:
            content: The file's bytes.
            folder: Where the fake keeps it.
            sized: False to leave `file_size` out, here and in getFile's answer.
        """
        number = self._next_file
        self._next_file += 1
        file_id = f"BQACAgIAAxkBAAI{number:04d}" + hashlib.sha256(content).hexdigest()[:24]
        self.files[file_id] = (f"{folder}/file_{number}", content)
        fields: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"AgAD{number:04d}"}
        if sized:
            fields["file_size"] = len(content)
        else:
            self.unsized.add(file_id)
        return fields

    async def wait_confirmed(self, update_id: int, *, bound: float = 10.0) -> None:
        """Wait until getUpdates was called with an offset past `update_id`."""
        async with self._confirmations:
            await asyncio.wait_for(
                self._confirmations.wait_for(lambda: self.confirmed > update_id), bound
            )

    def close(self) -> None:
        """Release every waiting long poll and hanging call (before the server stops)."""
        self._closing.set()
        self._arrived.set()

    def sent(self, method: str | None = None, *, chat_id: int | None = None) -> list[Call]:
        """The successful calls, of one method and to one chat when given."""
        return [
            call
            for call in self.calls
            if call.status == 200
            and (method is None or call.method == method)
            and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    def unanswered_callbacks(self) -> list[str]:
        """Callback queries the bot never answered (each leaves a spinning button)."""
        return [query for query, answered in self.callbacks.items() if not answered]

    # The protocol

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        params, files = await _read_params(request)
        call = Call(method, params, files)
        self.calls.append(call)
        if request.path_params["token"] != self.token:
            return self._error(call, 401, "Unauthorized")
        handler = self._methods.get(method)
        if handler is None:
            return self._error(call, 404, "Not Found")
        queue = self._failures.get(method)
        if queue:
            failure = queue.popleft()
            if failure.malformed:
                call.status = failure.status
                return Response(b'{"ok": true, "result": [{"upd', media_type="application/json")
            if failure.mangle is not None:
                try:
                    result = await handler(call)
                except ApiError as exc:
                    return self._error(call, exc.status, exc.description)
                return JSONResponse({"ok": True, "result": failure.mangle(copy.deepcopy(result))})
            if failure.hang:
                call.status = failure.status
                await self._hold()
                return Response(status_code=504)
            parameters = (
                {"retry_after": failure.retry_after} if failure.retry_after is not None else None
            )
            return self._error(call, failure.status, failure.description, parameters)
        if method in _MESSAGES and int(params.get("chat_id") or 0) in self.blocked:
            return self._error(call, 403, "Forbidden: bot was blocked by the user")
        if self.limits is not None and method in _MESSAGES and "chat_id" in params:
            wait = self.limits.retry_after(int(params["chat_id"]))
            if wait is not None:
                self.floods += 1
                return self._error(
                    call, 429, f"Too Many Requests: retry after {wait}", {"retry_after": wait}
                )
        try:
            result = await handler(call)
        except ApiError as exc:
            return self._error(call, exc.status, exc.description)
        if self.on_answered is not None:
            self.on_answered(call)
        return JSONResponse({"ok": True, "result": result})

    async def _hold(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), self.max_poll_wait)

    def _error(
        self,
        call: Call,
        status: int,
        description: str,
        parameters: dict[str, Any] | None = None,
    ) -> Response:
        call.status = status
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return JSONResponse(body, status_code=status)

    async def _file(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        path = request.path_params["path"]
        for file_path, content in self.files.values():
            if file_path == path:
                self.calls.append(Call("file", {"path": path}))
                download = Download(path, len(content))
                self.downloads.append(download)
                return _Streamed(content, download)
        return Response(status_code=404)

    async def _get_me(self, call: Call) -> Any:
        return self.me | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, call: Call) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(call.params.get("offset") or 0)
        timeout = int(call.params.get("timeout") or 0)
        limit = int(call.params.get("limit") or 100)
        if offset:
            self._updates = [u for u in self._updates if _position(u) >= offset]
            async with self._confirmations:
                self.confirmed = max(self.confirmed, offset)
                self._confirmations.notify_all()
        if not self._updates and timeout > 0 and not self._closing.is_set():
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(timeout, self.max_poll_wait))
        allowed = call.params.get("allowed_updates")
        ready = [
            update
            for update in self._updates
            if not allowed or any(kind in update for kind in allowed)
        ]
        return ready[:limit]

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        self._next_message_id += 1
        chat = (
            {"id": chat_id, "type": "private", "first_name": "User"}
            if chat_id > 0
            else {"id": chat_id, "type": "group", "title": "Secretariat"}
        )
        message = {
            "message_id": self._next_message_id,
            "from": self.me,
            "chat": chat,
            "date": DATE,
            **content,
        }
        self.messages.setdefault(chat_id, []).append(message)
        return message

    def _find(self, call: Call) -> dict[str, Any]:
        for message in self.messages.get(call.params.get("chat_id", 0), []):
            if message["message_id"] == call.params.get("message_id"):
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    @staticmethod
    def _text(call: Call, key: str = "text", limit: int = 4096) -> str:
        raw = str(call.params.get(key, ""))
        text = parse_html(raw) if call.params.get("parse_mode") == "HTML" else raw
        if key == "text" and not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_length(text) > limit:
            raise ApiError(400, f"Bad Request: {'message' if key == 'text' else key} is too long")
        return text

    @staticmethod
    def _markup(call: Call) -> dict[str, Any]:
        markup = call.params.get("reply_markup")
        if markup is None:
            return {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if not button.get("text") or not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return {"reply_markup": markup}

    async def _send_message(self, call: Call) -> Any:
        text = self._text(call)
        return self._message(int(call.params["chat_id"]), text=text, **self._markup(call))

    async def _edit_message_text(self, call: Call) -> Any:
        message = self._find(call)
        text = self._text(call)
        markup = self._markup(call)
        if message.get("text") == text and message.get("reply_markup") == markup.get(
            "reply_markup"
        ):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        message["text"] = text
        message.pop("reply_markup", None)
        message.update(markup, edit_date=DATE + 1)
        return message

    async def _edit_message_reply_markup(self, call: Call) -> Any:
        message = self._find(call)
        message.pop("reply_markup", None)
        message.update(self._markup(call), edit_date=DATE + 1)
        return message

    async def _answer_callback_query(self, call: Call) -> Any:
        query = str(call.params.get("callback_query_id"))
        if self.callbacks.get(query) is not False:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callbacks[query] = True
        return True

    async def _set_webhook(self, call: Call) -> Any:
        url = str(call.params.get("url", ""))
        secret = call.params.get("secret_token")
        if not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = dict(call.params)
        return True

    async def _delete_webhook(self, call: Call) -> Any:
        self.webhook = None
        return True

    async def _get_webhook_info(self, call: Call) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _set_my_commands(self, call: Call) -> Any:
        commands = call.params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[call.params.get("language_code")] = commands
        return True

    async def _get_file(self, call: Call) -> Any:
        file_id = str(call.params.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        answer: dict[str, Any] = {"file_id": file_id, "file_unique_id": "AgAD" + file_id[-8:]}
        if file_id not in self.unsized:
            answer["file_size"] = len(content)
        return answer | {"file_path": path}

    async def _send_document(self, call: Call) -> Any:
        upload = call.files.get("document")
        if upload is None:
            raise ApiError(400, "Bad Request: there is no document in the request")
        filename, content = upload
        caption = self._text(call, "caption", 1024) if "caption" in call.params else None
        stored = self.add_file(content, folder="outgoing")
        document = {"file_name": filename, "mime_type": "application/json", **stored}
        extra = {"caption": caption} if caption else {}
        return self._message(
            int(call.params["chat_id"]), document=document, **extra, **self._markup(call)
        )


def _position(update: dict[str, Any]) -> int:
    """Where an update stands in the queue; a malformed update_id counts as its number."""
    try:
        return int(update["update_id"])
    except (KeyError, TypeError, ValueError):
        return 0


Fake = TypeVar("Fake", bound=FakeTelegram)


@asynccontextmanager
async def on_loopback(server: Fake) -> AsyncIterator[Fake]:
    """A fake Bot API served on 127.0.0.1 (its `url` set), released when the block ends."""
    async with serve_loopback(server.app) as url:
        server.url = url
        try:
            yield server
        finally:
            server.close()


class _Streamed(Response):
    """A file's bytes in pieces, noting how many left before the client hung up."""

    def __init__(self, content: bytes, download: Download) -> None:
        super().__init__(media_type="application/octet-stream")
        self.content = content
        self.download = download

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        download = self.download

        async def listen() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            download.disconnected = not download.complete

        listener = asyncio.ensure_future(listen())
        headers = [
            (b"content-type", b"application/octet-stream"),
            (b"content-length", str(len(self.content)).encode()),
        ]
        try:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            for start in range(0, len(self.content), FILE_CHUNK):
                # Let the client read (and perhaps hang up) before the next piece.
                await asyncio.sleep(0)
                if download.disconnected:
                    return
                piece = self.content[start : start + FILE_CHUNK]
                await send({"type": "http.response.body", "body": piece, "more_body": True})
                download.served += len(piece)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            download.complete = not download.disconnected
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener


async def _read_params(request: Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """A request's parameters as Telegram reads them: query, urlencoded, multipart or JSON."""
    raw: dict[str, Any] = dict(request.query_params)
    files: dict[str, tuple[str, bytes]] = {}
    kind = request.headers.get("content-type", "")
    body = await request.body()
    if kind.startswith("application/json") and body:
        raw.update(json.loads(body))
    elif kind.startswith("application/x-www-form-urlencoded"):
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    elif kind.startswith("multipart/form-data"):
        head = f"Content-Type: {kind}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                files[str(name)] = (filename, content)
            else:
                raw[str(name)] = content.decode()
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key in _JSON_PARAMS:
            params[key] = json.loads(value)
        elif isinstance(value, str) and key in _INT_PARAMS and re.fullmatch(r"-?\d+", value):
            params[key] = int(value)
        elif isinstance(value, str) and key in _BOOL_PARAMS:
            params[key] = value.lower() == "true"
        else:
            params[key] = value
    return params, files
