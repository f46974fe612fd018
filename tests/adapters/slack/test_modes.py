"""Both ways Slack reaches the bot: Socket Mode (`run` with SLACK_APP_TOKEN) and HTTP (`serve`)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from bot.adapters import Mode, registry
from bot.adapters.slack import SlackChannel, SlackEvents, SocketMode
from bot.app import build
from bot.web import create_web_app
from config.settings import Settings
from handlers.ports import FixedClock
from tests.adapters.running import serving
from tests.adapters.slack.conftest import signed_headers, socket_mode_settings
from tests.fakes import serve_loopback
from tests.fakes.slack_server import FakeSlack
from tests.fakes.slack_socket import APP_TOKEN


async def test_socket_mode_uses_the_app_token_and_the_same_listeners(
    fake: FakeSlack, database_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    settings = socket_mode_settings(fake, database_url, tmp_path)
    app = await build(settings, clock=clock)
    [socket] = await registry.channels(app, Mode.RUN)
    try:
        assert isinstance(socket, SocketMode)
        assert isinstance(socket.channel, SlackChannel)
        assert socket.client.app_token == APP_TOKEN
        # apps.connections.open and every Web API call go to SLACK_API_URL.
        assert socket.client.web_client is socket.channel.app.client
        assert socket.client.web_client.base_url == f"{fake.url}/api/"
        assert socket.channel.app.client.base_url == f"{fake.url}/api/"
    finally:
        await socket.close()
        await app.close()


async def test_serve_mounts_slack_events_only_with_a_signing_secret(
    settings: Settings, clock: FixedClock
) -> None:
    app = await build(settings, clock=clock)
    try:
        async with serving(app) as [events]:
            assert isinstance(events, SlackEvents)
            assert app.outboxes["slack"] is events
            web = create_web_app(app, [events])
            async with serve_loopback(web) as url, httpx.AsyncClient(base_url=url) as client:
                challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
                body = json.dumps(
                    {"token": "x", "challenge": challenge, "type": "url_verification"}
                ).encode()
                response = await client.post(
                    "/slack/events",
                    content=body,
                    headers={"Content-Type": "application/json", **signed_headers(body)},
                )
        assert response.status_code == 200
        assert response.json() == {"challenge": challenge}
    finally:
        await app.close()
    without = await build(settings.model_copy(update={"slack_signing_secret": None}), clock=clock)
    try:
        assert await registry.channels(without, Mode.SERVE) == []
    finally:
        await without.close()
