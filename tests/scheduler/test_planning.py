"""Reminder planning as pure functions of `now`: offsets, local hours, quiet hours, grace."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.reminders import (
    Action,
    ConsultationFacts,
    LedgerEntry,
    MissingItem,
    Recipient,
    Slot,
    due_reminders,
    in_quiet_hours,
    plan,
    reminder_key,
    slot_time,
)
from bot.sending import Channel
from config.consultation import QuietHours, Reminders
from tests.scheduler.conftest import DEADLINE, SLOT_1D, SLOT_2D, SLOT_3H, SLOT_7D, SLOT_14D

VIENNA = ZoneInfo("Europe/Vienna")
TOKYO = ZoneInfo("Asia/Tokyo")
DEFAULT = Reminders()


def test_default_offsets_fall_at_ten_in_the_morning_and_the_last_exactly_on_time() -> None:
    assert plan(DEADLINE, DEFAULT, VIENNA) == [
        Slot(timedelta(days=14), SLOT_14D, last=False),
        Slot(timedelta(days=7), SLOT_7D, last=False),
        Slot(timedelta(days=2), SLOT_2D, last=False),
        Slot(timedelta(days=1), SLOT_1D, last=False),
        Slot(timedelta(hours=3), SLOT_3H, last=True),
    ]


def test_a_participant_in_another_time_zone_is_reminded_at_their_own_ten_o_clock() -> None:
    slots = plan(DEADLINE, DEFAULT, TOKYO)
    local = [slot.due_at.astimezone(TOKYO) for slot in slots]
    assert [f"{moment:%Y-%m-%d %H:%M}" for moment in local] == [
        "2027-05-18 10:00",
        "2027-05-25 10:00",
        "2027-05-30 10:00",
        "2027-05-31 10:00",
        "2027-06-01 03:59",  # the last one: 3 h before the deadline, quiet hours or not
    ]
    assert slots[-1].due_at == DEADLINE - timedelta(hours=3)


def test_quiet_hours_move_a_reminder_earlier_but_never_the_last() -> None:
    noon = datetime(2027, 5, 31, 12, 0, tzinfo=VIENNA)
    settings = Reminders(offsets=[timedelta(hours=14), timedelta(hours=9)])
    first, last = plan(noon, settings, VIENNA)
    # 14 h before noon is 22:00, in the default quiet hours 21:00–08:00: one hour before them.
    assert first.due_at.astimezone(VIENNA) == datetime(2027, 5, 30, 20, 0, tzinfo=VIENNA)
    # The last one, 9 h before noon, is 03:00 — sent all the same.
    assert last.due_at.astimezone(VIENNA) == datetime(2027, 5, 31, 3, 0, tzinfo=VIENNA)
    assert last.last


def test_quiet_hours_after_midnight_go_back_to_the_evening_before() -> None:
    quiet = QuietHours()
    moved = slot_time(
        datetime(2027, 5, 31, 9, 0, tzinfo=VIENNA), timedelta(hours=6), VIENNA, quiet, last=False
    )
    assert moved.astimezone(VIENNA) == datetime(2027, 5, 30, 20, 0, tzinfo=VIENNA)


def test_configured_quiet_hours_apply_to_the_preferred_hour_too() -> None:
    office = QuietHours(start=time(9, 0), end=time(17, 0))
    due = slot_time(DEADLINE, timedelta(days=7), VIENNA, office, last=False)
    assert due.astimezone(VIENNA) == datetime(2027, 5, 24, 8, 0, tzinfo=VIENNA)


def test_in_quiet_hours_spans_midnight() -> None:
    quiet = QuietHours()
    assert [in_quiet_hours(time(h), quiet) for h in (7, 8, 20, 21, 23, 0)] == [
        True,
        False,
        False,
        True,
        True,
        True,
    ]
    assert not in_quiet_hours(time(3), QuietHours(start=time(0), end=time(0)))


def test_an_extended_deadline_gives_new_due_times() -> None:
    extended = DEADLINE + timedelta(days=14)
    assert [slot.due_at for slot in plan(extended, DEFAULT, VIENNA)][:2] == [
        SLOT_14D + timedelta(days=14),
        SLOT_7D + timedelta(days=14),
    ]


# --- what is due at `now` --------------------------------------------------------------------

FACTS = ConsultationFacts(
    id="wgic-18-2027",
    title={"en": "Written comments"},
    short_title={"en": "Constructive dialogue 2027"},
    opens_at=datetime(2026, 11, 1, 23, 0, tzinfo=UTC),
    deadline=DEADLINE,
    closed=False,
    timezone="Europe/Vienna",
    reminders=DEFAULT,
)
ITEM = MissingItem(item_id=7, number="2", title={"en": "Briefing"}, missing=2)


def recipient(**changes: object) -> Recipient:
    values: dict[str, object] = {
        "participant_id": 1,
        "organisation": "Criminologists without Borders",
        "locale": "en",
        "timezone": None,
        "paused": False,
        "unreachable": False,
        "joined_at": datetime(2027, 1, 15, tzinfo=UTC),
        "missing": (ITEM,),
        "channels": (Channel("test", "chat-1"),),
    }
    values.update(changes)
    return Recipient(**values)  # type: ignore[arg-type]


def actions(*recipients: Recipient, now: datetime, ledger: dict[str, LedgerEntry] | None = None):  # type: ignore[no-untyped-def]
    return [
        (due.recipient.participant_id, due.slot.due_at, due.action)
        for due in due_reminders(FACTS, recipients, ledger or {}, now, platforms={"test"})
    ]


def test_nothing_is_due_before_the_first_slot() -> None:
    assert actions(recipient(), now=SLOT_14D - timedelta(minutes=1)) == []


def test_a_slot_is_due_from_its_time_and_only_when_answers_are_missing() -> None:
    assert actions(recipient(), recipient(participant_id=2, missing=()), now=SLOT_14D) == [
        (1, SLOT_14D, Action.SEND)
    ]


def test_a_slot_in_the_ledger_is_not_due_again() -> None:
    done = {reminder_key(FACTS.id, 1, SLOT_14D): LedgerEntry("sent", 1)}
    assert actions(recipient(), now=SLOT_14D + timedelta(hours=1), ledger=done) == []
    uncertain = {reminder_key(FACTS.id, 1, SLOT_14D): LedgerEntry("uncertain", 1)}
    assert actions(recipient(), now=SLOT_14D + timedelta(hours=1), ledger=uncertain) == []


def test_a_missed_slot_is_sent_within_the_grace_and_recorded_late_beyond_it() -> None:
    assert actions(recipient(), now=SLOT_14D + timedelta(hours=12)) == [(1, SLOT_14D, Action.SEND)]
    assert actions(recipient(), now=SLOT_14D + timedelta(hours=12, minutes=1)) == [
        (1, SLOT_14D, Action.LATE)
    ]


def test_only_the_latest_of_several_missed_slots_is_sent() -> None:
    close = ConsultationFacts(
        **{
            **FACTS.__dict__,
            "reminders": Reminders(offsets=[timedelta(hours=5), timedelta(hours=3)]),
        }
    )
    now = DEADLINE - timedelta(hours=2)
    found = [
        (due.slot.offset, due.action)
        for due in due_reminders(close, [recipient()], {}, now, platforms={"test"})
    ]
    assert found == [(timedelta(hours=5), Action.SUPERSEDED), (timedelta(hours=3), Action.SEND)]


def test_paused_unreachable_and_channel_less_participants_are_not_sent_to() -> None:
    assert actions(
        recipient(participant_id=1, paused=True),
        recipient(participant_id=2, unreachable=True),
        recipient(participant_id=3, channels=(Channel("slack", "D1"),)),
        now=SLOT_14D,
    ) == [
        (1, SLOT_14D, Action.PAUSED),
        (2, SLOT_14D, Action.UNREACHABLE),
        (3, SLOT_14D, Action.NO_CHANNEL),
    ]


def test_slots_before_the_participant_joined_are_not_theirs() -> None:
    late_joiner = recipient(joined_at=SLOT_7D + timedelta(hours=1))
    assert actions(late_joiner, now=SLOT_2D) == [(1, SLOT_2D, Action.SEND)]


def test_a_failed_slot_is_tried_again_within_the_grace_but_not_when_unreachable() -> None:
    key = reminder_key(FACTS.id, 1, SLOT_14D)
    now = SLOT_14D + timedelta(hours=1)
    assert actions(recipient(), now=now, ledger={key: LedgerEntry("failed", 1)}) == [
        (1, SLOT_14D, Action.RETRY)
    ]
    assert actions(recipient(), now=now, ledger={key: LedgerEntry("failed", 3)}) == []
    assert (
        actions(recipient(), now=now, ledger={key: LedgerEntry("failed", 1, "unreachable")}) == []
    )


def test_nothing_is_due_once_the_consultation_is_closed() -> None:
    closed = ConsultationFacts(**{**FACTS.__dict__, "closed": True})
    assert due_reminders(closed, [recipient()], {}, SLOT_14D, platforms={"test"}) == []
    assert actions(recipient(), now=DEADLINE) == []
