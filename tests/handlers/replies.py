"""The bundled 2027 consultation's replies, whole, as a participant reads them in English.

Tests compare what the engine answered with these, not with a part of them: a reply that
also says something wrong fails.
"""

from __future__ import annotations

import re

from handlers.i18n import translator

WELCOME = (
    "Welcome! You were invited on behalf of Criminologists without Borders. This bot collects "
    "your organisation's inputs for the constructive dialogues of the review mechanism of the "
    "United Nations Convention against Transnational Organized Crime."
)
NOTICE = (
    "Before we start, how we handle your information:\n"
    "• We record your organisation's profile and your answers to the questions "
    "of each consultation, with the time and the language of each answer.\n"
    "• The secretariat (UNODC) uses them to prepare the constructive dialogues "
    "and the Chair's summaries; statistics are shown without personal details.\n"
    "• Your written comments are published only if you allow it in the next step.\n"
    "• At any time, /mydata sends you everything we hold about you and /forget "
    "erases it.\n\n"
    "Do you agree that we process your information for this purpose?"
)
REFUSED = (
    "Understood. Without your consent I cannot record any answers, so nothing more will be "
    "stored. If you change your mind, send /start to see the notice again. /forget erases the "
    "little we hold (your invite and language)."
)
COUNTRY = (
    "In which country is your organisation based? Type its name or its two-letter code "
    "(for example AT for Austria)."
)
CONSULTATION = (
    "Written comments for the constructive dialogue following the eighteenth meeting of the "
    "Working Group on International Cooperation"
)
DEADLINE = "31 May 2027, 23:59 (Europe/Vienna time)"
CONSULTATIONS = f"Your consultations:\n• {CONSULTATION} — open until {DEADLINE}"
"""The list of consultations of a participant invited to the 2027 one."""
ITEM_2 = "Agenda item 2: Briefing on the developments and outcomes of the review process"
ITEM_3 = (
    "Agenda item 3: Spotlight on the eighteenth meeting of the Working Group on International "
    "Cooperation: electronic evidence and cooperation with communication service providers"
)
ITEM_4 = (
    "Agenda item 4: Collection of inputs and suggestions from participants, including on "
    "enhancing international cooperation in the context of the work of the UNTOC Review "
    "Mechanism"
)
FAMILIARITY = (
    "How familiar is your organization with the review of your country under the Mechanism?"
)
PLATFORM = (
    "Have national authorities given your organization an opportunity to present data or "
    "knowledge to inform the responses to the self-assessment questionnaire?\n"
    "In his summary of the 2023 constructive dialogue, the Chair observed that States should "
    "consider providing platforms for non-governmental stakeholders to do so."
)
CONTRIBUTION = (
    "How could the contribution of non-governmental organizations, academia and the private "
    "sector to the review process be strengthened?"
)
ONE = "Choose one answer."
TYPE = "Type your answer. Up to 3,000 characters."
STRANGER = (
    "This bot collects inputs from organisations invited by the secretariat. Please open the "
    "invitation link you received, or send /start followed by your invite code. If you have "
    "no invitation, please contact the secretariat."
)
HELP = "\n".join(
    [
        "I collect your organisation's inputs on the agenda items of the constructive "
        "dialogues. Answer the questions one at a time with the buttons or by typing; every "
        "answer is saved as soon as you send it.",
        "",
        "/start — Start, or continue where you left off",
        "/status — Your progress and deadlines",
        "/language — Change the language",
        "/mydata — Get a copy of your data",
        "/forget — Erase your data",
        "/reminders — Turn reminders before deadlines off or on (off / on)",
        "/cancel — Stop what you are doing and go back to your consultations",
        "/link — Use the same profile on another platform (Telegram or Slack)",
        "/help — What this bot does and its commands",
    ]
)
LINK_OFFER = (
    "To continue on another platform (Telegram or Slack) with the same profile and answers, "
    "send this there within 15 minutes:\n/link {code}"
)
LINKED = (
    "Linked. This account now shares the profile and answers of Criminologists without "
    "Borders; continue where you left off."
)
LINK_INVALID = (
    "This link code is not valid any more. Send /link on the account you registered with to "
    "get a new one."
)
ERASED = (
    "Your personal data has been erased. Thank you for your contributions. To take part again, "
    "please ask the secretariat for a new invitation."
)
SAVED = (
    "Saved. Every answer you sent is kept; choose the agenda item again whenever you want to "
    "continue."
)
BALANCE = (
    "To what extent do current legal frameworks strike an appropriate balance between data "
    "protection and the need for evidence in criminal investigations?\n"
    "Answer for the legal framework you know best, whether national or regional.\n"
    "Choose a number from 1 (Not at all) to 5 (Fully)."
)
REVIEW_3 = "\n".join(
    [
        f"Review — {ITEM_3}",
        "",
        "1. What are the main obstacles to obtaining electronic evidence across borders?",
        "   → Encryption of communications",
        "2. " + BALANCE.splitlines()[0],
        "   → 4 of 5",
        "3. Would standardized formats for legal requests and reporting between law enforcement "
        "authorities and communication service providers improve cooperation?",
        "   → — not answered",
        "4. What safeguards should apply when artificial intelligence is used to detect criminal "
        "activity or to analyse electronic evidence?",
        "   → — not answered",
        "",
        "Status: not submitted",
    ]
)
SUBMISSION = (
    "Attach a written submission (PDF, DOCX or ODT).\n"
    "Optional. With your consent, written comments may be made available on the UNODC "
    "website, as is the practice for constructive dialogues.\n"
    "Send a PDF, DOCX or ODT file of at most 1 MB."
)
REVIEW_4 = "\n".join(
    [
        f"Review — {ITEM_4}",
        "",
        "1. Which of the following should the Working Group address as a priority at its "
        "future meetings?",
        "   → Capacity-building and technical assistance",
        "2. How could non-governmental organizations, academia and the private sector work with "
        "States to collect and analyse data on organized crime and its impact at the local level?",
        "   → — not answered",
        "3. What are your main suggestions for enhancing international cooperation in the "
        "context of the work of the UNTOC Review Mechanism?",
        "   → Standardised request forms would help civil society follow cases.",
        "4. " + SUBMISSION.splitlines()[0],
        "   → {document}",
        "",
        "Status: not submitted",
    ]
)


def overview(item_2: str, status_2: str, item_3: str, status_3: str) -> str:
    """The consultation's agenda items, item 4 untouched: how many answered, and the status."""
    return (
        f"{CONSULTATION}\nDeadline: {DEADLINE}\n"
        f"• {ITEM_2} — {item_2} questions answered · {status_2}\n"
        f"• {ITEM_3} — {item_3} questions answered · {status_3}\n"
        f"• {ITEM_4} — 0 of 4 questions answered · not submitted"
    )


def profile(name: str, category: str, country: str) -> str:
    return (
        f"Please check your organisation's profile:\nName: {name}\nCategory: {category}\n"
        f"Country: {country}"
    )


def step(item: str, position: str, *lines: str) -> str:
    """A question as asked: the item, where it stands, a blank line, the question's lines."""
    return "\n".join([item, position, "", *lines])


def review_2(
    platform: str,
    status: str,
    *after: str,
    comment: str = "— not answered",
    familiarity: str = "We contributed to it",
) -> str:
    """Agenda item 2's review: its three answers, its status, then `after`."""
    return "\n".join(
        [
            f"Review — {ITEM_2}",
            "",
            f"1. {FAMILIARITY}",
            f"   → {familiarity}",
            f"2. {PLATFORM.splitlines()[0]}",
            f"   → {platform}",
            f"3. {CONTRIBUTION}",
            f"   → {comment}",
            "",
            f"Status: {status}",
            *after,
        ]
    )


def receipt(item: int, consultation: str = "WGIC-18-2027") -> re.Pattern[str]:
    """The receipt of a submission on 15 January 2027, its reference made up at random."""
    return re.compile(
        re.escape(
            f"Thank you. Your submission on agenda item {item} was received on 15 January 2027 "
            f"at 11:00 (Vienna time, UTC+1).\nReference: {consultation}-{item}-"
        )
        + "[0-9A-Z]{6}"
        + re.escape(f"\nYou can change your answers until {DEADLINE}.")
    )


def first_question() -> str:
    """Agenda item 2's first question, unanswered."""
    return step(ITEM_2, "Question 1 of 3 · required", FAMILIARITY, ONE)


def document_question(most: str = "1 MB") -> str:
    """Agenda item 4's last question, which asks for a document of at most `most`."""
    return step(ITEM_4, "Question 4 of 4", SUBMISSION.replace("at most 1 MB", f"at most {most}"))


def comment_question() -> str:
    """Agenda item 2's last question, a free text, after the first two are answered."""
    return step(ITEM_2, "Question 3 of 3", CONTRIBUTION, TYPE)


def balance_question() -> str:
    """Agenda item 3's second question, a scale."""
    return step(ITEM_3, "Question 2 of 4 · required", BALANCE)


def welcome(language: str) -> list[str]:
    """The two messages an invite code is answered with, before a language is chosen."""
    t = translator(language)
    template = WELCOME.replace("Criminologists without Borders", "{organisation}")
    return [
        t._(template).format(organisation="Criminologists without Borders"),
        t._("Which language would you like me to use?"),
    ]
