"""Reminders end to end through the engine and the ledger, with an injected clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot import reminders
from handlers.engine import Engine
from handlers.ports import FixedClock
from storage.db import create_engine, session_factory
from storage.models import DeliveryStatus, Identity
from storage.repositories import Store
from tests.conftest import Chat, new_invite, onboard
from tests.handlers.replies import ITEM_2, ITEM_3, ONE, PLATFORM, step
from tests.scheduler.conftest import (
    DEADLINE,
    SLOT_1D,
    SLOT_2D,
    SLOT_7D,
    SLOT_14D,
    RecordingOutbox,
    ledger,
    participant_id,
)


async def joined(
    engine: Engine, store: Store, clock: FixedClock, user: str, **fields: object
) -> Chat:
    """A participant who has been through onboarding and answered nothing yet."""
    chat = Chat(engine, user)
    code = await new_invite(store, clock, organisation=f"Organisation of {user}")
    if fields:
        await chat.say(f"/start {code}", **fields)
        await chat.press("English")
        await chat.press("I agree")
        await chat.press("No, do not publish")
        await chat.press("This is correct")
        await chat.press("Female")
    else:
        await onboard(chat, code)
    return chat


async def answer_everything_required(store: Store, clock: FixedClock, user: str) -> None:
    """Store an answer to every required question of the 2027 consultation."""
    pid = await participant_id(store, user)
    async with store.transaction() as uow:
        for question in await uow.consultations.questions_of("wgic-18-2027"):
            if question.required:
                await uow.answers.save(
                    participant_id=pid,
                    question_id=question.id,
                    value={"text": "x"},
                    text="x",
                    language=None,
                    confidence=None,
                    channel="test",
                    now=clock.now(),
                )


def sweep(store: Store, outbox: RecordingOutbox, clock: FixedClock, **options: object):  # type: ignore[no-untyped-def]
    return reminders.sweep(store, {outbox.platform: outbox}, clock, **options)  # type: ignore[arg-type]


OBSTACLES = "What are the main obstacles to obtaining electronic evidence across borders?"


async def test_the_reminder_lists_what_is_missing_with_a_button_per_agenda_item(
    engine: Engine, store: Store, clock: FixedClock, outbox: RecordingOutbox
) -> None:
    chat = await joined(engine, store, clock, "alice")
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 2")
    await chat.press("We contributed to it")  # one of the two required answers of item 2
    clock.set(SLOT_14D)
    report = await sweep(store, outbox, clock)
    assert (report.sent, report.failed) == (1, 0)
    [(chat_id, [reply])] = outbox.sent
    assert chat_id == "chat-alice"
    assert reply.text == (
        "Reminder: submissions for Constructive dialogue 2027 (WGIC 18) close on "
        "31 May 2027, 23:59 (Europe/Vienna time), in 2 weeks.\n"
        "\n"
        "Still missing:\n"
        "• Agenda item 2: Briefing on the developments and outcomes of the review process"
        " — 1 required question unanswered\n"
        "• Agenda item 3: Spotlight on the eighteenth meeting of the Working Group on "
        "International Cooperation: electronic evidence and cooperation with communication "
        "service providers — 2 required questions unanswered\n"
        "• Agenda item 4: Collection of inputs and suggestions from participants, including on "
        "enhancing international cooperation in the context of the work of the UNTOC Review "
        "Mechanism — 2 required questions unanswered\n"
        "\n"
        "Press an agenda item below to continue where it needs you. "
        "To stop these reminders, send /reminders off."
    )
    assert [b.label for b in reply.all_buttons()] == [
        "Agenda item 2",
        "Agenda item 3",
        "Agenda item 4",
    ]
    [row] = await ledger(store)
    pid = await participant_id(store, "alice")
    assert (row.key, row.status, row.due_at, row.attempts) == (
        f"reminder:wgic-18-2027:{pid}:2027-05-17T08:00Z",
        DeliveryStatus.SENT,
        SLOT_14D,
        1,
    )
    assert row.detail == {"offset": 14 * 86400, "items": ["2", "3", "4"], "platform": "test"}

    # The button resumes exactly there, from wherever the participant is.
    await chat.say("/status")
    await chat.payload(reply.all_buttons()[1].payload)
    assert chat.texts == [
        step(
            ITEM_3,
            "Question 1 of 4 · required",
            OBSTACLES,
            "Choose all that apply, then press Done.",
        )
    ]
    await chat.payload(reply.all_buttons()[0].payload)
    # Item 2's first unanswered question.
    assert chat.texts == [step(ITEM_2, "Question 2 of 3 · required", PLATFORM, ONE)]


async def test_a_forged_resume_button_gets_the_stale_answer(
    engine: Engine, store: Store, clock: FixedClock
) -> None:
    chat = await joined(engine, store, clock, "alice")
    async with store.transaction() as uow:
        closed_item = (await uow.consultations.items("wgic-14-2023"))[0]
    other = Chat(engine, "mallory")
    narrow = await new_invite(store, clock, organisation="Narrow", consultation="wgic-18-2027")
    await onboard(other, narrow)
    for forged in (f"resume:{closed_item.id}", "resume:99999", "resume:x", "resume:1:2"):
        await other.payload(forged)
        assert other.replies[0].text == "That button is no longer active. Here is where you are:"
        assert "Your consultations" in other.text
    # Before onboarding is finished the button does nothing either.
    newcomer = Chat(engine, "newcomer")
    await newcomer.say(f"/start {await new_invite(store, clock, organisation='New')}")
    await newcomer.payload(f"resume:{closed_item.id}")
    assert newcomer.replies[0].text == "That button is no longer active. Here is where you are:"
    assert chat.user == "alice"


async def test_only_participants_with_required_answers_missing_are_reminded(
    engine: Engine, store: Store, clock: FixedClock, outbox: RecordingOutbox
) -> None:
    await joined(engine, store, clock, "alice")
    await joined(engine, store, clock, "bob")
    await answer_everything_required(store, clock, "bob")
    clock.set(SLOT_14D)
    report = await sweep(store, outbox, clock)
    assert [chat_id for chat_id, _ in outbox.sent] == ["chat-alice"]
    assert report.sent == 1
    assert [row.participant_id for row in await ledger(store)] == [
        await participant_id(store, "alice")
    ]


async def test_reminders_off_skips_and_counts_then_on_resumes(
    engine: Engine, store: Store, clock: FixedClock, outbox: RecordingOutbox
) -> None:
    chat = await joined(engine, store, clock, "alice")
    await chat.say("/reminders off")
    assert chat.replies[0].text == "Reminders are off. Send /reminders on to receive them again."
    clock.set(SLOT_14D)
    report = await sweep(store, outbox, clock)
    assert (report.sent, report.paused) == (0, 1)
    assert outbox.sent == []
    [row] = await ledger(store)
    assert (row.status, row.detail["reason"]) == (DeliveryStatus.SKIPPED, "paused")
    assert (await sweep(store, outbox, clock)).paused == 0  # counted once, recorded once

    await chat.say("/reminders on")
    assert chat.replies[0].text.startswith("Reminders are on")
    clock.set(SLOT_7D)
    assert (await sweep(store, outbox, clock)).sent == 1
    assert len(outbox.sent) == 1


async def test_an_extended_deadline_replans_the_reminders(
    engine: Engine, store: Store, clock: FixedClock, outbox: RecordingOutbox
) -> None:
    await joined(engine, store, clock, "alice")
    async with store.transaction() as uow:
        row = await uow.consultations.get("wgic-18-2027")
        assert row is not None
        row.extended_deadline = DEADLINE + timedelta(days=14)
    for moment in (SLOT_14D, SLOT_7D, SLOT_2D, SLOT_1D):
        clock.set(moment)
        assert (await sweep(store, outbox, clock)).due == []
    assert outbox.sent == []
    # The new fourteen-day reminder falls on the old deadline's day, 31 May at 10:00.
    clock.set(datetime(2027, 5, 31, 8, 0, tzinfo=UTC))
    assert (await sweep(store, outbox, clock)).sent == 1
    assert "close on 14 June 2027, 23:59 (Europe/Vienna time), in 2 weeks." in outbox.texts[0]
    clock.set(SLOT_7D + timedelta(days=14))
    assert (await sweep(store, outbox, clock)).sent == 1
    assert [row.due_at for row in await ledger(store)] == [
        datetime(2027, 5, 31, 8, 0, tzinfo=UTC),
        datetime(2027, 6, 7, 8, 0, tzinfo=UTC),
    ]


async def test_a_restart_between_due_time_and_sweep_still_sends_once(
    database_url: str,
    engine: Engine,
    store: Store,
    clock: FixedClock,
    outbox: RecordingOutbox,
) -> None:
    await joined(engine, store, clock, "alice")
    clock.set(SLOT_14D + timedelta(hours=3))  # the process was down at 08:00
    database = create_engine(database_url)
    restarted = Store(session_factory(database))
    try:
        assert (await sweep(restarted, outbox, clock)).sent == 1
        assert (await sweep(restarted, outbox, clock)).sent == 0
    finally:
        await database.dispose()
    assert len(outbox.sent) == 1
    [row] = await ledger(store)
    assert row.due_at == SLOT_14D


async def test_a_slot_missed_beyond_the_grace_is_recorded_and_not_sent(
    engine: Engine, store: Store, clock: FixedClock, outbox: RecordingOutbox
) -> None:
    await joined(engine, store, clock, "alice")
    clock.set(SLOT_14D + timedelta(hours=12, minutes=1))
    report = await sweep(store, outbox, clock)
    assert (report.sent, report.late) == (0, 1)
    assert outbox.sent == []
    [row] = await ledger(store)
    assert (row.status, row.detail["reason"], row.due_at) == (
        DeliveryStatus.SKIPPED,
        "late",
        SLOT_14D,
    )
    clock.set(SLOT_7D + timedelta(minutes=5))
    assert (await sweep(store, outbox, clock)).sent == 1


async def test_a_participant_s_own_time_zone_sets_the_hour(
    engine: Engine, store: Store, clock: FixedClock, outbox: RecordingOutbox
) -> None:
    await joined(engine, store, clock, "kenji", timezone="Asia/Tokyo")
    clock.set(SLOT_14D)  # 17:00 in Tokyo: their 10:00 slot is tomorrow
    assert (await sweep(store, outbox, clock)).sent == 0
    clock.set(datetime(2027, 5, 18, 1, 0, tzinfo=UTC))  # 10:00 in Tokyo
    assert (await sweep(store, outbox, clock)).sent == 1
    assert "; 1 June 2027, 06:59 your time" in outbox.texts[0]


async def test_two_sweeps_at_once_send_once(
    engine: Engine, store: Store, clock: FixedClock, outbox: RecordingOutbox
) -> None:
    await joined(engine, store, clock, "alice")
    await joined(engine, store, clock, "bob")
    clock.set(SLOT_14D)
    first, second = await asyncio.gather(sweep(store, outbox, clock), sweep(store, outbox, clock))
    assert first.sent + second.sent == 2
    assert sorted(chat_id for chat_id, _ in outbox.sent) == ["chat-alice", "chat-bob"]
    assert len(await ledger(store)) == 2


async def test_a_sweep_that_planned_before_another_claimed_finds_the_key_taken(
    database_url: str,
    engine: Engine,
    store: Store,
    clock: FixedClock,
    outbox: RecordingOutbox,
) -> None:
    """Two processes (two engines) against one database: the unique ledger key decides."""
    await joined(engine, store, clock, "alice")
    clock.set(SLOT_14D)
    database = create_engine(database_url)
    other = Store(session_factory(database))
    other_outbox = RecordingOutbox()
    try:
        # The other process reads what is due before this one claims anything...
        [(facts, recipients, book)] = await reminders.collect(other, clock.now())
        [stale] = reminders.due_reminders(facts, recipients, book, clock.now(), platforms={"test"})
        outbox.hold = asyncio.Event()
        mine = asyncio.create_task(sweep(store, outbox, clock))
        await outbox.entered.wait()  # ...this one has claimed and is sending...
        late = reminders.SweepReport()
        await reminders.carry_out(other, {"test": other_outbox}, clock, stale, late)
        # ...and a full sweep of the other process sees the row and does nothing.
        again = await reminders.sweep(other, {"test": other_outbox}, clock)
        outbox.hold.set()
        report = await mine
    finally:
        await database.dispose()
    assert (late.sent, late.taken_elsewhere) == (0, 1)
    assert (again.sent, again.taken_elsewhere, again.due) == (0, 0, [])
    assert report.sent == 1
    assert (len(outbox.sent), other_outbox.sent) == (1, [])
    assert [row.status for row in await ledger(store)] == [DeliveryStatus.SENT]


async def test_two_processes_sweeping_together_send_each_reminder_once(
    database_url: str, engine: Engine, store: Store, clock: FixedClock
) -> None:
    for user in ("alice", "bob", "carol", "dan"):
        await joined(engine, store, clock, user)
    clock.set(SLOT_14D)
    engines = [create_engine(database_url) for _ in range(2)]
    outboxes = [RecordingOutbox(), RecordingOutbox()]
    try:
        stores = [Store(session_factory(e)) for e in engines]
        reports = await asyncio.gather(
            *(sweep(s, o, clock) for s, o in zip(stores, outboxes, strict=True)),
            *(sweep(s, o, clock) for s, o in zip(stores, outboxes, strict=True)),
        )
    finally:
        for database in engines:
            await database.dispose()
    delivered = sorted(chat_id for o in outboxes for chat_id, _ in o.sent)
    assert delivered == ["chat-alice", "chat-bob", "chat-carol", "chat-dan"]
    assert sum(r.sent for r in reports) == 4
    assert len(await ledger(store)) == 4


async def test_a_crash_mid_send_leaves_it_uncertain_and_it_is_never_repeated(
    engine: Engine, store: Store, clock: FixedClock, outbox: RecordingOutbox
) -> None:
    await joined(engine, store, clock, "alice")
    clock.set(SLOT_14D)
    outbox.hold = asyncio.Event()
    crashing = asyncio.create_task(sweep(store, outbox, clock))
    await outbox.entered.wait()
    crashing.cancel()  # the process dies while the platform call is in flight
    _done, _ = await asyncio.wait([crashing])
    assert crashing.cancelled()
    [row] = await ledger(store)
    assert row.status == DeliveryStatus.SENDING

    after_restart = RecordingOutbox()
    clock.set(SLOT_14D + timedelta(minutes=5))  # within the lease: maybe still sending
    assert (await sweep(store, after_restart, clock)).uncertain == 0
    clock.set(SLOT_14D + timedelta(hours=1))
    report = await sweep(store, after_restart, clock)
    assert (report.uncertain, report.sent) == (1, 0)
    assert after_restart.sent == []
    [row] = await ledger(store)
    assert row.status == DeliveryStatus.UNCERTAIN
    assert (await sweep(store, after_restart, clock)).sent == 0
    clock.set(SLOT_7D)
    assert (await sweep(store, after_restart, clock)).sent == 1  # the next slot is its own


async def test_an_unreachable_participant_is_marked_skipped_and_counted(
    engine: Engine, store: Store, clock: FixedClock, outbox: RecordingOutbox
) -> None:
    chat = await joined(engine, store, clock, "alice")
    outbox.unreachable.add("chat-alice")
    clock.set(SLOT_14D)
    report = await sweep(store, outbox, clock)
    assert (report.sent, report.unreachable) == (0, 1)
    pid = await participant_id(store, "alice")
    async with store.transaction() as uow:
        participant = await uow.participants.get(pid)
        assert participant is not None
        assert participant.unreachable
    clock.set(SLOT_7D)
    report = await sweep(store, outbox, clock)
    assert (report.sent, report.unreachable) == (0, 1)
    assert [(r.status, r.detail.get("reason")) for r in await ledger(store)] == [
        (DeliveryStatus.FAILED, "unreachable"),
        (DeliveryStatus.SKIPPED, "unreachable"),
    ]
    # Writing to the bot again makes them reachable: the next reminder goes out.
    outbox.unreachable.clear()
    await chat.say("/status")
    clock.set(SLOT_2D)
    assert (await sweep(store, outbox, clock)).sent == 1


async def test_a_failed_delivery_is_tried_again_within_the_grace(
    engine: Engine, store: Store, clock: FixedClock, outbox: RecordingOutbox
) -> None:
    await joined(engine, store, clock, "alice")
    outbox.failures = 1
    clock.set(SLOT_14D)
    assert (await sweep(store, outbox, clock)).failed == 1
    [row] = await ledger(store)
    assert (row.status, row.detail["error"]) == (DeliveryStatus.FAILED, "ConnectionError")
    clock.set(SLOT_14D + timedelta(minutes=1))
    assert (await sweep(store, outbox, clock)).sent == 1
    [row] = await ledger(store)
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    assert len(outbox.sent) == 1


async def test_the_most_recently_used_account_is_written_to_first(
    engine: Engine, store: Store, clock: FixedClock, outbox: RecordingOutbox
) -> None:
    await joined(engine, store, clock, "alice")
    pid = await participant_id(store, "alice")
    async with store.transaction() as uow:
        await uow.identities.add(
            Identity(
                platform="slack",
                platform_user_id="U1",
                chat_id="D1",
                participant_id=pid,
                created_at=clock.now(),
                last_seen_at=clock.now() + timedelta(days=1),
            )
        )
    slack = RecordingOutbox(platform="slack", unreachable={"D1"})
    clock.set(SLOT_14D)
    outboxes = {"test": outbox, "slack": slack}
    assert (await reminders.sweep(store, outboxes, clock)).sent == 1  # type: ignore[arg-type]
    assert [chat_id for chat_id, _ in outbox.sent] == ["chat-alice"]  # slack refused it
    slack.unreachable.clear()
    clock.set(SLOT_7D)
    assert (await reminders.sweep(store, outboxes, clock)).sent == 1  # type: ignore[arg-type]
    assert [chat_id for chat_id, _ in slack.sent] == ["D1"]


async def test_a_dry_run_lists_and_changes_nothing(
    engine: Engine, store: Store, clock: FixedClock, outbox: RecordingOutbox
) -> None:
    await joined(engine, store, clock, "alice")
    clock.set(SLOT_14D)
    report = await sweep(store, outbox, clock, dry_run=True)
    assert [(d.action, d.slot.due_at) for d in report.due] == [(reminders.Action.SEND, SLOT_14D)]
    assert (outbox.sent, await ledger(store)) == ([], [])
