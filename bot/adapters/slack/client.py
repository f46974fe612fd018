"""The Web API transport: slack_sdk's AsyncWebClient on SLACK_API_URL, its errors in the
limiter's terms."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.sending import ApiCall
from bot.adapters.slack.limiter import RetryLater, Transient
from bot.adapters.slack.translate import Profile
from handlers.ports import Unreachable

log = logging.getLogger(__name__)

UNREACHABLE_ERRORS = frozenset(
    {
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "user_disabled",
        "user_not_found",
        "user_not_visible",
    }
)
"""Web API errors that mean the person cannot be reached on Slack any more."""


async def _answer_of(method: str, call: Awaitable[AsyncSlackResponse]) -> dict[str, Any]:
    """What one Web API call answered, its failures in the limiter's terms."""
    try:
        response = await call
    except SlackApiError as exc:
        raise _translated(exc) from exc
    except (aiohttp.ClientError, TimeoutError, SlackClientError) as exc:
        raise Transient(f"{method}: {type(exc).__name__}") from exc
    data = response.data
    return data if isinstance(data, dict) else {}


def _retry_after(headers: Mapping[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value if isinstance(value, str) else value[0]))
            except (TypeError, ValueError, IndexError):
                break
    return 1.0


class SlackApi:
    """The Web API calls the channel makes; every one goes to `base_url`."""

    def __init__(self, token: str, *, base_url: str, timeout: int = 15) -> None:
        self.client = AsyncWebClient(token=token, base_url=_with_slash(base_url), timeout=timeout)
        self._token = token
        self._timeout = timeout

    async def _call(self, method: str, **params: Any) -> dict[str, Any]:
        # The typed methods encode each call as Slack wants it (JSON, form or query).
        typed = getattr(self.client, method.replace(".", "_"))
        return await _answer_of(method, typed(**params))

    async def send(self, call: ApiCall) -> dict[str, Any]:
        """Make one call from `translate.to_calls`."""
        if call.method == "files.uploadV2" and call.document is not None:
            upload = self.client.files_upload_v2(content=call.document.content, **call.params)
            return await _answer_of(call.method, upload)
        return await self._call(call.method, **call.params)

    async def team(self) -> str:
        """The workspace the bot token belongs to (auth.test's team_id): Slack's limits are
        per app and workspace, and a token is one app's in one workspace."""
        data = await self._call("auth.test")
        return str(data.get("team_id") or "")

    async def profile(self, user_id: str) -> Profile:
        """users.info with the locale: language hint, time zone and name."""
        data = await self._call("users.info", user=user_id, include_locale=True)
        user = data.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name")
        return Profile(
            locale=user.get("locale") or None,
            timezone=user.get("tz") or None,
            display_name=name or None,
        )

    async def open_dm(self, user_id: str) -> str:
        """The id of the app's DM channel with a user (conversations.open)."""
        data = await self._call("conversations.open", users=user_id)
        return str((data.get("channel") or {})["id"])

    async def open_view(self, trigger_id: str, view: Mapping[str, Any]) -> None:
        """Open a modal (views.open)."""
        await self._call("views.open", trigger_id=trigger_id, view=dict(view))

    async def publish_home(self, user_id: str, view: Mapping[str, Any]) -> None:
        """Show the App Home tab to a user (views.publish)."""
        await self._call("views.publish", user_id=user_id, view=dict(view))

    async def download(self, file_id: str) -> bytes:
        """A shared file's bytes: files.info, then its private URL with the bot token."""
        data = await self._call("files.info", file=file_id)
        info = data.get("file") or {}
        url = info.get("url_private_download") or info.get("url_private")
        if not isinstance(url, str):
            raise Transient(f"file {file_id} has no download URL")
        headers = {"Authorization": f"Bearer {self._token}"}
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url, headers=headers) as response,
            ):
                if response.status == 429:
                    raise RetryLater(_retry_after(response.headers))
                if response.status >= 500:
                    raise Transient(f"file download: HTTP {response.status}")
                response.raise_for_status()
                return await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise Transient(f"file download: {type(exc).__name__}") from exc


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _translated(exc: SlackApiError) -> Exception:
    response = exc.response
    status = getattr(response, "status_code", 200)
    error = str((response.data or {}).get("error", "")) if isinstance(response.data, dict) else ""
    if status == 429 or error == "ratelimited":
        return RetryLater(_retry_after(getattr(response, "headers", {}) or {}))
    if error in UNREACHABLE_ERRORS:
        return Unreachable(error)
    if status >= 500 or error in {"internal_error", "fatal_error", "service_unavailable"}:
        return Transient(error or f"HTTP {status}")
    return exc
