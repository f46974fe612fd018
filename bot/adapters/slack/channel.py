"""The Slack channel: slack_bolt's AsyncApp as transport around the engine, HTTP or Socket Mode."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from starlette.routing import BaseRoute

from bot.adapters import Capabilities
from bot.adapters.relaying import TRANSIENT, Failures, Sender, Workers, kind, send_calls, settle
from bot.adapters.sending import ApiCall, send
from bot.adapters.slack.client import SlackApi
from bot.adapters.slack.limiter import Limiter, RetryLater, Transient
from bot.adapters.slack.stored import (
    BUTTON,
    COMMAND,
    FORM,
    HOME,
    MESSAGE,
    SAVED,
    SUBMITTED,
    Stored,
    incoming,
    read,
    user_of,
)
from bot.adapters.slack.translate import (
    BUTTON_ACTION,
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
from bot.adapters.slack.translate import COMMAND as SLASH_COMMAND
from config.settings import Settings
from handlers.actions import Resume
from handlers.engine import Engine
from handlers.events import Destination, Inbound, Reply, from_outbox_body
from handlers.features.onboarding import how_to_join
from handlers.i18n import negotiate, translator
from handlers.ports import Unreachable
from storage.relay import Unsent

log = logging.getLogger(__name__)

MAX_PROFILES = 10_000
CAPABILITIES = Capabilities(
    edits=True, checkboxes=True, forms=True, max_text=MAX_SECTION_CHARS, unprompted=True
)
"""Block Kit messages in the DM (a choice group as checkboxes), the App Home and forms."""
TRIGGER_SECONDS = 2.0
"""How long after its press a form is still opened: Slack's trigger_id lives three seconds,
and views.open must reach Slack within them. A worker later than this (a queue, a process
that died) shows the item's questions in the DM instead."""
SENDER_LEASE = "slack-sender"
"""The lease of the process that sends the app's replies (one Slack app per deployment)."""

Listener = Callable[..., Awaitable[None]]


class SlackChannel:
    """Holds the engine, speaks Slack through Bolt and the Web API; it is Slack's `Outbox`.

    Bolt is transport only: it routes payloads whose signature and shape were checked before
    it sees them (`SlackEvents`, `translate.check_payload`). A listener stores its request in
    the inbox and only then acknowledges it (`process_before_response`), so an acknowledged
    request is never lost; a worker of any process handles it, one participant's requests in
    order, and its replies wait in the outbox for the elected sender. The form submission
    alone is validated in the request, whose answer carries its errors.
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
        relaying: bool = True,
    ) -> None:
        """The channel of one app; `relaying`: handle stored requests and send queued
        replies once started (False for a command that only sends)."""
        self.engine = engine
        self.api = api
        self.signing_secret = signing_secret.encode() if signing_secret else None
        self.limiter = limiter or Limiter()
        self.relay = engine.store.relay
        self._relaying = relaying
        self._profiles: dict[str, Profile] = {}
        self.failures = Failures(engine, "Slack", TRANSIENT)
        self.workers = Workers(self.relay, PLATFORM, self._handle_stored)
        self.sender: Sender | None = None
        self._team: str | None = None
        self.app = AsyncApp(
            name="intersessional",
            client=api.client,
            signing_secret=signing_secret or "",
            # SlackEvents checks the signature on the raw bytes before anything parses them,
            # then hands Bolt the payload it checked; Socket Mode requests are not signed.
            request_verification_enabled=False,
            # The answer goes back once the listener stored the request.
            process_before_response=True,
            # What no listener takes reaches `_on_bolt_error`: acknowledged, one line.
            raise_error_for_unhandled_request=True,
        )
        self.app.error(_on_bolt_error)
        self._register()

    def _register(self) -> None:
        app = self.app
        app.event("message")(self._storing(MESSAGE))
        app.event("app_home_opened")(self._storing(HOME))
        app.action(re.compile(rf"^{BUTTON_ACTION}:"))(self._storing(BUTTON))
        app.action(TOGGLE_ACTION)(self._on_toggle)
        app.action(FORM_ACTION)(self._storing(FORM))
        app.view(FORM_CALLBACK)(self._on_submission)
        app.command(SLASH_COMMAND)(self._storing(COMMAND))

    def _storing(self, kind: str) -> Listener:
        async def listener(body: dict[str, Any], ack: Any) -> None:
            if _worth_storing(kind, body):
                await self.accept(kind, body)
            await ack()

        return listener

    async def accept(self, kind: str, payload: dict[str, Any]) -> None:
        """Store a checked request in the inbox (one stored already is stored once); once
        this returns it is safe, and Slack may be told."""
        now = self.engine.clock.now()
        await self.relay.put([incoming(kind, payload, now)], now)

    async def start(self) -> None:
        """Pace every message in the windows the app's processes share in its workspace
        (auth.test says which); then, when relaying, start the workers and stand for the
        sender's lease (once).

        Raises:
            Transient: Slack's Web API cannot be reached (the limiter's tries spent).
            SlackApiError: Slack refused auth.test (the token: `check_token` says so first).
        """
        if self._team is None:
            self._team = await self.limiter.run(None, self.api.team, counted=False)
            self.limiter.share(self.engine.store.pace, f"{PLATFORM}:{self._team}")
        if not self._relaying or self.sender is not None:
            return
        await self.relay.listen()
        self.sender = Sender(
            self.relay, PLATFORM, SENDER_LEASE, self._send_row, self.engine.clock.now
        )
        self.workers.start()
        self.sender.start()

    async def receive(self, stop: asyncio.Event) -> None:
        """Requests arrive by the route (`SlackEvents`) or the connection (`SocketMode`)."""
        await stop.wait()

    async def close(self) -> None:
        """Finish the requests in hand, send what they queued (when this process is the
        sender) and release the lease."""
        await self.workers.stop()
        if self.sender is not None:
            await self.sender.stop()

    async def idle(self) -> None:
        """Wait until no request waits or is in hand and every queued reply is sent (tests,
        with one process: it sends)."""
        await settle(self.relay, self.workers, self.sender)

    # Handling what was stored

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

    async def _handle_stored(self, body: str) -> bool:
        """Handle a request a worker took from the inbox; False: leave it to be tried again."""
        try:
            stored = read(body)
        except (ValueError, KeyError, TypeError) as exc:  # Checked when stored: never expected.
            log.error("a stored Slack request cannot be read (%s); dropped", exc)
            return True
        try:
            return await self._dispatch(stored, user_of(stored.kind, stored.payload))
        except Exception as exc:  # Before the engine: users.info, conversations.open.
            return await self.failures.done_with(stored.key, exc, None, None)

    async def _dispatch(self, stored: Stored, user: str) -> bool:
        payload = stored.payload
        if stored.kind == MESSAGE:
            received = from_message(payload, profile=await self.profile(user), fetch=self._download)
            return received is None or await self._process(stored.key, received)
        if stored.kind == BUTTON:
            received = from_action(payload, profile=await self.profile(user))
            return received is None or await self._process(stored.key, received)
        if stored.kind == COMMAND:
            dm = await self.limiter.run(None, partial(self.api.open_dm, user))
            event = from_command(payload, channel=dm, profile=await self.profile(user))
            return await self._process(stored.key, Received((event,), dm))
        if stored.kind == FORM:
            return await self._open_form(stored, user)
        if stored.kind in (SAVED, SUBMITTED):
            await self.publish_home(user)
            item_id, _ = form_values(payload.get("view") or {})
            if stored.kind == SAVED or item_id is None:
                return True
            return await self._in_dm(stored.key, user, item_id)
        if stored.kind == HOME:
            await self.publish_home(user)
        return True

    async def _process(self, key: str, received: Received) -> bool:
        """Handle the events of one request, the replies of the last queued in the outbox
        (the earlier ones are the toggles of a multi-choice question sent with its Done);
        False when it is to be tried again."""
        destination = None
        if received.channel is not None:
            destination = Destination(received.channel, {"update_ts": received.message_ts})
        *toggles, last = received.events
        try:
            for event in toggles:
                await self.engine.handle(event)
            await self.engine.handle(last, reply_to=destination)
        except Exception as exc:  # Decided by `Failures`: tried again, or set aside.
            return await self.failures.done_with(key, exc, last, destination)
        self.failures.handled(key)
        return True

    async def _download(self, file_id: str) -> bytes:
        return await self.limiter.run(None, partial(self.api.download, file_id))

    async def _in_dm(self, key: str, user: str, item_id: int) -> bool:
        """Show what is next for an agenda item in the DM: its first unanswered question, or
        the review with its Submit button."""
        profile = await self.profile(user)
        dm = await self.limiter.run(None, partial(self.api.open_dm, user))
        event = Inbound(
            PLATFORM,
            user,
            dm,
            payload=Resume(item_id).payload(),
            update_id=key,
            locale=profile.locale,
            timezone=profile.timezone,
            display_name=profile.display_name,
        )
        return await self._process(key, Received((event,), dm))

    # App Home and the form

    async def publish_home(self, user_id: str) -> None:
        """Show the user's consultations and progress in the App Home tab (a view that
        replaces the whole tab: a failure is logged, the next opening shows it anew)."""
        profile = await self.profile(user_id)
        overview = await self.engine.overview(
            PLATFORM, user_id, locale=profile.locale, timezone=profile.timezone
        )
        t = translator(overview.language if overview else negotiate(profile.locale))
        view = home_view(overview, t, how_to_join=how_to_join(t))
        try:
            await self.limiter.run(None, partial(self.api.publish_home, user_id, view))
        except (Transient, RetryLater, Unreachable, SlackApiError) as exc:
            log.warning("the App Home of a Slack user was not published: %s", kind(exc))

    async def _on_toggle(self, ack: Any) -> None:
        # A checkbox changed: the selection is read from the message when Done is pressed.
        await ack()

    async def _open_form(self, stored: Stored, user: str) -> bool:
        """Open the form of "Answer in a form" while its trigger_id lives; later, or when
        Slack refuses it, the item's questions are asked in the DM: the press is answered."""
        item_id = form_item(stored.payload)
        if item_id is None:
            return True
        profile = await self.profile(user)
        form = await self.engine.form(PLATFORM, user, item_id, locale=profile.locale)
        if form is None:
            log.info("form for agenda item %s refused to a Slack user", item_id)
            return True
        late = (self.engine.clock.now() - stored.received_at).total_seconds()
        if late <= TRIGGER_SECONDS:
            try:
                # No pacing before this call: the trigger_id expires.
                await self.api.open_view(
                    str(stored.payload["trigger_id"]), form_view(form, translator(form.language))
                )
                return True
            except (Transient, RetryLater, SlackApiError) as exc:
                log.info("a Slack form was not opened (%s); its questions go to the DM", kind(exc))
        else:
            log.info("a Slack form press waited %.1f s; its questions go to the DM", late)
        return await self._in_dm(stored.key, user, item_id)

    async def _on_submission(self, body: dict[str, Any], ack: Any) -> None:
        """A form submitted: validated, and its valid answers saved, in the request, whose
        answer must carry the errors; what follows (the Home tab, the DM's next step) is
        stored for a worker."""
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
        if not errors:
            await self.accept(SUBMITTED, body)
            await ack()
            return
        if result.saved:
            await self.accept(SAVED, body)
        await ack(response_action="errors", errors=errors)

    # Sending

    async def _send_row(self, row: Unsent) -> str:
        """Send one outbox row from where it stands (`relaying.send_calls`); its outcome."""
        replies, note = from_outbox_body(row.body)
        update_ts = note.get("update_ts")
        calls = to_calls(
            replies,
            channel=row.chat_id,
            update_ts=update_ts if isinstance(update_ts, str) else None,
        )

        async def send_one(call: ApiCall, _index: int) -> None:
            await send(self.limiter, row.chat_id, call, self.api.send, refused=SlackApiError)

        return await send_calls(self.relay, row, calls, send_one, "Slack")

    async def _send_all(self, channel: str, calls: Sequence[ApiCall]) -> None:
        for call in calls:
            await send(self.limiter, channel, call, self.api.send, refused=SlackApiError)

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send replies nobody asked for just now (reminders, announcements, digests).

        Raises:
            Unreachable: The DM cannot be reached any more (account deactivated, app removed).
        """
        await self._send_all(chat_id, to_calls(replies, channel=chat_id))


def _worth_storing(kind: str, body: dict[str, Any]) -> bool:
    """Whether a request asks something of a worker (a bot's message, an edit, a press of
    no button of ours, a form press without a trigger: only acknowledged)."""
    if kind == MESSAGE:
        return from_message(body, profile=None, fetch=_never) is not None
    if kind == HOME:
        event = body.get("event") or {}
        return event.get("tab", "home") == "home" and isinstance(event.get("user"), str)
    if kind == BUTTON:
        return from_action(body, profile=None) is not None
    if kind == FORM:
        user = (body.get("user") or {}).get("id")
        return (
            form_item(body) is not None and bool(user) and isinstance(body.get("trigger_id"), str)
        )
    return True


async def _never(file_id: str) -> bytes:
    raise AssertionError("nothing is downloaded before a request is stored")


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
    else failed (the inbox could not be written: the database is away, most likely) and is
    answered 500, so Slack delivers it again."""
    if isinstance(error, BoltUnhandledRequestError):
        log.info("Slack request not handled (%s): acknowledged", kind_of(body))
        return BoltResponse(status=200, body="")
    log.error("Slack request failed (%s); answered 500", type(error).__name__, exc_info=error)
    return BoltResponse(status=500, body="")


def from_settings(
    settings: Settings, engine: Engine, *, limiter: Limiter | None = None, relaying: bool = True
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
        relaying=relaying,
    )
