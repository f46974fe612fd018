"""The Slack channel for `serve`: events, interactivity and the slash command POSTed to
/slack/events, each signature-checked on the raw bytes before anything reads it."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Mapping, Sequence

from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters import Around
from bot.adapters.slack.channel import SlackChannel, bolt_request
from bot.adapters.slack.translate import Malformed, read_body

log = logging.getLogger(__name__)

MAX_REQUEST_AGE = 300
"""Seconds a signed request stays valid: Slack's five minutes, against replays."""


def signed(secret: bytes | None, body: bytes, headers: Mapping[str, str], *, now: float) -> bool:
    """Whether Slack signed these raw bytes with the signing secret in the last five minutes.

    Slack's `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`, computed on the bytes as received,
    before anything decodes or parses them (slack_sdk's verifier decodes the body as UTF-8
    first, and raises on what is not). Malformed headers are refused, never raised on.
    """
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if secret is None or not signature.isascii():
        return False
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 20):
        return False
    if abs(now - int(timestamp)) > MAX_REQUEST_AGE:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class SlackEvents(Around[SlackChannel]):
    """The channel behind POST /slack/events (events, interactivity, commands)."""

    def __init__(self, channel: SlackChannel) -> None:
        """The endpoint of `channel`, whose Bolt app takes the checked requests."""
        super().__init__(channel)
        self.routes: Sequence[BaseRoute] = (
            Route("/slack/events", self.endpoint, methods=["POST"]),
        )

    async def start(self) -> None:
        """Start the channel's workers and sender; Slack's requests come to the route."""
        await self.channel.start()
        log.info("Slack: receiving events at /slack/events")

    async def endpoint(self, request: Request) -> Response:
        """POST /slack/events: the signature first (401 when missing, wrong or older than five
        minutes), then the payload's shape (400 when it is not what Slack sends), then Bolt's
        listener stores it in the inbox and it is acknowledged (500 when it cannot be stored:
        Slack delivers it again); a worker of any process handles it.

        The body was bounded by the web app's `BodyLimit` before it got here. Bolt is given
        the payload as it was checked, so nothing parses the body a second time.
        """
        body = await request.body()
        if not signed(self.channel.signing_secret, body, request.headers, now=time.time()):
            log.info("Slack request refused (401): signature missing, wrong or stale")
            return JSONResponse({"error": "invalid request"}, status_code=401)
        try:
            payload = read_body(body, request.headers.get("content-type", ""))
        except Malformed as problem:
            log.warning("Slack request refused (400): %s", problem)
            return JSONResponse({"error": "malformed request"}, status_code=400)
        checked = bolt_request(payload, request.headers)
        return to_starlette_response(await self.channel.app.async_dispatch(checked))
