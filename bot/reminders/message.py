"""What a reminder says (pure): what is missing per agenda item, a button to resume each."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_timedelta

from bot.reminders.planning import Due
from handlers.actions import Resume
from handlers.events import Button, Reply
from handlers.features.consultations import deadline_sentence, item_heading, localized
from handlers.i18n import translator


def reminder_replies(due: Due, now: datetime) -> list[Reply]:
    """The reminder message: what is missing per agenda item, a button to resume each."""
    recipient, consultation = due.recipient, due.consultation
    t = translator(recipient.locale)
    deadline = deadline_sentence(
        t, consultation.deadline, consultation.timezone, recipient.timezone
    )
    remaining = format_timedelta(
        max(consultation.deadline - now, timedelta(minutes=1)),
        add_direction=True,
        locale=t.language,
    )
    lines = [
        t._(
            "Reminder: submissions for {title} close on {deadline}, {remaining}.",
            title=localized(consultation.short_title, t),
            deadline=deadline,
            remaining=remaining,
        ),
        "",
        t._("Still missing:"),
    ]
    buttons: list[tuple[Button, ...]] = []
    for item in recipient.missing:
        heading = item_heading(t, item)
        count = t.n_(
            "{count} required question unanswered",
            "{count} required questions unanswered",
            item.missing,
        )
        lines.append(f"• {heading} — {count}")
        buttons.append(
            (
                Button(
                    t._("Agenda item {number}", number=item.number), Resume(item.item_id).payload()
                ),
            )
        )
    lines += [
        "",
        t._(
            "Press an agenda item below to continue where it needs you. "
            "To stop these reminders, send /reminders off."
        ),
    ]
    return [Reply(text="\n".join(lines), buttons=tuple(buttons), rtl=t.rtl)]
