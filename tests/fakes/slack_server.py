"""A local fake of the Slack Web API: the documented HTTP + JSON protocol, calls recorded.

It answers `GET|POST /api/<method>` with `{"ok": true, ...}` or `{"ok": false, "error": ...}`
as Slack does, reading query strings, form bodies and JSON bodies alike, and checks the
bot token in the `Authorization: Bearer` header. It keeps each DM's messages as a user sees
them (after chat.update), the published App Home views and the opened modals, serves shared
files at their private URL (bot token required), and takes files.uploadV2's three steps
(files.getUploadURLExternal, the upload URL, files.completeUploadExternal). A method can be
made to answer 429 with a Retry-After header, and, once a test opts in (`enforce_limits`),
every message over the per-channel pace is answered 429 as Slack does. With a Socket Mode
fake attached (`socket_mode`), apps.connections.open takes the app token (`xapp-…`, not the
bot token) and answers with one of its WebSocket URLs. Messages and views are checked against Block
Kit's limits as Slack checks them: a message that breaks one is refused with
`invalid_blocks`, a view with `invalid_arguments`, each with Slack's `[ERROR] …` lines.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from tests.fakes.slack_socket import FakeSocketMode

TOKEN = "xoxb-1234567890-0987654321-testtokenforthefake"
TEAM = "T0INTERSES"
BOT_USER = "U0BOTUSER1"
BOT_ID = "B0BOTID001"


@dataclass
class Call:
    """One request the bot made, and the HTTP status the fake answered."""

    method: str
    params: dict[str, Any]
    status: int = 200
    error: str | None = None
    """The `error` of an `{"ok": false}` answer."""
    messages: tuple[str, ...] = ()
    """Its `response_metadata.messages`: what Slack says is wrong."""


@dataclass
class Failure:
    """How the next call of a method fails."""

    status: int
    error: str
    retry_after: int | None = None


@dataclass
class SlackPerson:
    """A user as users.info describes them."""

    id: str
    name: str
    tz: str = "Europe/Vienna"
    locale: str = "en-US"
    dm: str = ""


@dataclass
class StoredFile:
    """A file shared by a user, served at its private URL."""

    id: str
    name: str
    mimetype: str
    content: bytes


@dataclass
class Upload:
    """A file the bot uploaded with files.uploadV2."""

    id: str
    filename: str
    length: int
    content: bytes = b""
    channel: str | None = None
    initial_comment: str | None = None
    title: str | None = None


@dataclass
class PostingLimits:
    """Slack's pace for messages to one channel as the fake enforces it once a test opts in:
    about one a second, counted when a message (chat.postMessage, or chat.update, which the
    bot's pacer counts alike) arrives. A rolling window: a message is refused when `count`
    were accepted in the channel in the `seconds` before it. `now` is the test's clock."""

    now: Callable[[], float]
    per_channel: tuple[int, float] = (1, 1.0)
    accepted: list[tuple[float, str]] = field(default_factory=list)
    """When each accepted message arrived, and in which channel."""

    def retry_after(self, channel: str) -> int | None:
        """Seconds to wait before a message to `channel` is accepted; None if it is now."""
        now = self.now()
        count, seconds = self.per_channel
        recent = [at for at, to in self.accepted if to == channel and not at <= now - seconds]
        if len(recent) >= count:
            return max(1, math.ceil(recent[-count] + seconds - now))
        self.accepted.append((now, channel))
        return None


PACED = frozenset({"chat.postMessage", "chat.update"})
"""The methods whose calls `PostingLimits` counts."""


# Block Kit as Slack checks it: a message or view whose blocks break a limit is refused.

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000


def _text_errors(value: Any, pointer: str, limit: int, *, plain: bool = False) -> list[str]:
    if not isinstance(value, dict) or value.get("type") not in ("plain_text", "mrkdwn"):
        return [f"[ERROR] must be a text object [json-pointer:{pointer}]"]
    if plain and value["type"] != "plain_text":
        return [f"[ERROR] must be a plain_text object [json-pointer:{pointer}/type]"]
    text = value.get("text")
    if not isinstance(text, str) or not text:
        return [f"[ERROR] must be more than 0 characters [json-pointer:{pointer}/text]"]
    if len(text) > limit:
        return [f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}/text]"]
    return []


def _string_errors(value: Any, pointer: str, limit: int) -> list[str]:
    if not isinstance(value, str) or not value:
        return [f"[ERROR] must be a non-empty string [json-pointer:{pointer}]"]
    if len(value) > limit:
        return [f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"]
    return []


def _options_errors(element: dict[str, Any], pointer: str, most: int) -> list[str]:
    options = element.get("options")
    if not isinstance(options, list) or not options:
        return [f"[ERROR] must provide options [json-pointer:{pointer}/options]"]
    errors = []
    if len(options) > most:
        errors.append(f"[ERROR] no more than {most} items allowed [json-pointer:{pointer}/options]")
    for i, option in enumerate(options):
        at = f"{pointer}/options/{i}"
        errors += _text_errors((option or {}).get("text"), f"{at}/text", 75)
        errors += _string_errors((option or {}).get("value"), f"{at}/value", 150)
    chosen = element.get("initial_options") or (
        [element["initial_option"]] if "initial_option" in element else []
    )
    for i, option in enumerate(chosen):
        if option not in options:
            errors.append(
                f"[ERROR] must match one of the options [json-pointer:{pointer}/initial/{i}]"
            )
    return errors


def _number_input_errors(element: dict[str, Any], pointer: str) -> list[str]:
    decimal = element.get("is_decimal_allowed")
    if not isinstance(decimal, bool):
        return [f"[ERROR] must provide a boolean [json-pointer:{pointer}/is_decimal_allowed]"]
    errors = []
    bounds = {}
    for name in ("initial_value", "min_value", "max_value"):
        if name not in element:
            continue
        value = element[name]
        number = r"-?\d+(\.\d+)?" if decimal else r"-?\d+"
        if not isinstance(value, str) or not re.fullmatch(number, value):
            errors.append(f"[ERROR] must be a number in a string [json-pointer:{pointer}/{name}]")
        else:
            bounds[name] = float(value)
    if bounds.get("min_value", -math.inf) > bounds.get("max_value", math.inf):
        errors.append(f"[ERROR] min_value is greater than max_value [json-pointer:{pointer}]")
    return errors


def _element_errors(element: Any, pointer: str) -> list[str]:
    if not isinstance(element, dict):
        return [f"[ERROR] must be an object [json-pointer:{pointer}]"]
    kind = element.get("type")
    errors = _string_errors(element.get("action_id", "x"), f"{pointer}/action_id", 255)
    if kind == "button":
        errors += _text_errors(element.get("text"), f"{pointer}/text", 75, plain=True)
        if "value" in element:
            errors += _string_errors(element["value"], f"{pointer}/value", 2000)
    elif kind in ("checkboxes", "radio_buttons"):
        errors += _options_errors(element, pointer, 10)
    elif kind in ("static_select", "multi_static_select"):
        errors += _options_errors(element, pointer, 100)
    elif kind == "plain_text_input":
        most = element.get("max_length", 3000)
        if not isinstance(most, int) or not 1 <= most <= 3000:
            errors.append(f"[ERROR] must be between 1 and 3000 [json-pointer:{pointer}/max_length]")
        initial = element.get("initial_value")
        if initial is not None and (not isinstance(initial, str) or len(initial) > most):
            errors.append(f"[ERROR] longer than max_length [json-pointer:{pointer}/initial_value]")
    elif kind == "number_input":
        errors += _number_input_errors(element, pointer)
    elif kind == "datepicker":
        initial = element.get("initial_date")
        if initial is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(initial)):
            errors.append(f"[ERROR] must be YYYY-MM-DD [json-pointer:{pointer}/initial_date]")
    elif kind not in ("mrkdwn", "plain_text", "image"):
        errors.append(f"[ERROR] unsupported element type [json-pointer:{pointer}/type]")
    return errors


def _elements_errors(
    block: dict[str, Any], pointer: str, most: int, check: Callable[[Any, str], list[str]]
) -> list[str]:
    """An actions or context block's elements: at least one, at most `most`, each checked."""
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"[ERROR] must provide elements [json-pointer:{pointer}/elements]"]
    errors = []
    if len(elements) > most:
        errors.append(
            f"[ERROR] no more than {most} items allowed [json-pointer:{pointer}/elements]"
        )
    for i, element in enumerate(elements):
        errors += check(element, f"{pointer}/elements/{i}")
    return errors


def _block_errors(block: Any, pointer: str) -> list[str]:
    if not isinstance(block, dict):
        return [f"[ERROR] must be an object [json-pointer:{pointer}]"]
    kind = block.get("type")
    errors = []
    if "block_id" in block:
        errors += _string_errors(block["block_id"], f"{pointer}/block_id", 255)
    if kind == "section":
        if "text" not in block and "fields" not in block:
            errors.append(f"[ERROR] must provide text or fields [json-pointer:{pointer}]")
        if "text" in block:
            errors += _text_errors(block["text"], f"{pointer}/text", 3000)
        fields = block.get("fields") or []
        if len(fields) > 10:
            errors.append(f"[ERROR] no more than 10 items allowed [json-pointer:{pointer}/fields]")
        for i, item in enumerate(fields):
            errors += _text_errors(item, f"{pointer}/fields/{i}", 2000)
        if "accessory" in block:
            errors += _element_errors(block["accessory"], f"{pointer}/accessory")
    elif kind == "actions":
        errors += _elements_errors(block, pointer, 25, _element_errors)
    elif kind == "context":
        errors += _elements_errors(
            block, pointer, 10, lambda element, at: _text_errors(element, at, 3000)
        )
    elif kind == "header":
        errors += _text_errors(block.get("text"), f"{pointer}/text", 150, plain=True)
    elif kind == "input":
        errors += _text_errors(block.get("label"), f"{pointer}/label", 2000, plain=True)
        if "hint" in block:
            errors += _text_errors(block["hint"], f"{pointer}/hint", 2000, plain=True)
        errors += _element_errors(block.get("element"), f"{pointer}/element")
    elif kind != "divider":
        errors.append(f"[ERROR] unsupported block type [json-pointer:{pointer}/type]")
    return errors


def blocks_errors(blocks: Any, *, most: int = MESSAGE_BLOCKS) -> list[str]:
    """What Slack says is wrong with a list of blocks (empty when it accepts them)."""
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/blocks]"]
    errors = []
    if len(blocks) > most:
        errors.append(f"[ERROR] no more than {most} items allowed [json-pointer:/blocks]")
    for i, block in enumerate(blocks):
        errors += _block_errors(block, f"/blocks/{i}")
    return errors


def view_errors(view: Any) -> list[str]:
    """What Slack says is wrong with a modal or App Home view."""
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return ["[ERROR] must be a modal or home view [json-pointer:/view/type]"]
    errors = [
        e.replace("json-pointer:", "json-pointer:/view")
        for e in blocks_errors(view.get("blocks"), most=VIEW_BLOCKS)
    ]
    if view["type"] == "modal":
        errors += _text_errors(view.get("title"), "/view/title", 24, plain=True)
        for name in ("close", "submit"):
            if name in view:
                errors += _text_errors(view[name], f"/view/{name}", 24, plain=True)
        errors += _string_errors(view.get("callback_id", "x"), "/view/callback_id", 255)
        metadata = view.get("private_metadata", "")
        if not isinstance(metadata, str) or len(metadata) > 3000:
            errors.append(
                "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]"
            )
    return errors


BLOCK_ERRORS = frozenset({"invalid_blocks", "invalid_arguments", "msg_too_long"})
"""What Slack answers to a message or view that breaks its limits."""


def _decode(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeSlack:
    """The fake Web API server's state and its Starlette app (`.app`)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.url = ""
        """Where the server listens, once it runs (set by whoever serves it)."""
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        """Each DM's messages from the bot, in order, as they are now (after updates)."""
        self.people: dict[str, SlackPerson] = {}
        self.homes: dict[str, dict[str, Any]] = {}
        """The App Home view last published for each user."""
        self.views: list[dict[str, Any]] = []
        """Every modal opened, in order."""
        self.files: dict[str, StoredFile] = {}
        self.uploads: dict[str, Upload] = {}
        self.downloads: list[str] = []
        self.socket_mode: FakeSocketMode | None = None
        """The Socket Mode server apps.connections.open hands out URLs of, when attached."""
        self.limits: PostingLimits | None = None
        """Slack's pace per channel, enforced only when a test calls `enforce_limits`."""
        self.floods = 0
        """429 answers the bot provoked by breaking the enforced pace."""
        self._failures: dict[str, deque[Failure]] = {}
        self._ts = itertools.count(1_800_000_000_000_100)
        self._ids = itertools.count(1)
        self.app = Starlette(
            routes=[
                Route("/api/{method}", self._api, methods=["GET", "POST"]),
                Route("/upload/{file_id}", self._upload, methods=["POST"]),
                Route("/private/{file_id}/{name}", self._download, methods=["GET"]),
            ]
        )

    # Set-up by tests

    def person(self, user_id: str, name: str, **details: Any) -> SlackPerson:
        """Make a Slack user known to users.info; their DM with the app is D + their id."""
        person = SlackPerson(user_id, name, dm="D" + user_id[1:], **details)
        self.people[user_id] = person
        return person

    def add_file(self, name: str, content: bytes, mimetype: str) -> dict[str, Any]:
        """Store a file a user shares; returns its `files` entry as a message event has it."""
        file_id = f"F{next(self._ids):09d}"
        self.files[file_id] = StoredFile(file_id, name, mimetype, content)
        return self._file_object(self.files[file_id])

    def fail(self, method: str, status: int, error: str, *, retry_after: int | None = None) -> None:
        """Make the next call of `method` fail."""
        self._failures.setdefault(method, deque()).append(Failure(status, error, retry_after))

    def enforce_limits(self, now: Callable[[], float], *, per_channel: tuple[int, float]) -> None:
        """From now on, answer 429 (`ratelimited`, with Retry-After) to a message over the
        pace of its channel, `per_channel` as (messages, seconds) on the clock `now`."""
        self.limits = PostingLimits(now, per_channel)

    def calls_of(self, method: str) -> list[Call]:
        """The calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    # The protocol

    def _file_object(self, stored: StoredFile) -> dict[str, Any]:
        private = f"{self.url}/private/{stored.id}/{stored.name}"
        return {
            "id": stored.id,
            "created": 1_800_000_000,
            "timestamp": 1_800_000_000,
            "name": stored.name,
            "title": stored.name,
            "mimetype": stored.mimetype,
            "filetype": stored.name.rsplit(".", 1)[-1],
            "pretty_type": stored.name.rsplit(".", 1)[-1].upper(),
            "user": "U0SOMEONE1",
            "user_team": TEAM,
            "editable": False,
            "size": len(stored.content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": private,
            "url_private_download": private + "?download=1",
            "permalink": f"https://example.slack.com/files/{stored.id}",
            "is_starred": False,
            "has_rich_preview": False,
            "file_access": "visible",
        }

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    async def _params(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = {k: _decode(v) for k, v in request.query_params.items()}
        body = await request.body()
        kind = request.headers.get("content-type", "")
        if body and kind.startswith("application/json"):
            params.update(json.loads(body))
        elif body:
            params.update({k: _decode(v) for k, v in parse_qsl(body.decode())})
        return params

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        params = await self._params(request)
        call = Call(method, params)
        self.calls.append(call)
        if method == "apps.connections.open":
            return self._answer(call, self._apps_connections_open(request))
        if not self._authorised(request):
            return self._answer(call, {"ok": False, "error": "invalid_auth"})
        queued = self._failures.get(method)
        if queued:
            failure = queued.popleft()
            call.status = failure.status
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            return JSONResponse(
                {"ok": False, "error": failure.error}, status_code=failure.status, headers=headers
            )
        if self.limits is not None and method in PACED and params.get("channel"):
            wait = self.limits.retry_after(str(params["channel"]))
            if wait is not None:
                self.floods += 1
                call.status = 429
                return JSONResponse(
                    {"ok": False, "error": "ratelimited"},
                    status_code=429,
                    headers={"Retry-After": str(wait)},
                )
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return self._answer(call, {"ok": False, "error": "unknown_method"})
        return self._answer(call, handler(params))

    def _answer(self, call: Call, data: dict[str, Any]) -> Response:
        if not data.get("ok"):
            call.error = str(data.get("error"))
            call.messages = tuple((data.get("response_metadata") or {}).get("messages") or ())
        return JSONResponse(data, status_code=call.status)

    def refused(self) -> list[Call]:
        """The calls Slack would have refused for breaking Block Kit's limits."""
        return [call for call in self.calls if call.error in BLOCK_ERRORS]

    def _apps_connections_open(self, request: Request) -> dict[str, Any]:
        # The one method that takes the app-level token instead of the bot token.
        given = request.headers.get("authorization", "")
        if self._authorised(request):
            return {"ok": False, "error": "not_allowed_token_type"}
        if self.socket_mode is None or given != f"Bearer {self.socket_mode.app_token}":
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.socket_mode.open_connection()}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://intersessional-test.slack.com/",
            "team": "Intersessional test",
            "user": "intersessional",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _post(self, channel: str, params: dict[str, Any]) -> dict[str, Any]:
        message = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "ts": f"{next(self._ts) / 1_000_000:.6f}",
            "text": params.get("text", ""),
            "blocks": params.get("blocks") or [],
        }
        self.messages.setdefault(channel, []).append(message)
        return message

    @staticmethod
    def _message_errors(params: dict[str, Any]) -> dict[str, Any] | None:
        if len(str(params.get("text", ""))) > MAX_MESSAGE_TEXT:
            return {"ok": False, "error": "msg_too_long"}
        errors = blocks_errors(params["blocks"]) if "blocks" in params else []
        if errors:
            return {
                "ok": False,
                "error": "invalid_blocks",
                "errors": errors,
                "response_metadata": {"messages": errors},
            }
        return None

    @staticmethod
    def _view_errors(view: Any) -> dict[str, Any] | None:
        errors = view_errors(view)
        if errors:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": errors},
            }
        return None

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if refused := self._message_errors(params):
            return refused
        message = self._post(channel, params)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        if refused := self._message_errors(params):
            return refused
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                message["text"] = params.get("text", "")
                message["blocks"] = params.get("blocks") or []
                return {"ok": True, "channel": channel, "ts": ts, "text": message["text"]}
        return {"ok": False, "error": "message_not_found"}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if refused := self._view_errors(params.get("view")):
            return refused
        view = {"id": f"V{next(self._ids):09d}", **params["view"]}
        self.views.append(view)
        return {"ok": True, "view": view}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        if refused := self._view_errors(params.get("view")):
            return refused
        for index, view in enumerate(self.views):
            if view["id"] == params.get("view_id"):
                self.views[index] = {"id": view["id"], **params["view"]}
                return {"ok": True, "view": self.views[index]}
        return {"ok": False, "error": "not_found"}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user_id", ""))
        if user not in self.people:
            return {"ok": False, "error": "user_not_found"}
        if refused := self._view_errors(params.get("view")):
            return refused
        self.homes[user] = params["view"]
        return {"ok": True, "view": {"id": f"V{next(self._ids):09d}", **params["view"]}}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        person = self.people.get(str(params.get("user", "")))
        if person is None:
            return {"ok": False, "error": "user_not_found"}
        user: dict[str, Any] = {
            "id": person.id,
            "team_id": TEAM,
            "name": person.name.lower(),
            "deleted": False,
            "real_name": person.name,
            "tz": person.tz,
            "tz_label": person.tz,
            "tz_offset": 3600,
            "profile": {"real_name": person.name, "display_name": person.name},
            "is_bot": False,
        }
        if str(params.get("include_locale", "")).lower() in ("true", "1"):
            user["locale"] = person.locale
        return {"ok": True, "user": user}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        person = self.people.get(str(params.get("users", "")))
        if person is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": person.dm}}

    def _files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(str(params.get("file", "")))
        if stored is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": self._file_object(stored)}

    def _files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):09d}"
        self.uploads[file_id] = Upload(file_id, str(params["filename"]), int(params["length"]))
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files") or []
        done = []
        for entry in files:
            upload = self.uploads.get(entry["id"])
            if upload is None or len(upload.content) != upload.length:
                return {"ok": False, "error": "file_not_found"}
            upload.channel = params.get("channel_id")
            upload.initial_comment = params.get("initial_comment")
            upload.title = entry.get("title")
            done.append({"id": upload.id, "name": upload.filename, "title": upload.title})
        if params.get("channel_id"):
            self.messages.setdefault(str(params["channel_id"]), []).append(
                {
                    "type": "message",
                    "ts": f"{next(self._ts) / 1_000_000:.6f}",
                    "text": params.get("initial_comment") or "",
                    "files": done,
                    "blocks": [],
                }
            )
        return {"ok": True, "files": done}

    async def _upload(self, request: Request) -> Response:
        upload = self.uploads.get(request.path_params["file_id"])
        if upload is None:
            return Response("not found", status_code=404)
        upload.content = await request.body()
        self.calls.append(Call("upload", {"file_id": upload.id, "size": len(upload.content)}))
        return Response(f"OK - {len(upload.content)}", status_code=200)

    async def _download(self, request: Request) -> Response:
        stored = self.files.get(request.path_params["file_id"])
        if not self._authorised(request):
            return Response("login page", status_code=302, headers={"Location": "/login"})
        if stored is None:
            return Response("not found", status_code=404)
        self.downloads.append(stored.id)
        return Response(stored.content, media_type=stored.mimetype)
