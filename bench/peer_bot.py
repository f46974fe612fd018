"""The peer we measure against: a canonical python-telegram-bot 22 bot on our bench's journey.

Written as PTB's documentation and examples show a bot of this shape: `ApplicationBuilder`
with `AIORateLimiter` and `PicklePersistence`, one persistent `ConversationHandler` whose
states walk what `bench.telegram` walks (the invite, language, privacy notice, publication,
profile, gender, the consultation, agenda item 2, its three questions, the review and
"Change answer 3"), the answers kept in `context.user_data`, which the persistence holds.
It is not product code and shares nothing with it: one consultation in constants, no
database, no invite check (any code is accepted), no language detection.

What it matches of our bot, so that the same client steps, markers and flood limits
measure both: every step sends new messages (`sendMessage`, never an edit), as many as ours
sends at that step — two for /start (welcome, then the language question) and for the
gender (thanks, then the consultations), one for every other step — with the same buttons
(labels and rows) and texts of about the same length, in HTML. A button press is answered
(`answerCallbackQuery`) before the step's message, as PTB's examples do; ours answers it
while handling. Updates are handled one at a time (PTB's default, `concurrent_updates`
off); the rate limiter keeps PTB's defaults (30 messages a second overall, 20 a minute per
group, none per private chat) and retries a refused message (`max_retries=3`) rather than
dropping the step's reply. PicklePersistence writes its file every 60 s and at a graceful
stop (its default), where our bot commits every step to its database.

Run as `python -m bench.peer_bot` with:

- TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL (the Bot API up to `/bot`, e.g. `http://…/bot`),
  TELEGRAM_BASE_FILE_URL (default: TELEGRAM_BASE_URL with `/bot` made `/file/bot`);
- PEER_PERSISTENCE: the pickle file;
- PEER_MODE: `polling` (`run_polling`, the default) or `webhook` (`run_webhook` on
  127.0.0.1:PORT at /telegram/webhook, registered as TELEGRAM_WEBHOOK_URL with the secret
  TELEGRAM_WEBHOOK_SECRET).
"""

from __future__ import annotations

import enum
import html
import logging
import os
import warnings
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    Defaults,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.warnings import PTBUserWarning

WEBHOOK_PATH = "telegram/webhook"
ITEM = "Agenda item 2: Briefing on the developments and outcomes of the review process"
CONSULTATION = (
    "Written comments for the constructive dialogue following the eighteenth meeting of the "
    "Working Group on International Cooperation"
)
DEADLINE = "31 May 2027, 23:59 (Europe/Vienna time)"


class State(enum.Enum):
    """Where a person is in the conversation."""

    LANGUAGE = "language"
    PRIVACY = "privacy"
    PUBLICATION = "publication"
    PROFILE = "profile"
    GENDER = "gender"
    CONSULTATIONS = "consultations"
    AGENDA = "agenda"
    QUESTION = "question"
    REVIEW = "review"


@dataclass(frozen=True)
class Question:
    """A question of agenda item 2: choose one of `options`, or type when there are none."""

    text: str
    options: tuple[str, ...] = ()
    note: str = ""
    required: bool = True


QUESTIONS = (
    Question(
        "How familiar is your organization with the review of your country under the Mechanism?",
        (
            "We contributed to it",
            "We are informed but have not contributed",
            "We know of it only in general terms",
            "We were not aware of it",
        ),
    ),
    Question(
        "Have national authorities given your organization an opportunity to present data or "
        "knowledge to inform the responses to the self-assessment questionnaire?",
        ("Yes", "No"),
        note="In his summary of the 2023 constructive dialogue, the Chair observed that States "
        "should consider providing platforms for non-governmental stakeholders to do so.",
    ),
    Question(
        "How could the contribution of non-governmental organizations, academia and the "
        "private sector to the review process be strengthened?",
        required=False,
    ),
)
LANGUAGES = (
    ("English", "en"),
    ("Français", "fr"),
    ("Español", "es"),
    ("Русский", "ru"),
    ("中文", "zh"),
    ("العربية", "ar"),
)
GENDERS = ("Female", "Male", "Another gender", "Prefer not to say")
PRIVACY = (
    "Before we start, how we handle your information:\n"
    "• We record your organisation's profile and your answers to the questions of each "
    "consultation, with the time and the language of each answer.\n"
    "• The secretariat uses them to prepare the constructive dialogues and the Chair's "
    "summaries; statistics are shown without personal details.\n"
    "• Your written comments are published only if you allow it in the next step.\n\n"
    "Do you agree that we process your information for this purpose?"
)


def _keyboard(*rows: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup:
    """Inline buttons from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Send a new message to the person's chat (HTML, the application's default)."""
    chat = update.effective_chat
    assert chat is not None  # every update of the conversation comes from a chat
    await chat.send_message(text, reply_markup=markup)


async def _pressed(update: Update) -> str:
    """Answer the button press (Telegram stops the button's spinner); its data."""
    query = update.callback_query
    # A CallbackQueryHandler's update, and every button here has data.
    assert query is not None
    assert query.data is not None
    await query.answer()
    return query.data


def _data(context: ContextTypes.DEFAULT_TYPE) -> dict[Any, Any]:
    user_data = context.user_data
    assert user_data is not None  # per_user conversations always have a user
    return user_data


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State:
    """/start CODE: the welcome, and the language question."""
    _data(context)["invite"] = context.args[0] if context.args else ""
    await _show(
        update,
        "Welcome! You were invited to give your organisation's inputs for the constructive "
        "dialogues of the review mechanism of the United Nations Convention against "
        "Transnational Organized Crime.",
    )
    pairs = [(label, f"language:{code}") for label, code in LANGUAGES]
    await _show(
        update,
        "Which language would you like me to use?",
        _keyboard(*(tuple(pairs[n : n + 2]) for n in range(0, len(pairs), 2))),
    )
    return State.LANGUAGE


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State:
    """A language chosen: the privacy notice."""
    _data(context)["language"] = (await _pressed(update)).removeprefix("language:")
    buttons = (("I agree", "privacy:yes"), ("I do not agree", "privacy:no"))
    await _show(update, html.escape(PRIVACY), _keyboard(buttons))
    return State.PRIVACY


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State | int:
    """Consent given (the publication question) or refused (the end)."""
    if await _pressed(update) != "privacy:yes":
        await _show(update, "Without your consent I cannot record your inputs. Goodbye.")
        return ConversationHandler.END
    _data(context)["consent"] = True
    buttons = (("Yes, they may be published", "publish:yes"), ("No, do not publish", "publish:no"))
    await _show(
        update,
        "The secretariat publishes written comments on its webpage when their authors allow "
        "it. May your written comments be published? Your answer does not affect whether "
        "your inputs are considered.",
        _keyboard(buttons),
    )
    return State.PUBLICATION


async def publication(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State:
    """Publication chosen: the organisation's profile to confirm."""
    _data(context)["publish"] = await _pressed(update) == "publish:yes"
    await _show(
        update,
        "Please check your organisation's profile:\nName: Organisation\n"
        "Category: Non-governmental organization\nCountry: Austria",
        _keyboard((("This is correct", "profile:ok"),)),
    )
    return State.PROFILE


async def profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State:
    """Profile confirmed: the optional gender question."""
    await _pressed(update)
    genders = [(label, f"gender:{n}") for n, label in enumerate(GENDERS)]
    await _show(
        update,
        "Optional: your gender, only for statistics disaggregated by sex, as the Chair's "
        "summaries ask for. It is never shown next to your answers.",
        _keyboard(tuple(genders[:2]), tuple(genders[2:])),
    )
    return State.GENDER


async def gender(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State:
    """Gender given: all set, and the consultations open."""
    _data(context)["gender"] = GENDERS[int((await _pressed(update)).removeprefix("gender:"))]
    await _show(update, "Thank you, you are all set.")
    await _show(
        update,
        f"Your consultations:\n• {CONSULTATION} — open until {DEADLINE}",
        _keyboard((("Constructive dialogue 2027 (WGIC 18)", "consultation"),)),
    )
    return State.CONSULTATIONS


async def consultation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State:
    """The consultation opened: its agenda items."""
    await _pressed(update)
    items = (
        f"• {ITEM} — 0 of 3 questions answered · not submitted\n"
        "• Agenda item 3: Spotlight on the eighteenth meeting of the Working Group — "
        "0 of 4 questions answered · not submitted\n"
        "• Agenda item 4: Collection of inputs and suggestions from participants — "
        "0 of 4 questions answered · not submitted"
    )
    await _show(
        update,
        f"{CONSULTATION}\nDeadline: {DEADLINE}\n{items}",
        _keyboard(
            (("Agenda item 2", "item:2"),),
            (("Agenda item 3", "item:3"),),
            (("Agenda item 4", "item:4"),),
        ),
    )
    return State.AGENDA


async def _ask(update: Update, context: ContextTypes.DEFAULT_TYPE, number: int) -> State:
    """Show question `number` (0-based) and remember it is the one being answered."""
    data = _data(context)
    data["question"] = number
    question = QUESTIONS[number]
    lines = [
        html.escape(ITEM),
        f"Question {number + 1} of {len(QUESTIONS)}" + (" · required" if question.required else ""),
        "",
        html.escape(question.text),
    ]
    if question.note:
        lines.append(html.escape(question.note))
    answer = data.get("answers", {}).get(number)
    rows: list[tuple[tuple[str, str], ...]]
    onward: tuple[tuple[str, str], ...]
    if question.options:
        lines.append("Choose one answer.")
        rows = [((option, f"answer:{n}"),) for n, option in enumerate(question.options)]
        onward = ()
    else:
        if answer is not None:
            lines.append(f"Your current answer: {html.escape(answer)}")
        lines.append("Type your answer. Up to 3,000 characters.")
        rows = []
        onward = (("Keep ›" if answer is not None else "Skip ›", "skip"),)
    rows.append((("‹ Back", "back"), *onward, ("Save and exit", "save")))
    await _show(update, "\n".join(lines), _keyboard(*rows))
    return State.QUESTION


async def agenda_item(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State:
    """An agenda item opened: its first question (only item 2 has questions here)."""
    if await _pressed(update) == "item:2":
        return await _ask(update, context, 0)
    await _show(update, "The questions of this agenda item are not open yet.")
    return State.AGENDA


async def _next(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State:
    """After an answer: the next question, or the review after the last."""
    number = int(_data(context)["question"]) + 1
    if number < len(QUESTIONS):
        return await _ask(update, context, number)
    return await _review(update, context)


async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State:
    """An option of a choice question pressed: stored, then onward."""
    data = _data(context)
    number = int(data["question"])
    option = int((await _pressed(update)).removeprefix("answer:"))
    data.setdefault("answers", {})[number] = QUESTIONS[number].options[option]
    return await _next(update, context)


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State:
    """A typed answer: stored for a text question, then onward."""
    data = _data(context)
    number = int(data["question"])
    message = update.effective_message
    assert message is not None  # filters.TEXT
    assert message.text is not None
    if QUESTIONS[number].options:
        await _show(update, "Please choose one of the answers above.")
        return State.QUESTION
    data.setdefault("answers", {})[number] = message.text
    return await _next(update, context)


async def navigate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State | int:
    """Back, Skip/Keep or Save and exit on a question."""
    action = await _pressed(update)
    number = int(_data(context)["question"])
    if action == "back":
        return await _ask(update, context, max(number - 1, 0))
    if action == "skip":
        return await _next(update, context)
    await _show(update, "Your answers are saved. Send /start to go on.")
    return ConversationHandler.END


async def _review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State:
    """Every answer of the item, and what to do with them."""
    answers = _data(context).get("answers", {})
    lines = [f"Review — {html.escape(ITEM)}", ""]
    for number, question in enumerate(QUESTIONS):
        lines.append(f"{number + 1}. {html.escape(question.text)}")
        lines.append(f"   → {html.escape(answers.get(number, '(no answer)'))}")
    lines += ["", "Status: not submitted"]
    rows = [(("Submit", "submit"),)]
    rows += [((f"Change answer {n + 1}", f"change:{n}"),) for n in range(len(QUESTIONS))]
    rows.append((("‹ Agenda items", "items"),))
    await _show(update, "\n".join(lines), _keyboard(*rows))
    return State.REVIEW


async def review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> State | int:
    """Submit, change an answer, or back to the agenda items."""
    action = await _pressed(update)
    if action.startswith("change:"):
        return await _ask(update, context, int(action.removeprefix("change:")))
    if action == "submit":
        _data(context)["submitted"] = True
        await _show(update, "Thank you: your answers to agenda item 2 are submitted.")
        return ConversationHandler.END
    await _show(update, "Send /start to choose another agenda item.")
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel: leave the conversation; the answers given stay."""
    await _show(update, "Stopped. Send /start to begin again.")
    return ConversationHandler.END


async def stranger(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anything outside the conversation: how to begin."""
    await _show(update, "To take part, open the invitation link you received.")


def conversation() -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
    """The one conversation, persistent under its name."""
    text = filters.TEXT & ~filters.COMMAND
    # per_message stays False: the state is the person's, whichever message a button is on
    # (PTB warns that CallbackQueryHandlers are then not tracked per message).
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r".*CallbackQueryHandler", category=PTBUserWarning
        )
        return ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                State.LANGUAGE: [CallbackQueryHandler(language, pattern=r"^language:")],
                State.PRIVACY: [CallbackQueryHandler(privacy, pattern=r"^privacy:")],
                State.PUBLICATION: [CallbackQueryHandler(publication, pattern=r"^publish:")],
                State.PROFILE: [CallbackQueryHandler(profile, pattern=r"^profile:ok$")],
                State.GENDER: [CallbackQueryHandler(gender, pattern=r"^gender:")],
                State.CONSULTATIONS: [
                    CallbackQueryHandler(consultation, pattern=r"^consultation$")
                ],
                State.AGENDA: [CallbackQueryHandler(agenda_item, pattern=r"^item:\d$")],
                State.QUESTION: [
                    CallbackQueryHandler(chosen, pattern=r"^answer:"),
                    CallbackQueryHandler(navigate, pattern=r"^(back|skip|save)$"),
                    MessageHandler(text, typed),
                ],
                State.REVIEW: [CallbackQueryHandler(review, pattern=r"^(submit|change:\d|items)$")],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            allow_reentry=True,
            name="consultation",
            persistent=True,
        )


def build(
    token: str, base_url: str, base_file_url: str, persistence: str
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The application: rate-limited, persistent, HTML by default, the conversation added."""
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .persistence(PicklePersistence(filepath=persistence))
        .build()
    )
    application.add_handler(conversation())
    application.add_handler(MessageHandler(filters.ALL, stranger))
    return application


def main() -> None:
    """Run the peer as the environment says (see the module's docstring)."""
    logging.basicConfig(level=logging.WARNING)
    env = os.environ
    base_url = env["TELEGRAM_BASE_URL"]
    default_file_url = base_url.removesuffix("/bot") + "/file/bot"
    application = build(
        env["TELEGRAM_BOT_TOKEN"],
        base_url,
        env.get("TELEGRAM_BASE_FILE_URL", default_file_url),
        env["PEER_PERSISTENCE"],
    )
    mode = env.get("PEER_MODE", "polling")
    if mode == "webhook":
        application.run_webhook(
            listen="127.0.0.1",
            port=int(env["PORT"]),
            url_path=WEBHOOK_PATH,
            webhook_url=env["TELEGRAM_WEBHOOK_URL"],
            secret_token=env["TELEGRAM_WEBHOOK_SECRET"],
        )
    elif mode == "polling":
        application.run_polling()
    else:
        raise SystemExit(f"PEER_MODE is polling or webhook, not {mode!r}")


if __name__ == "__main__":
    # Run the module's imported copy, not this `__main__` one: the persistence pickles the
    # conversation states as `bench.peer_bot.State`, which any later start can load.
    from bench.peer_bot import main as run

    run()
