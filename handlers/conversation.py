"""The conversation's states, the context a step works in, and the base of every step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handlers.actions import Action, Decision
from handlers.events import Button, ChoiceGroup, Inbound, Reply
from handlers.i18n import Translator, translator
from handlers.ports import FileStore
from storage.models import ConversationState, Identity, Participant
from storage.repositories import UnitOfWork

State = ConversationState
"""Where a participant is in the conversation (the enum lives with the participant's table,
which stores it)."""


ONBOARDING = frozenset(
    {
        State.LANGUAGE,
        State.CONSENT,
        State.PUBLICATION,
        State.CREDIT,
        State.CREDIT_NAME,
        State.PROFILE,
        State.PROFILE_NAME,
        State.PROFILE_CATEGORY,
        State.PROFILE_COUNTRY,
        State.GENDER,
        State.REFUSED,
        State.PENDING,
    }
)
"""States before the participant may see consultations."""

NOTICE_VERSION = "2026-11"
"""Version of the privacy notice; recorded with every consent."""


@dataclass(frozen=True)
class EngineOptions:
    """The limits the engine enforces, from the settings."""

    max_text_chars: int = 4000
    max_document_bytes: int = 10 * 1024 * 1024
    document_types: tuple[str, ...] = (".pdf", ".docx", ".odt")


@dataclass
class Context:
    """Everything one step needs while handling one inbound event."""

    uow: UnitOfWork
    event: Inbound
    identity: Identity
    participant: Participant | None
    t: Translator
    now: datetime
    options: EngineOptions
    files: FileStore
    steps: Mapping[State, Step]
    replies: list[Reply] = field(default_factory=list)
    later: list[Callable[[], Awaitable[list[Reply]]]] = field(default_factory=list)
    """Work to run once the transaction is committed (deliveries); its replies follow."""

    @property
    def me(self) -> Participant:
        """The participant; steps run only once there is one."""
        if self.participant is None:
            raise RuntimeError("step reached without a participant")
        return self.participant

    @property
    def state(self) -> State:
        """The participant's current state."""
        return State(self.me.state)

    @property
    def data(self) -> dict[str, Any]:
        """The participant's current step context (consultation, item, question...)."""
        return self.me.context

    def say(
        self,
        text: str,
        buttons: Sequence[Sequence[Button]] = (),
        *,
        replace_previous: bool = False,
        document: Any = None,
        choices: ChoiceGroup | None = None,
    ) -> None:
        """Queue a reply in the participant's language."""
        self.replies.append(
            Reply(
                text=text,
                buttons=tuple(tuple(row) for row in buttons if row),
                replace_previous=replace_previous,
                document=document,
                rtl=self.t.rtl,
                choices=choices,
            )
        )

    def set_language(self, language: str) -> None:
        """Switch the interface language for the rest of this event too."""
        self.me.locale = language
        self.t = translator(language)

    def move(self, state: State, **data: Any) -> None:
        """Change state without prompting (the caller says what comes next)."""
        self.me.state = state
        self.me.context = {k: v for k, v in data.items() if v is not None}
        # With the state, so both are written in one UPDATE (the engine sets it again after
        # the step, which writes nothing more when it has not changed).
        self.me.updated_at = self.now

    async def enter(self, state: State, **data: Any) -> None:
        """Change state and show that state's prompt."""
        self.move(state, **data)
        await self.steps[state].prompt(self)

    async def reprompt(self) -> None:
        """Show the current state's prompt again."""
        await self.steps[self.state].prompt(self)

    def remember_return(self) -> dict[str, Any]:
        """The current state and context, to come back to after a detour."""
        return {"state": self.me.state, "context": dict(self.me.context)}

    async def go_back(self, saved: Mapping[str, Any] | None, fallback: State) -> None:
        """Return to a remembered state (after /language or a declined /forget)."""
        if saved and saved.get("state") in State.__members__.values():
            self.me.state = State(saved["state"])
            self.me.context = dict(saved.get("context") or {})
            await self.reprompt()
        else:
            await self.enter(fallback)


class Step:
    """One state of the conversation: how it prompts and how it takes input.

    The defaults answer input the state does not expect with a short explanation
    and the prompt again, changing nothing.
    """

    def accepts_text(self, ctx: Context) -> bool:
        """Whether free text is an answer here (else typed text is matched to buttons)."""
        return False

    async def prompt(self, ctx: Context) -> None:
        """Say what this state asks, with its buttons. Must not change anything."""
        raise NotImplementedError

    async def on_text(self, ctx: Context, text: str) -> None:
        """Free text arrived."""
        ctx.say(ctx.t._("Please choose one of the buttons below."))
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: Action) -> None:
        """A button was pressed that this state does not know."""
        await stale_button(ctx)

    async def on_document(self, ctx: Context) -> None:
        """A file arrived."""
        ctx.say(ctx.t._("A document is only expected when a question asks for one."))
        await self.prompt(ctx)


class DecisionStep(Step):
    """A question answered by one of two buttons: yes (`on_yes`) or no (`on_no`)."""

    action: type[Decision] = Decision
    """The action of this step's two buttons."""

    def question(self, ctx: Context) -> str:
        """What is asked, translated."""
        raise NotImplementedError

    def labels(self, ctx: Context) -> tuple[str, str]:
        """The yes and no buttons' labels, translated."""
        raise NotImplementedError

    async def on_yes(self, ctx: Context) -> None:
        """The participant said yes."""
        raise NotImplementedError

    async def on_no(self, ctx: Context) -> None:
        """The participant said no."""
        raise NotImplementedError

    async def prompt(self, ctx: Context) -> None:
        yes, no = self.labels(ctx)
        ctx.say(
            self.question(ctx),
            [
                [
                    Button(yes, self.action(yes=True).payload()),
                    Button(no, self.action(yes=False).payload()),
                ]
            ],
        )

    async def on_button(self, ctx: Context, action: Action) -> None:
        if type(action) is not self.action or not isinstance(action, Decision):
            await stale_button(ctx)
        elif action.yes:
            await self.on_yes(ctx)
        else:
            await self.on_no(ctx)


async def stale_button(ctx: Context) -> None:
    """Answer a button from an earlier message, or a forged one: nothing changes."""
    ctx.say(ctx.t._("That button is no longer active. Here is where you are:"))
    await ctx.reprompt()
