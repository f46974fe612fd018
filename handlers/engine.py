"""The conversation engine: one inbound event in, the replies out, state in the database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from weakref import WeakValueDictionary

from handlers import actions
from handlers.actions import Action, AdminButton, Resume
from handlers.conversation import (
    ONBOARDING,
    Context,
    EngineOptions,
    State,
    Step,
    stale_button,
)
from handlers.edge import at_the_edge, storable_value, without_direction_marks
from handlers.events import Destination, Inbound, Reply, outbox_body
from handlers.features.admin import PendingStep, admin, admin_button
from handlers.features.commands import AFTER_ONBOARDING, COMMANDS, PUBLIC
from handlers.features.forms import FormResult, FormValue, ItemForm, load_form, save_form
from handlers.features.interview import AgendaStep, HomeStep, QuestionStep, resume
from handlers.features.onboarding import (
    ConsentStep,
    CreditNameStep,
    CreditStep,
    GenderStep,
    LanguageStep,
    ProfileCategoryStep,
    ProfileCountryStep,
    ProfileNameStep,
    ProfileStep,
    PublicationStep,
    RefusedStep,
    how_to_join,
    redeem,
)
from handlers.features.overflow import MAX_KEPT_CHARS
from handlers.features.overview import Overview, overview
from handlers.features.privacy import ForgetStep
from handlers.features.review import ReviewStep
from handlers.i18n import negotiate, translator
from handlers.labels import typed_button
from handlers.ports import AdminServices, Clock, FileStore
from storage.models import Identity, Participant, ParticipantStatus
from storage.repositories import DuplicateUpdate, Store, UnitOfWork

log = logging.getLogger(__name__)

STEPS: Mapping[State, Step] = {
    State.LANGUAGE: LanguageStep(),
    State.CONSENT: ConsentStep(),
    State.REFUSED: RefusedStep(),
    State.PUBLICATION: PublicationStep(),
    State.CREDIT: CreditStep(),
    State.CREDIT_NAME: CreditNameStep(),
    State.PROFILE: ProfileStep(),
    State.PROFILE_NAME: ProfileNameStep(),
    State.PROFILE_CATEGORY: ProfileCategoryStep(),
    State.PROFILE_COUNTRY: ProfileCountryStep(),
    State.GENDER: GenderStep(),
    State.HOME: HomeStep(),
    State.AGENDA: AgendaStep(),
    State.QUESTION: QuestionStep(),
    State.REVIEW: ReviewStep(),
    State.FORGET: ForgetStep(),
    State.PENDING: PendingStep(),
}
"""The state table: every state and the step that handles it (drawn in docs/architecture.md)."""

LAST_SEEN_STEP = timedelta(minutes=1)
"""How stale an account's `last_seen_at` may get: it only orders a participant's accounts,
and writing it on every message would cost a statement per message."""

_INVITE_SHAPE = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")


def _looks_like_code(text: str) -> bool:
    candidate = text.strip().upper()
    return 6 <= len(candidate) <= 16 and set(candidate) <= _INVITE_SHAPE


class Engine:
    """Turns inbound events into replies. Every channel holds one and calls `handle`."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock,
        files: FileStore,
        options: EngineOptions | None = None,
        services: AdminServices | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.files = files
        self.options = options or EngineOptions()
        self.services = services
        """The bot's services for the secretariat's commands; without them those say so."""
        self._locks: WeakValueDictionary[tuple[str, str], asyncio.Lock] = WeakValueDictionary()

    def _lock(self, event: Inbound) -> AbstractAsyncContextManager[object]:
        key = (event.platform, event.user_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def handle(self, event: Inbound, *, reply_to: Destination | None = None) -> list[Reply]:
        """Handle one event in one transaction; a redelivered update yields no replies.

        Args:
            event: What the participant did.
            reply_to: Where the replies go: with it they are written to the platform's outbox
                in the event's own transaction (and those of work run after the commit in
                one more), to be sent by the platform's sender; without it the caller sends
                them.

        Returns:
            The replies (already queued when `reply_to` is given).
        """
        cleaned, altered = at_the_edge(event)
        if cleaned is None:
            log.warning("an event from %s with impossible ids was ignored", event.platform)
            return []
        event = cleaned
        async with self._lock(event):
            try:
                async with self.store.transaction() as uow:
                    if event.update_id is not None and not await uow.updates.claim(
                        event.platform, event.update_id, self.clock.now()
                    ):
                        log.info("duplicate update %s/%s ignored", event.platform, event.update_id)
                        return []
                    ctx = await self._context(uow, event)
                    if altered:
                        ctx.say(
                            ctx.t._(
                                "Your message held invisible control characters that cannot "
                                "be stored; I removed them and kept the rest."
                            )
                        )
                    await self._dispatch(ctx)
                    if ctx.participant is not None:
                        ctx.participant.updated_at = ctx.now
                    await self._queue(uow, event.platform, ctx.replies, reply_to)
                # Deliveries wait for the commit: they must not announce what a rollback undoes.
                later: list[Reply] = []
                for work in ctx.later:
                    later.extend(await work())
                if reply_to is not None and later:
                    body = outbox_body(later, reply_to)
                    await self.store.relay.enqueue(event.platform, reply_to.chat_id, body, ctx.now)
                return [*ctx.replies, *later]
            except DuplicateUpdate:
                log.info("update %s/%s processed concurrently", event.platform, event.update_id)
                return []

    async def _queue(
        self,
        uow: UnitOfWork,
        platform: str,
        replies: list[Reply],
        reply_to: Destination | None,
    ) -> None:
        """Write replies to the outbox in this transaction; the sender wakes at the commit."""
        if reply_to is None or not replies:
            return
        body = outbox_body(replies, reply_to)
        # The sender of another process is notified; this process's is woken below.
        notify = not self.store.relay.sends_here(platform)
        await uow.outbox.add(platform, reply_to.chat_id, body, self.clock.now(), notify=notify)

        async def wake(store: Store) -> None:
            store.relay.wake_sender(platform)

        uow.after_commit(wake)

    async def _participant(
        self, uow: UnitOfWork, platform: str, user_id: str
    ) -> Participant | None:
        identity = await uow.identities.get(platform, user_id)
        if identity is None or identity.participant_id is None:
            return None
        participant = await uow.participants.get(identity.participant_id)
        if participant is None or participant.status != ParticipantStatus.ACTIVE:
            return None  # Erased, or waiting for (or refused) the secretariat's approval.
        return participant

    async def overview(
        self,
        platform: str,
        user_id: str,
        *,
        locale: str | None = None,
        timezone: str | None = None,
    ) -> Overview | None:
        """A participant's consultations, progress and deadlines; None for a stranger.

        Args:
            platform: The platform of the account.
            user_id: The account's user id on that platform.
            locale: The platform's locale for the user, when the participant chose none.
            timezone: The user's time zone as the platform reports it.
        """
        async with self._lock(Inbound(platform, user_id, "")), self.store.transaction() as uow:
            participant = await self._participant(uow, platform, user_id)
            if participant is None:
                return None
            t = translator(participant.locale or negotiate(locale))
            return await overview(uow, participant, t, self.clock.now(), timezone=timezone)

    async def form(
        self, platform: str, user_id: str, item_id: int, *, locale: str | None = None
    ) -> ItemForm | None:
        """The form of one agenda item, or None when this account may not answer it."""
        async with self._lock(Inbound(platform, user_id, "")), self.store.transaction() as uow:
            participant = await self._participant(uow, platform, user_id)
            if participant is None:
                return None
            t = translator(participant.locale or negotiate(locale))
            return await load_form(
                uow, participant, t, self.clock.now(), item_id, options=self.options
            )

    async def submit_form(
        self,
        platform: str,
        user_id: str,
        item_id: int,
        values: Mapping[int, FormValue],
        *,
        locale: str | None = None,
    ) -> FormResult:
        """Validate a submitted form in one transaction; valid answers are kept as a draft."""
        values = {key: storable_value(value) for key, value in values.items()}
        async with self._lock(Inbound(platform, user_id, "")), self.store.transaction() as uow:
            participant = await self._participant(uow, platform, user_id)
            t = translator((participant.locale if participant else None) or negotiate(locale))
            if participant is None:
                return FormResult(t.language, problem=how_to_join(t))
            result = await save_form(
                uow,
                participant,
                t,
                self.clock.now(),
                item_id,
                values,
                options=self.options,
                channel=platform,
            )
            if result.saved:
                participant.updated_at = self.clock.now()
            return result

    # What a channel asks besides events: kept here, so no channel touches the store.

    async def set_aside(
        self, event: Inbound, *, reply_to: Destination | None = None
    ) -> list[Reply]:
        """Record an update whose processing failed for good as processed, so that its
        redelivery is a duplicate; the apology to its sender, in their language (queued in
        the same transaction when `reply_to` is given, as `handle` does)."""
        async with self.store.transaction() as uow:
            if event.update_id is not None:
                await uow.updates.claim(event.platform, event.update_id, self.clock.now())
            _, found, _ = await uow.identities.with_participant(event.platform, event.user_id)
            t = translator((found.locale if found else None) or negotiate(event.locale))
            sorry = t._("Sorry, something went wrong with your last message. Please try again.")
            replies = [Reply(sorry, rtl=t.rtl)]
            await self._queue(uow, event.platform, replies, reply_to)
        return replies

    async def mark_reachable(self, platform: str, chat_id: str, *, reachable: bool) -> None:
        """Note whether a platform chat is open to the bot: reminders skip a participant who
        blocked it, until they write again."""
        async with self.store.transaction() as uow:
            await uow.participants.mark_unreachable(platform, chat_id, unreachable=not reachable)

    async def registered(self, platform: str, user_id: str) -> bool:
        """Whether a platform account belongs to a participant."""
        async with self.store.transaction() as uow:
            identity = await uow.identities.get(platform, user_id)
            return identity is not None and identity.participant_id is not None

    async def available(self) -> bool:
        """Whether the database answers now."""
        return await self.store.reachable()

    async def _context(self, uow: UnitOfWork, event: Inbound) -> Context:
        now = self.clock.now()
        identity, found, generation = await uow.identities.with_participant(
            event.platform, event.user_id
        )
        uow.consultations.use_generation(generation)
        if identity is None:
            identity = await uow.identities.add(
                Identity(
                    platform=event.platform,
                    platform_user_id=event.user_id,
                    chat_id=event.chat_id,
                    locale_hint=event.locale,
                    created_at=now,
                    last_seen_at=now,
                )
            )
        else:
            identity.chat_id = event.chat_id
            if identity.last_seen_at is None or now - identity.last_seen_at >= LAST_SEEN_STEP:
                identity.last_seen_at = now
            if event.locale:
                identity.locale_hint = event.locale
        participant = found if identity.participant_id is not None else None
        if participant is not None and participant.status == ParticipantStatus.ERASED:
            participant = None
        if participant is not None and participant.unreachable:
            participant.unreachable = False  # They wrote to us, so they can be reached again.
        language = (participant.locale if participant else None) or negotiate(
            event.locale or identity.locale_hint
        )
        return Context(
            uow=uow,
            event=event,
            identity=identity,
            participant=participant,
            t=translator(language),
            now=now,
            options=self.options,
            files=self.files,
            steps=STEPS,
        )

    async def _dispatch(self, ctx: Context) -> None:
        event, t = ctx.event, ctx.t
        text = event.text
        if (
            text is not None
            and len(text) > self.options.max_text_chars
            and not self._kept(ctx, text)
        ):
            ctx.say(
                t._(
                    "That message has {length} characters; the most I accept is {limit}. "
                    "Nothing was saved: please shorten it and send it again.",
                    length=t.number(len(text)),
                    limit=t.number(self.options.max_text_chars),
                )
            )
            await self._prompt_if_any(ctx)
            return
        if text is not None and (command := without_direction_marks(text)).startswith("/"):
            await self._command(ctx, command)
            return
        action = actions.parse(event.payload) if event.payload is not None else None
        if isinstance(action, AdminButton) and await ctx.uow.admins.is_admin(
            event.platform, event.user_id
        ):
            await admin_button(ctx, action, self.services)
            return
        if ctx.participant is None:
            await self._stranger(ctx)
            return
        step = STEPS[ctx.state]
        if event.payload is not None:
            if isinstance(action, Resume) and ctx.state not in ONBOARDING:
                # A reminder's button: valid from any step once onboarding is done.
                await resume(ctx, action)
            elif action is None:
                await stale_button(ctx)
            else:
                await step.on_button(ctx, action)
        elif event.document is not None:
            await step.on_document(ctx)
        elif event.unsupported is not None or text is None or not text.strip():
            ctx.say(
                t._("I can only read text messages, buttons and documents.")
                if event.unsupported
                else t._("That message was empty.")
            )
            await step.prompt(ctx)
        elif step.accepts_text(ctx):
            await step.on_text(ctx, text)
        elif (matched := await self._button_for(ctx, step, text)) is not None:
            await step.on_button(ctx, matched)
        else:
            await step.on_text(ctx, text)

    def _kept(self, ctx: Context, text: str) -> bool:
        """Whether a message over the engine's limit goes to the step all the same: a text
        answer, which keeps it for the participant to choose its first part or a file of it."""
        return (
            len(text) <= MAX_KEPT_CHARS
            and ctx.participant is not None
            and ctx.state == State.QUESTION
            and STEPS[ctx.state].accepts_text(ctx)
        )

    async def _button_for(self, ctx: Context, step: Step, text: str) -> Action | None:
        """The action of the current prompt's button whose label was typed, if any."""
        scratch = Context(
            uow=ctx.uow,
            event=ctx.event,
            identity=ctx.identity,
            participant=ctx.participant,
            t=ctx.t,
            now=ctx.now,
            options=ctx.options,
            files=ctx.files,
            steps=ctx.steps,
        )
        await step.prompt(scratch)
        shown = [button for reply in scratch.replies for button in reply.all_buttons()]
        button = typed_button(shown, text, numbered=ctx.event.numbered)
        return actions.parse(button.payload) if button is not None else None

    async def _command(self, ctx: Context, text: str) -> None:
        name, _, argument = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()  # Telegram appends @botname in groups.
        command = COMMANDS.get(name)
        t = ctx.t
        event = ctx.event
        if name == "admin" and await ctx.uow.admins.is_admin(event.platform, event.user_id):
            await admin(ctx, argument.strip(), self.services)
        elif ctx.participant is None and (command is None or name not in PUBLIC):
            ctx.say(how_to_join(t))  # What a stranger can do: join.
        elif command is None:
            ctx.say(t._("I do not know that command. Send /help to see what I can do."))
            await ctx.reprompt()
        elif ctx.participant is not None and ctx.state in ONBOARDING and name in AFTER_ONBOARDING:
            ctx.say(t._("Please finish the steps above first."))
            await ctx.reprompt()
        else:
            await command(ctx, argument.strip())

    async def _stranger(self, ctx: Context) -> None:
        text = ctx.event.text
        if text is not None and _looks_like_code(text):
            await redeem(ctx, text)
        else:
            ctx.say(how_to_join(ctx.t))

    async def _prompt_if_any(self, ctx: Context) -> None:
        if ctx.participant is not None:
            await ctx.reprompt()
