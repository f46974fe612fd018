"""Slack over Socket Mode: slack_sdk's WebSocket client, each envelope checked, handed to the
channel's Bolt app (which stores it in the inbox) and acknowledged."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.response import SocketModeResponse
from starlette.routing import BaseRoute

from bot.adapters import Around
from bot.adapters.slack.channel import SlackChannel, bolt_request
from bot.adapters.slack.translate import Malformed, check_envelope
from config.errors import ConfigError, Problem

log = logging.getLogger(__name__)

PING_SECONDS = 10.0
"""How often the client pings; a connection silent for four pings is replaced."""


class SocketMode(Around[SlackChannel]):
    """The Slack channel for `run`: its app over a Socket Mode connection, the same listeners
    and the same checks as over HTTP, no public URL.

    slack_sdk's client keeps the connection: it asks apps.connections.open (with the app
    token) for a URL, reconnects when Slack sends `disconnect` or the connection goes quiet,
    and hands each message to `_on_message`. Every envelope is acknowledged once its request
    is stored in the inbox, a malformed one too (with one log line and nothing stored): one
    left unacknowledged is redelivered (and stored once). One whose request could not be
    stored is left unacknowledged (`acknowledgement`).
    """

    routes: Sequence[BaseRoute] = ()

    def __init__(self, channel: SlackChannel, client: SocketModeClient) -> None:
        """The connection of `channel`'s app, through slack_sdk's Socket Mode `client`."""
        super().__init__(channel)
        self.client = client
        client.message_listeners.append(self._on_message)

    async def start(self) -> None:
        """Connect (`connect`).

        Raises:
            ConfigError: Slack refused the app token; retrying would not help.
        """
        await self.channel.start()
        await self.connect()
        log.info("Slack: connected in Socket Mode")

    async def connect(self) -> None:
        """Open the connection: apps.connections.open, then the WebSocket.

        Raises:
            ConfigError: Slack refused the app token; retrying would not help.
        """
        try:
            self.client.wss_uri = await self.client.issue_new_wss_url()
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            raise ConfigError(
                [
                    Problem(
                        "SLACK_APP_TOKEN",
                        "",
                        f"Slack refused it for Socket Mode ({error or 'no answer'})",
                        "use the app-level token (xapp-…) with the connections:write scope, "
                        "from Basic Information → App-Level Tokens, and turn Socket Mode on",
                    )
                ]
            ) from None
        await self.client.connect()  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        """Close the connection (every envelope received was stored and acknowledged), then
        finish the requests in hand and send what they queued."""
        await self.client.close()  # type: ignore[no-untyped-call]
        await self.channel.close()

    async def _on_message(
        self, client: AsyncBaseSocketModeClient, message: dict[str, Any], raw: str | None
    ) -> None:
        # slack_sdk handles `disconnect` itself (a new connection) before calling listeners.
        kind = message.get("type")
        if kind == "hello":
            log.info("Slack: Socket Mode connection ready")
            return
        envelope_id = message.get("envelope_id")
        if not isinstance(envelope_id, str) or not envelope_id:
            log.warning("Slack Socket Mode message without envelope_id ignored")
            return
        try:
            payload = check_envelope(kind, message.get("payload"))
        except Malformed as problem:
            log.warning("Slack envelope refused (acknowledged): %s", problem)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=envelope_id))
            return
        headers: dict[str, str] = {}
        if isinstance(message.get("retry_attempt"), int) and message["retry_attempt"] > 0:
            headers["x-slack-retry-num"] = str(message["retry_attempt"])
            headers["x-slack-retry-reason"] = str(message.get("retry_reason") or "")
        response = await self.channel.app.async_dispatch(
            bolt_request(payload, headers, socket_mode=True)
        )
        ack = acknowledgement(envelope_id, response)
        if ack is None:
            log.warning("Slack envelope not acknowledged (%s): Slack sends it again", kind)
            return
        await client.send_socket_mode_response(ack)


def acknowledgement(envelope_id: str, response: BoltResponse) -> SocketModeResponse | None:
    """The ack of an envelope from Bolt's answer: with its JSON as payload when there is one
    (a form's errors), bare otherwise; None when the request failed (Bolt answered 500: its
    request could not be stored or its form saved, the database being away, most likely).

    What failed is left unacknowledged, as the HTTP route answers it 500: Slack sends an
    event again, and shows the person that an interaction or a command did not go through
    (a form stays open, its answers in it), where an acknowledgement would have told Slack
    that all was well and lost the request.
    """
    if response.status >= 500:
        return None
    body = response.body if response.status == 200 else ""
    if not body:
        return SocketModeResponse(envelope_id=envelope_id)
    content_type = (response.headers.get("content-type") or [""])[0]
    if content_type.startswith("application/json"):
        return SocketModeResponse(envelope_id=envelope_id, payload=json.loads(body))
    return SocketModeResponse(envelope_id=envelope_id, payload={"text": body})


def socket_mode(channel: SlackChannel, app_token: str) -> SocketMode:
    """The Socket Mode connection for the channel's app, authenticated by SLACK_APP_TOKEN,
    calling apps.connections.open through the channel's Web API client (SLACK_API_URL)."""
    client = SocketModeClient(
        app_token=app_token, web_client=channel.app.client, ping_interval=PING_SECONDS
    )
    return SocketMode(channel, client)
