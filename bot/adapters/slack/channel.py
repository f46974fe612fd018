"""The Slack channel: slack_bolt's AsyncApp as transport around the engine, HTTP or Socket Mode."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncBoltRequest
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from starlette.routing import BaseRoute

from bot.adapters import Capabilities
from bot.adapters.sending import ApiCall, send
from bot.adapters.slack.client import SlackApi
from bot.adapters.slack.limiter import Limiter, RetryLater, Transient
from bot.adapters.slack.translate import (
    BUTTON_ACTION,
    COMMAND,
    FORM_ACTION,
    FORM_CALLBACK,
    MAX_SECTION_CHARS,
    PLATFORM,
    TOGGLE_ACTION,
    Profile,
    Received,
    form_errors,
    form_item,
    form_values,
    form_view,
    from_action,
    from_command,
    from_message,
    home_view,
    kind_of,
    to_calls,
)
from config.settings import Settings
from handlers.actions import Resume
from handlers.engine import Engine
from handlers.events import Inbound, Reply
from handlers.features.onboarding import how_to_join
from handlers.i18n import negotiate, translator
from handlers.ports import Unreachable

log = logging.getLogger(__name__)

MAX_PROFILES = 10_000
CAPABILITIES = Capabilities(
    edits=True, checkboxes=True, forms=True, max_text=MAX_SECTION_CHARS, unprompted=True
)
"""Block Kit messages in the DM (a choice group as checkboxes), the App Home and forms."""


class Ticket:
    """One request whose work runs after its ack; ends once."""

    def __init__(self, inflight: Inflight) -> None:
        self._inflight = inflight
        self._ended = False

    def end(self) -> None:
        """The work is finished (or there was none)."""
        if not self._ended:
            self._ended = True
            self._inflight.ended()


class Inflight:
    """Counts requests acknowledged whose work is still running, so one can wait for them."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def begin(self) -> Ticket:
        """A request arrived."""
        self._count += 1
        self._idle.clear()
        return Ticket(self)

    def ended(self) -> None:
        """A request's work finished."""
        self._count -= 1
        if self._count == 0:
            self._idle.set()

    async def wait(self) -> None:
        """Return once no work is running."""
        await self._idle.wait()


Listener = Callable[..., Awaitable[None]]


class SlackChannel:
    """Holds the engine, speaks Slack through Bolt and the Web API; it is Slack's `Outbox`.

    Bolt is transport only: it acknowledges and routes payloads whose signature and shape
    were checked before it sees them (`SlackEvents`, `translate.check_payload`). Every listener
    acknowledges first and works after the ack (`process_before_response=False`), except
    the form submission, whose validation errors must travel in the ack itself.
    """

    platform = PLATFORM
    capabilities = CAPABILITIES
    routes: Sequence[BaseRoute] = ()

    def __init__(
        self,
        engine: Engine,
        api: SlackApi,
        *,
        signing_secret: str | None,
        limiter: Limiter | None = None,
    ) -> None:
        self.engine = engine
        self.api = api
        self.signing_secret = signing_secret.encode() if signing_secret else None
        self.limiter = limiter or Limiter()
        self.inflight = Inflight()
        self._profiles: dict[str, Profile] = {}
        self.app = AsyncApp(
            name="intersessional",
            client=api.client,
            signing_secret=signing_secret or "",
            # SlackEvents checks the signature on the raw bytes before anything parses them,
            # then hands Bolt the payload it checked; Socket Mode requests are not signed.
            request_verification_enabled=False,
            process_before_response=False,
            # What no listener takes reaches `_on_bolt_error`: acknowledged, one line.
            raise_error_for_unhandled_request=True,
        )
        self.app.error(_on_bolt_error)
        self._register()

    def _register(self) -> None:
        app, claim = self.app, [self._claim]
        app.event("message", matchers=claim)(self._tracked(self._on_message))
        app.event("app_home_opened", matchers=claim)(self._tracked(self._on_home))
        app.action(re.compile(rf"^{BUTTON_ACTION}:"), matchers=claim)(
            self._tracked(self._on_button)
        )
        app.action(TOGGLE_ACTION, matchers=claim)(self._tracked(self._on_toggle))
        app.action(FORM_ACTION, matchers=claim)(self._tracked(self._on_form))
        app.view(FORM_CALLBACK, matchers=claim)(self._tracked(self._on_submission))
        app.command(COMMAND, matchers=claim)(self._tracked(self._on_command))

    async def _claim(self, context: AsyncBoltContext) -> bool:
        # Bolt runs a listener's matchers in order and stops at the first that fails, so
        # this last one runs exactly when the listener is chosen — before the ack goes back,
        # while the listener itself starts after it. Waiting on `inflight` therefore never
        # misses acknowledged work that has not started yet.
        context["ticket"] = self.inflight.begin()
        return True

    def _tracked(self, work: Listener) -> Listener:
        async def listener(body: dict[str, Any], ack: Any, context: AsyncBoltContext) -> None:
            try:
                await work(body, ack)
            except Exception:  # Logged: one failed request must not stop the channel.
                log.exception("Slack request could not be processed")
            finally:
                ticket = context.get("ticket")
                if isinstance(ticket, Ticket):
                    ticket.end()

        return listener

    async def idle(self) -> None:
        """Wait until every acknowledged request's work is done."""
        await self.inflight.wait()

    async def start(self) -> None:
        """Nothing to open: the Web API is called as needed (sending only)."""

    async def receive(self, stop: asyncio.Event) -> None:
        """Requests arrive by the route (`SlackEvents`) or the connection (`SocketMode`)."""
        await stop.wait()

    async def close(self) -> None:
        """Finish the work in hand."""
        await self.idle()

    # Receiving

    async def profile(self, user_id: str) -> Profile:
        """The user's locale, time zone and name from users.info, asked once per process."""
        known = self._profiles.get(user_id)
        if known is not None:
            return known
        try:
            found = await self.limiter.run(None, partial(self.api.profile, user_id))
        except (Transient, RetryLater, Unreachable, SlackApiError) as exc:
            log.warning("users.info failed for a Slack user: %s", exc)
            return Profile()
        if len(self._profiles) >= MAX_PROFILES:
            self._profiles.clear()
        self._profiles[user_id] = found
        return found

    async def _on_message(self, body: dict[str, Any], ack: Any) -> None:
        user = (body.get("event") or {}).get("user")
        if not isinstance(user, str):
            return
        received = from_message(body, profile=await self.profile(user), fetch=self._download)
        if received is not None:
            await self._process(received)

    async def _on_button(self, body: dict[str, Any], ack: Any) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id", ""))
        received = from_action(body, profile=await self.profile(user))
        if received is not None:
            await self._process(received)

    async def _on_toggle(self, body: dict[str, Any], ack: Any) -> None:
        # A checkbox changed: the selection is read from the message when Done is pressed.
        await ack()

    async def _on_command(self, body: dict[str, Any], ack: Any) -> None:
        await ack()
        user = str(body["user_id"])
        dm = await self.limiter.run(None, partial(self.api.open_dm, user))
        event = from_command(body, channel=dm, profile=await self.profile(user))
        await self._process(Received((event,), dm))

    async def _process(self, received: Received) -> None:
        replies: list[Reply] = []
        for event in received.events:
            # Only the last event's replies are shown: the earlier ones are the toggles of
            # a multi-choice question sent together with its Done.
            replies = await self.engine.handle(event)
        if replies and received.channel is not None:
            await self._send_safely(
                received.channel,
                to_calls(replies, channel=received.channel, update_ts=received.message_ts),
            )

    async def _download(self, file_id: str) -> bytes:
        return await self.limiter.run(None, partial(self.api.download, file_id))

    # App Home and the form

    async def _on_home(self, body: dict[str, Any], ack: Any) -> None:
        event = body.get("event") or {}
        if event.get("tab", "home") == "home" and isinstance(event.get("user"), str):
            await self.publish_home(event["user"])

    async def publish_home(self, user_id: str) -> None:
        """Show the user's consultations and progress in the App Home tab."""
        profile = await self.profile(user_id)
        overview = await self.engine.overview(
            PLATFORM, user_id, locale=profile.locale, timezone=profile.timezone
        )
        t = translator(overview.language if overview else negotiate(profile.locale))
        view = home_view(overview, t, how_to_join=how_to_join(t))
        await self.limiter.run(None, partial(self.api.publish_home, user_id, view))

    async def _on_form(self, body: dict[str, Any], ack: Any) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id", ""))
        item_id = form_item(body)
        trigger = body.get("trigger_id")
        if item_id is None or not user or not isinstance(trigger, str):
            return
        profile = await self.profile(user)
        form = await self.engine.form(PLATFORM, user, item_id, locale=profile.locale)
        if form is None:
            log.info("form for agenda item %s refused to a Slack user", item_id)
            return
        view = form_view(form, translator(form.language))
        # A trigger_id expires three seconds after the press: no pacing before this call.
        await self.api.open_view(trigger, view)

    async def _on_submission(self, body: dict[str, Any], ack: Any) -> None:
        view = body.get("view") or {}
        user = str((body.get("user") or {}).get("id", ""))
        item_id, values = form_values(view)
        if item_id is None or not user:
            await ack()
            return
        profile = await self.profile(user)
        result = await self.engine.submit_form(
            PLATFORM, user, item_id, values, locale=profile.locale
        )
        errors = form_errors(result, view)
        if errors:
            await ack(response_action="errors", errors=errors)
        else:
            await ack()
        if result.saved:
            await self.publish_home(user)
        if not errors:
            # Back in the DM, the engine shows what is next for the item: the first
            # unanswered question, or the review with its Submit button.
            dm = await self.limiter.run(None, partial(self.api.open_dm, user))
            event = Inbound(
                PLATFORM,
                user,
                dm,
                payload=Resume(item_id).payload(),
                locale=profile.locale,
                timezone=profile.timezone,
                display_name=profile.display_name,
            )
            await self._process(Received((event,), dm))

    # Sending

    async def _send_safely(self, channel: str, calls: Sequence[ApiCall]) -> None:
        try:
            await self._send_all(channel, calls)
        except Unreachable:
            log.info("Slack channel %s is unreachable", channel)
        except (Transient, RetryLater, SlackApiError):
            log.exception("replies to Slack channel %s were not delivered", channel)

    async def _send_all(self, channel: str, calls: Sequence[ApiCall]) -> None:
        for call in calls:
            await send(self.limiter, channel, call, self.api.send, refused=SlackApiError)

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send replies nobody asked for just now (reminders, announcements, digests).

        Raises:
            Unreachable: The DM cannot be reached any more (account deactivated, app removed).
        """
        await self._send_all(chat_id, to_calls(replies, channel=chat_id))


def bolt_request(
    payload: dict[str, Any], headers: Mapping[str, str], *, socket_mode: bool = False
) -> AsyncBoltRequest:
    """Bolt's request for a payload `check_payload` accepted, with the headers Slack sent
    (the retry number among them): over HTTP as its JSON, over Socket Mode as it came."""
    kept: dict[str, str | Sequence[str]] = {
        k.lower(): v for k, v in headers.items() if k.lower() != "content-type"
    }
    if socket_mode:
        return AsyncBoltRequest(body=payload, headers=kept, mode="socket_mode")
    return AsyncBoltRequest(
        body=json.dumps(payload), headers={**kept, "content-type": "application/json"}
    )


async def _on_bolt_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
    """Bolt's error handler: a request no listener takes (another event type, a view closed,
    an action of no button of ours) is acknowledged so Slack does not retry it; anything
    else failed in Bolt's own code and is answered 500."""
    if isinstance(error, BoltUnhandledRequestError):
        log.info("Slack request not handled (%s): acknowledged", kind_of(body))
        return BoltResponse(status=200, body="")
    log.error("Slack request failed in Bolt (%s)", type(error).__name__, exc_info=error)
    return BoltResponse(status=500, body="")


def from_settings(
    settings: Settings, engine: Engine, *, limiter: Limiter | None = None
) -> SlackChannel:
    """The channel for the configured app, calling the Web API at SLACK_API_URL.

    In HTTP mode SLACK_SIGNING_SECRET is required; with SLACK_APP_TOKEN (Socket Mode) it is
    not, since Socket Mode requests come over the app's own connection.
    """
    if settings.slack_bot_token is None:
        raise ValueError("SLACK_BOT_TOKEN is not set")
    secret = settings.slack_signing_secret
    api = SlackApi(settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url)
    return SlackChannel(
        engine,
        api,
        signing_secret=secret.get_secret_value() if secret is not None else None,
        limiter=limiter,
    )
