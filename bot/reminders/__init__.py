"""Reminders before deadlines: when each is due (pure), what it says, and sending it once.

What is due at `now` is a pure function of the consultation, the participants and the
ledger (`planning.due_reminders`). Sending (`sweep`) claims a ledger row first (unique key:
consultation, participant, due time), delivers, then marks it sent; a row a crash left in
`sending` is turned `uncertain` by the next sweep and never sent again. What a reminder says
is `message.reminder_replies`.
"""

from bot.reminders.message import reminder_replies
from bot.reminders.planning import (
    BEFORE_QUIET,
    KIND,
    LEASE,
    MAX_ATTEMPTS,
    PREFERRED_HOUR,
    RECORDED_SKIPS,
    Action,
    ConsultationFacts,
    Due,
    LedgerEntry,
    MissingItem,
    Recipient,
    Slot,
    definition_of,
    due_reminders,
    in_quiet_hours,
    plan,
    reminder_key,
    slot_time,
)
from bot.reminders.sweep import SweepReport, carry_out, collect, sweep

__all__ = [
    "BEFORE_QUIET",
    "KIND",
    "LEASE",
    "MAX_ATTEMPTS",
    "PREFERRED_HOUR",
    "RECORDED_SKIPS",
    "Action",
    "ConsultationFacts",
    "Due",
    "LedgerEntry",
    "MissingItem",
    "Recipient",
    "Slot",
    "SweepReport",
    "carry_out",
    "collect",
    "definition_of",
    "due_reminders",
    "in_quiet_hours",
    "plan",
    "reminder_key",
    "reminder_replies",
    "slot_time",
    "sweep",
]
