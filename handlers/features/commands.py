"""Slash commands, available at any step: /start, /help, /status, /language, /mydata, ..."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.conversation import Context, State
from handlers.features.consultations import (
    accessible,
    item_heading,
    item_progress,
    status_text,
    title,
    window_text,
)
from handlers.features.linking import link
from handlers.features.onboarding import how_to_join, redeem
from handlers.features.privacy import send_my_data
from handlers.i18n import Translator

Command = Callable[[Context, str], Awaitable[None]]


def command_descriptions(t: Translator) -> dict[str, str]:
    """Each command and what it does, for /help and the platforms' command menus."""
    return {
        "start": t._("Start, or continue where you left off"),
        "status": t._("Your progress and deadlines"),
        "language": t._("Change the language"),
        "mydata": t._("Get a copy of your data"),
        "forget": t._("Erase your data"),
        "reminders": t._("Turn reminders before deadlines off or on (off / on)"),
        "cancel": t._("Stop what you are doing and go back to your consultations"),
        "link": t._("Use the same profile on another platform (Telegram or Slack)"),
        "help": t._("What this bot does and its commands"),
    }


async def start(ctx: Context, argument: str) -> None:
    """/start [CODE]: join with an invite, or continue."""
    if ctx.participant is None:
        if argument:
            await redeem(ctx, argument)
        else:
            ctx.say(ctx.t._("Welcome!") + " " + how_to_join(ctx.t))
        return
    if argument:
        ctx.say(ctx.t._("You are already registered; here is where you left off."))
    else:
        ctx.say(ctx.t._("Welcome back! Here is where you left off."))
    if ctx.state == State.REFUSED:
        await ctx.enter(State.CONSENT)
    else:
        await ctx.reprompt()


async def help_(ctx: Context, argument: str) -> None:
    """/help: what the bot does and the commands."""
    t = ctx.t
    lines = [
        t._(
            "I collect your organisation's inputs on the agenda items of the constructive "
            "dialogues. Answer the questions one at a time with the buttons or by typing; "
            "every answer is saved as soon as you send it."
        ),
        "",
    ]
    # Isolated, "/help" stays "/help" in an Arabic line, whose direction its text then sets.
    lines += [f"{t.isolate('/' + name)} — {text}" for name, text in command_descriptions(t).items()]
    ctx.say("\n".join(lines))
    if ctx.participant is not None:
        await ctx.reprompt()


async def status(ctx: Context, argument: str) -> None:
    """/status: progress on every consultation and its deadline."""
    t = ctx.t
    lines = []
    for row in await accessible(ctx.uow, ctx.me, now=ctx.now):
        lines.append(title(row, t))
        lines.append(window_text(ctx, row))
        for item in await ctx.uow.consultations.items(row.id):
            done = await item_progress(ctx, item)
            state = done.submission.status if done.submission else None
            lines.append(
                f"• {item_heading(t, item)}: {done.answered}/{len(done.questions)}"
                f" · {status_text(t, state)}"
            )
        lines.append("")
    ctx.say("\n".join(lines).strip() or t._("There is no consultation for you at the moment."))
    await ctx.reprompt()


async def language(ctx: Context, argument: str) -> None:
    """/language: choose another language without losing the step."""
    saved = ctx.data.get("return") if ctx.state == State.LANGUAGE else ctx.remember_return()
    await ctx.enter(State.LANGUAGE, **({"return": saved} if saved else {}))


async def mydata(ctx: Context, argument: str) -> None:
    """/mydata: a copy of the participant's data; /mydata name: change the published name."""
    await send_my_data(ctx, argument)


async def forget(ctx: Context, argument: str) -> None:
    """/forget: erase the participant's data, after confirmation."""
    saved = ctx.data.get("return") if ctx.state == State.FORGET else ctx.remember_return()
    await ctx.enter(State.FORGET, **{"return": saved})


async def reminders(ctx: Context, argument: str) -> None:
    """/reminders off|on: pause or resume reminders before deadlines."""
    t = ctx.t
    choice = argument.lower()
    if choice in {"off", "on"}:
        ctx.me.reminders_paused = choice == "off"
        ctx.uow.audit.record(
            actor=f"participant:{ctx.me.id}",
            action="reminders.paused" if choice == "off" else "reminders.resumed",
            channel=ctx.event.platform,
            now=ctx.now,
        )
        if choice == "off":
            ctx.say(t._("Reminders are off. Send /reminders on to receive them again."))
        else:
            ctx.say(
                t._(
                    "Reminders are on: I will remind you before a deadline while answers "
                    "are missing."
                )
            )
    elif ctx.me.reminders_paused:
        ctx.say(t._("Reminders are off. Send /reminders on to receive them again."))
    else:
        ctx.say(t._("Reminders are on. Send /reminders off to stop them."))
    await ctx.reprompt()


async def cancel(ctx: Context, argument: str) -> None:
    """/cancel: leave the current step for the consultations (answers stay saved)."""
    ctx.say(ctx.t._("Stopped. Your saved answers are kept."))
    await ctx.enter(State.HOME)


COMMANDS: dict[str, Command] = {
    "start": start,
    "help": help_,
    "status": status,
    "language": language,
    "mydata": mydata,
    "forget": forget,
    "reminders": reminders,
    "cancel": cancel,
    "link": link,
}
"""The command table. Before an invite is redeemed only /start and /help are open."""

PUBLIC = frozenset({"start", "help", "link"})
AFTER_ONBOARDING = frozenset({"status", "cancel", "reminders"})
