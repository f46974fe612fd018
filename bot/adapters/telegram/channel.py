"""The Telegram channel: polling, the webhook, the command menu and the outbox."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from contextlib import suppress
from functools import partial
from typing import Any

from starlette.routing import BaseRoute
from telegram.error import BadRequest

from bot.adapters import Capabilities
from bot.adapters.relaying import TRANSIENT, Failures, Sender, Workers, either, kind, settle
from bot.adapters.sending import ApiCall, send
from bot.adapters.telegram.client import BadAnswer, BotApi, PollingConflict, file_base_url
from bot.adapters.telegram.limiter import Limiter, Limits, RetryLater, Sleep, Transient, Window
from bot.adapters.telegram.polling import Outage, position
from bot.adapters.telegram.translate import (
    MAX_MESSAGE_CHARS,
    PLATFORM,
    MalformedUpdate,
    Received,
    to_calls,
    to_received,
    update_key,
)
from bot.shutdown import unless_stopped
from config.consultation import LANGUAGES
from config.settings import Settings
from handlers.engine import Engine
from handlers.events import Destination, Reply, from_outbox_body
from handlers.features.commands import command_descriptions
from handlers.i18n import translator
from handlers.ports import Unreachable
from storage.relay import Incoming, Unsent

log = logging.getLogger(__name__)

CONFIRM_TIMEOUT = 1.0
"""Seconds a stopping poller gives Telegram to take the last offset: a stop is due in 2 s."""


CAPABILITIES = Capabilities(
    edits=True, checkboxes=False, forms=False, max_text=MAX_MESSAGE_CHARS, unprompted=True
)
"""Messages with inline keyboards, a toggle edits its message; one question at a time."""


class Undelivered(Exception):
    """Some of the calls showing replies failed (each was logged); the others were made."""


class TelegramChannel:
    """Holds the engine and speaks the Bot API; it is also Telegram's `Outbox`."""

    platform = PLATFORM
    capabilities = CAPABILITIES
    routes: Sequence[BaseRoute] = ()

    def __init__(
        self,
        engine: Engine,
        api: BotApi,
        *,
        limiter: Limiter | None = None,
        sleep: Sleep = asyncio.sleep,
        poll_timeout: int = 30,
        relaying: bool = True,
    ) -> None:
        """The channel of one bot.

        Args:
            engine: The engine.
            api: The Bot API client.
            limiter: Telegram's limits (the sender's pace).
            sleep: How to wait (tests inject a fake timer).
            poll_timeout: getUpdates' long-poll seconds.
            relaying: Handle stored updates and send queued replies once started (`run`,
                `serve`); False for a command that only sends.
        """
        self.engine = engine
        self.api = api
        self.limiter = limiter or Limiter()
        self.poll_timeout = poll_timeout
        self.relay = engine.store.relay
        self._sleep = sleep
        self.failures = Failures(engine, "Telegram", TRANSIENT)
        self._waits = 0
        self._relaying = relaying
        self.workers = Workers(self.relay, PLATFORM, self._handle_stored, sleep=sleep)
        self.sender: Sender | None = None

    async def start(self) -> None:
        """Open the connection to the Bot API and check the token, and pace every message
        in the windows the bot's processes share; then, when relaying, start the workers
        and stand for the sender's lease."""
        await self.api.start()
        self.limiter.share(self.engine.store.pace, f"{PLATFORM}:{self.api.bot_id}")
        if not self._relaying:
            return
        await self.relay.listen()
        self.sender = Sender(
            self.relay,
            PLATFORM,
            f"telegram-sender:{self.api.bot_id}",
            self._send_row,
            self.engine.clock.now,
        )
        self.workers.start()
        self.sender.start()

    async def close(self) -> None:
        """Finish the updates in hand, send what they queued (when this process is the
        sender), release the lease, then close the connection."""
        await self.workers.stop()
        if self.sender is not None:
            await self.sender.stop()
        await self.api.close()

    async def settle(self) -> None:
        """Wait until no update waits or is in hand and every queued reply is sent (tests,
        with one process: it sends)."""
        await settle(self.relay, self.workers, self.sender)

    async def receive(self, stop: asyncio.Event) -> None:
        """`run`: the command menu, then long polling while this process holds the poller's
        lease, until `stop` is set (`poll`); the other processes stand by."""
        await self.set_commands()
        name = f"telegram-poller:{self.api.bot_id}"
        while not stop.is_set():
            async with self.relay.lease(name, stop) as lost:
                if lost is None:
                    return
                log.info("Telegram: polling for updates")
                async with either(stop, lost) as ended:
                    await self.poll(stop=ended)

    async def set_commands(self) -> bool:
        """The command menu in every language of the catalogue, English by default.

        The menu is cosmetic (every command also works typed), so a failure of any kind is
        warned about once and start-up goes on; nothing is retried.

        Returns:
            True when every menu was set.
        """
        menus: list[tuple[str | None, str]] = [(None, "en"), *((lang, lang) for lang in LANGUAGES)]
        for language_code, language in menus:
            commands = command_descriptions(translator(language))
            try:
                await self.api.set_commands(commands, language_code)
            except Exception as exc:  # Mapped by the client; whatever it is, the bot works.
                log.warning(
                    "Telegram: the command menu was not set (%s); the commands still work "
                    "typed, and the menu is set again at the next start",
                    exc,
                )
                return False
        return True

    async def register_webhook(self, url: str, secret: str) -> None:
        """Have Telegram deliver updates to `url`, signed with `secret`."""
        await self.limiter.run(None, partial(self.api.set_webhook, url, secret), counted=False)

    # Receiving

    async def accept(self, updates: Sequence[Any], *, skip_malformed: bool = True) -> int:
        """Store updates in the inbox, for a worker of any process to handle; once this
        returns they are safe and Telegram may be told (the webhook's 200, the next offset).

        A malformed update is logged and skipped (nothing of it is stored), or raised.

        Returns:
            How many were stored (or were waiting already).

        Raises:
            MalformedUpdate: An update is malformed and `skip_malformed` is False.
        """
        items: list[Incoming] = []
        for update in updates:
            try:
                received = self._translate(update)
            except MalformedUpdate as exc:
                if not skip_malformed:
                    raise
                log.warning("%s; skipped", exc)
                continue
            key = update_key(self.api.bot_id, received.update_id)
            items.append(Incoming(PLATFORM, key, received.ordering_key, json.dumps(update)))
        await self.relay.put(items, self.engine.clock.now())
        return len(items)

    async def handle_update(self, update: Mapping[str, Any]) -> bool:
        """Store one update in the inbox (`accept`); True once it is safe.

        Raises:
            MalformedUpdate: The update is not shaped as the Bot API's; nothing was stored.
        """
        await self.accept([update], skip_malformed=False)
        return True

    def _translate(self, update: Mapping[str, Any]) -> Received:
        return to_received(update, bot_id=self.api.bot_id, fetch=self._download)

    async def _handle_stored(self, body: str) -> bool:
        """Handle an update a worker took from the inbox; False: leave it to be tried again."""
        try:
            received = self._translate(json.loads(body))
        except (MalformedUpdate, ValueError) as exc:  # Checked when stored: never expected.
            log.error("a stored Telegram update cannot be read (%s); dropped", exc)
            return True
        return await self._process(received)

    async def _process(self, received: Received) -> bool:
        """Handle one update, its replies queued in the outbox; False when it is to be tried
        again (its effects were not committed), True when it is handled or set aside."""
        destination = None
        if received.chat_id is not None:
            destination = Destination(received.chat_id, {"edit": received.message_id})
        # The button is answered while the update is handled: the reply does not wait for
        # the round trip (`_answer` raises nothing).
        answering = (
            asyncio.create_task(self._answer(received.callback_query_id, received.chat_id))
            if received.callback_query_id is not None
            else None
        )
        try:
            if received.reachable is not None and received.chat_id is not None:
                await self._mark(received.chat_id, unreachable=not received.reachable)
            if received.event:
                await self.engine.handle(received.event, reply_to=destination)
        except Exception as exc:  # Decided below: tried again, or set aside for good.
            if not await self._after_failure(received, exc, destination):
                return False
        finally:
            if answering is not None:
                await answering
        self.failures.handled(str(received.update_id))
        return True

    async def _after_failure(
        self, received: Received, exc: Exception, destination: Destination | None
    ) -> bool:
        """Whether a failed update is done with (`relaying.Failures`)."""
        return await self.failures.done_with(
            str(received.update_id), exc, received.event, destination
        )

    def _calls(
        self, chat_id: str, replies: Sequence[Reply], edit_message_id: int | None = None
    ) -> list[ApiCall]:
        """The calls that show `replies`; one that cannot be shown does not stop the others."""
        try:
            return to_calls(replies, chat_id=chat_id, edit_message_id=edit_message_id)
        except Exception:  # A reply the Bot API cannot carry: a bug, logged once with its cause.
            log.exception("a reply to Telegram chat %s cannot be sent; the others are", chat_id)
        calls: list[ApiCall] = []
        for reply in replies:
            with suppress(Exception):
                calls += to_calls([reply], chat_id=chat_id)
        return calls

    async def _answer(self, callback_query_id: str, chat_id: str | None) -> None:
        try:
            await self.limiter.run(
                chat_id, partial(self.api.answer_callback, callback_query_id), counted=False
            )
        except Exception as exc:  # A redelivered button press is "too old" to answer: harmless.
            log.info("callback query %s not answered: %s", callback_query_id, exc)

    async def _download(self, file_id: str) -> bytes:
        # The engine's limit, applied while the file arrives: its size may be unknown.
        limit = self.engine.options.max_document_bytes
        download = partial(self.api.download, file_id, limit=limit)
        return await self.limiter.run(None, download, counted=False)

    async def _mark(self, chat_id: str, *, unreachable: bool) -> None:
        await self.engine.mark_reachable(PLATFORM, chat_id, reachable=not unreachable)
        log.info("Telegram chat %s %s", chat_id, "unreachable" if unreachable else "reachable")

    # Sending

    async def _send_all(
        self, chat_id: str, calls: Sequence[ApiCall], *, done: int = 0, row: int | None = None
    ) -> None:
        """Make the calls in order. One that fails is logged once and the next is still made,
        except when the chat is closed to the bot: then it is marked and nothing more is sent.
        With an outbox `row`, its progress moves past each call but the last (`done` of its
        calls were made before).

        Raises:
            Unreachable: The participant blocked the bot.
            Undelivered: Some calls failed (each logged), after every call was tried.
        """
        failed = 0
        for index, call in enumerate(calls, start=done + 1):
            if row is not None and index > done + 1:
                await self.relay.advance(row, index - 1)
            try:
                # The first message of a reply may take the chat's last place; the rest
                # leave one, so the next reply's first message does not wait (`Pacer.run`).
                await self._send(chat_id, call, reserve=0 if index == 1 else 1)
            except Unreachable:
                await self._mark(chat_id, unreachable=True)
                raise
            except BadAnswer as exc:  # Telegram took the call; only its answer is unreadable.
                log.warning(
                    "Telegram %s to chat %s: answer unreadable (%s)", call.method, chat_id, exc
                )
            except Exception as exc:  # Mapped by the client (or by the limiter giving up).
                failed += 1
                log.warning("Telegram %s to chat %s failed: %s", call.method, chat_id, exc)
        if failed:
            raise Undelivered(f"{failed} of {len(calls)} calls to Telegram chat {chat_id} failed")

    async def _send_row(self, row: Unsent) -> str:
        """Send one outbox row from where it stands; its outcome.

        Each call the platform confirmed moves the row's progress, so a sender taking over
        after a crash repeats at most the call that was on its way.
        """
        replies, note = from_outbox_body(row.body)
        edit = note.get("edit")
        calls = self._calls(row.chat_id, replies, edit if isinstance(edit, int) else None)
        try:
            await self._send_all(row.chat_id, calls[row.progress :], done=row.progress, row=row.id)
        except Unreachable:
            return "unreachable"
        except Undelivered:
            return "failed"
        return "sent"

    async def _send(self, chat_id: str, call: ApiCall, *, reserve: int = 0) -> None:
        await send(self.limiter, chat_id, call, self.api.send, refused=BadRequest, reserve=reserve)

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send replies nobody asked for just now (reminders, announcements).

        Raises:
            Unreachable: The participant blocked the bot; they are marked unreachable.
            Undelivered: Some of the messages could not be sent (the others were).
        """
        await self._send_all(chat_id, self._calls(chat_id, replies))

    # Polling

    async def poll(self, *, stop: asyncio.Event | None = None) -> None:
        """Long-poll getUpdates until `stop` is set (or the task is cancelled).

        The offset moves past a batch only once its updates are stored in the inbox, so an
        update the process had not stored when it died is delivered again (and recognised if
        it was processed); the workers of every process handle what is stored.
        A failing getUpdates — another process polling with the same token (409), a 5xx, a
        timeout, an answer that cannot be read — is retried with backoff, for as long as it
        takes, and said once when it starts and once when it ends.
        """
        stop = stop or asyncio.Event()
        await self.limiter.run(None, self.api.delete_webhook, counted=False)
        offset: int | None = None
        asked: int | None = None
        outage = Outage()
        try:
            while not stop.is_set():
                asked = offset
                fetch = self.api.get_updates(offset=offset, wait=self.poll_timeout)
                try:
                    updates = await unless_stopped(stop, fetch)
                    moved = await self._batch(updates, stop) if updates else offset
                    moved = offset if moved is None else moved
                except (Transient, RetryLater, BadAnswer, PollingConflict) as exc:
                    await unless_stopped(stop, self._sleep(outage.failed(exc)))
                    continue
                outage.recovered()
                offset = moved
        finally:
            if offset is not None and offset != asked:
                await self._confirm(offset)

    async def _confirm(self, offset: int) -> None:
        """Tell Telegram that the updates before `offset` are handled, when stopping, so the
        next start does not fetch them again (it would recognise them, but why ask)."""
        try:
            async with asyncio.timeout(CONFIRM_TIMEOUT):
                await self.api.get_updates(offset=offset, wait=0)
        except Exception as exc:  # They come again at the next start, recognised as processed.
            log.info("Telegram: updates before %s not confirmed at stop (%s)", offset, kind(exc))

    async def _batch(self, updates: Sequence[Any], stop: asyncio.Event) -> int | None:
        """Store one getUpdates answer in the inbox; the offset to confirm it with (None:
        ask for the same again, the inbox could not be written).

        A malformed update is logged and skipped: the offset moves past it like past the
        others, so it cannot hold up the updates behind it.

        Raises:
            BadAnswer: No update of the answer has a readable update_id to move past.
        """
        readable = [position(update) for update in updates]
        if not any(position is not None for position in readable):
            raise BadAnswer("getUpdates answered updates without a readable update_id")
        try:
            await self.accept(updates)
        except Exception as exc:  # The database is away: the updates are asked for again.
            self._waits += 1
            log.warning("Telegram: updates not stored (%s); asked for again", kind(exc))
            await unless_stopped(stop, self._sleep(min(10.0, 2.0**self._waits)))
            return None
        self._waits = 0
        return max(position for position in readable if position is not None) + 1


def from_settings(
    settings: Settings,
    engine: Engine,
    *,
    limiter: Limiter | None = None,
    sleep: Sleep = asyncio.sleep,
    relaying: bool = True,
) -> TelegramChannel:
    """The channel for the configured bot, talking to TELEGRAM_BASE_URL."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # httpx logs every request URL at INFO and python-telegram-bot the API URL at DEBUG;
    # both URLs contain the bot token, which must never reach the logs.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger("httpx").level))
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLogger("telegram").level))
    api = BotApi(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_base_url,
        base_file_url=file_base_url(settings.telegram_base_url, settings.telegram_base_file_url),
    )
    if limiter is None:
        limiter = Limiter(Limits(overall=Window(settings.telegram_messages_per_second, 1.0)))
    return TelegramChannel(engine, api, limiter=limiter, sleep=sleep, relaying=relaying)
