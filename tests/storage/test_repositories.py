"""The queries several callers share, each in one place; statuses stored as the same strings."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from handlers.ports import FixedClock
from storage.db import create_engine, session_factory
from storage.models import (
    Category,
    ConsentKind,
    Credit,
    DeliveryStatus,
    Organisation,
    Participant,
    ParticipantStatus,
    SubmissionStatus,
)
from storage.repositories import Store, UnitOfWork

CONSULTATION = "wgic-18-2027"


async def _participant(
    uow: UnitOfWork,
    clock: FixedClock,
    status: ParticipantStatus = ParticipantStatus.ACTIVE,
) -> Participant:
    now = clock.now()
    organisation = await uow.organisations.add(
        Organisation(name="Sociedad Civil", category=Category.NGO, country="ES", created_at=now)
    )
    return await uow.participants.add(
        Participant(
            organisation_id=organisation.id,
            status=status,
            state="home",
            context={},
            created_at=now,
            updated_at=now,
        )
    )


async def test_a_value_put_replaces_the_last_and_is_taken_once(
    store: Store, clock: FixedClock
) -> None:
    async with store.transaction() as uow:
        assert await uow.kv.pop("admin.broadcast:test:1") is None
        await uow.kv.put("admin.broadcast:test:1", "first", clock.now())
        await uow.kv.put("admin.broadcast:test:1", "second", clock.now())
        assert await uow.kv.get("admin.broadcast:test:1") == "second"
    async with store.transaction() as uow:
        assert await uow.kv.setdefault("admin.broadcast:test:1", "third", clock.now()) == "second"
        assert await uow.kv.pop("admin.broadcast:test:1") == "second"
        assert await uow.kv.pop("admin.broadcast:test:1") is None
    async with store.transaction() as uow:
        assert await uow.kv.get("admin.broadcast:test:1") is None
        # Put again after it was taken in this same transaction: the new value counts.
        await uow.kv.put("admin.broadcast:test:1", "fourth", clock.now())
        assert await uow.kv.pop("admin.broadcast:test:1") == "fourth"
        await uow.kv.put("admin.broadcast:test:1", "fifth", clock.now())
    async with store.transaction() as uow:
        assert await uow.kv.get("admin.broadcast:test:1") == "fifth"


async def test_values_put_at_once_under_one_key_all_commit_and_one_stays(
    store: Store, clock: FixedClock
) -> None:
    async def put(value: str) -> None:
        async with store.transaction() as uow:
            await uow.kv.put("admin.broadcast:test:1", value, clock.now())

    values = [f"preview {n}" for n in range(4)]
    await asyncio.gather(*(put(value) for value in values))
    async with store.transaction() as uow:
        assert await uow.kv.get("admin.broadcast:test:1") in values


async def test_the_latest_consent_decides_for_every_reader(store: Store, clock: FixedClock) -> None:
    async with store.transaction() as uow:
        changed_mind = await _participant(uow, clock)
        consenting = await _participant(uow, clock)
        never_asked = await _participant(uow, clock)
        for participant, decisions in ((changed_mind, (True, False)), (consenting, (True,))):
            for granted in decisions:
                for kind in ConsentKind:
                    await uow.participants.add_consent(
                        participant.id, kind, granted=granted, version="2027-01", now=clock.now()
                    )
    ids = {changed_mind.id, consenting.id, never_asked.id}
    async with store.transaction() as uow:
        for kind in ConsentKind:
            assert await uow.participants.latest_consents(ids, kind) == {
                changed_mind.id: False,
                consenting.id: True,
            }
        assert await uow.participants.latest_consents(set(), ConsentKind.PROCESSING) == {}


async def test_answered_questions_of_many_participants_optionally_among_some(
    store: Store, clock: FixedClock
) -> None:
    async with store.transaction() as uow:
        questions = [q.id for q in await uow.consultations.questions_of(CONSULTATION)][:3]
        answering = await _participant(uow, clock)
        silent = await _participant(uow, clock)
        for question_id in questions[:2]:
            await uow.answers.save(
                participant_id=answering.id,
                question_id=question_id,
                value={"text": "Yes"},
                text="Yes",
                language="en",
                confidence=1.0,
                channel="test",
                now=clock.now(),
            )
    ids = {answering.id, silent.id}
    async with store.transaction() as uow:
        assert await uow.answers.answered(ids) == {
            answering.id: set(questions[:2]),
            silent.id: set(),
        }
        assert await uow.answers.answered(ids, {questions[1], questions[2]}) == {
            answering.id: {questions[1]},
            silent.id: set(),
        }
        assert await uow.answers.answered(ids, set()) == {answering.id: set(), silent.id: set()}
        assert await uow.answers.answered(set()) == {}
        assert await uow.answers.answered_question_ids(answering.id) == set(questions[:2])
        assert await uow.answers.answered_question_ids(silent.id) == set()
        answer = await uow.answers.get(answering.id, questions[0])
        assert answer is not None
        assert await uow.answers.by_id(answer.id) is answer
        assert await uow.answers.by_id(answer.id + 100) is None


async def test_those_waiting_for_approval_are_the_pending_participants(
    store: Store, clock: FixedClock
) -> None:
    async with store.transaction() as uow:
        first = await _participant(uow, clock, ParticipantStatus.PENDING)
        await _participant(uow, clock, ParticipantStatus.ACTIVE)
        await _participant(uow, clock, ParticipantStatus.REJECTED)
        second = await _participant(uow, clock, ParticipantStatus.PENDING)
    async with store.transaction() as uow:
        assert [p.id for p in await uow.participants.pending()] == [first.id, second.id]


async def test_processes_adding_one_administrator_at_once_add_it_once(
    database_url: str, clock: FixedClock
) -> None:
    # As `run` and `serve` do with ADMINS when they start together: each its own connections.
    databases = [create_engine(database_url) for _ in range(3)]
    stores = [Store(session_factory(database)) for database in databases]

    async def add(store: Store) -> bool:
        async with store.transaction() as uow:
            return await uow.admins.add("telegram", "42", added_by="ADMINS", now=clock.now())

    try:
        assert sorted(await asyncio.gather(*(add(store) for store in stores))) == [
            False,
            False,
            True,
        ]
        async with stores[0].transaction() as uow:
            assert [(a.platform, a.user_id) for a in await uow.admins.all()] == [("telegram", "42")]
            assert await uow.admins.remove("telegram", "42")
            assert not await uow.admins.remove("telegram", "42")
    finally:
        for database in databases:
            await database.dispose()


async def test_statuses_are_stored_as_the_same_strings_and_read_as_members(
    store: Store, clock: FixedClock
) -> None:
    async with store.transaction() as uow:
        participant = await _participant(uow, clock, ParticipantStatus.PENDING)
        participant.credit = Credit.ORGANISATION
        await uow.participants.add_consent(
            participant.id, ConsentKind.PUBLICATION, granted=True, version="1", now=clock.now()
        )
        item = (await uow.consultations.items(CONSULTATION))[0]
        await uow.submissions.submit(participant.id, item.id, "R-1", clock.now())
        await uow.deliveries.claim(key="k", kind="reminder", due_at=clock.now(), now=clock.now())
    stored = {
        "organisations": ("category", "ngo"),
        "participants": ("status", "pending"),
        "consents": ("kind", "publication"),
        "submissions": ("status", "submitted"),
        "deliveries": ("status", "sending"),
    }
    async with store.transaction() as uow:
        for table, (column, value) in stored.items():
            assert (await uow.session.scalars(text(f"SELECT {column} FROM {table}"))).all() == [
                value
            ]
        assert (await uow.session.scalars(text("SELECT credit FROM participants"))).all() == [
            "organisation"
        ]
        # What an earlier version wrote as plain strings reads back as members.
        await uow.session.execute(text("UPDATE participants SET status = 'rejected'"))
    async with store.transaction() as uow:
        again = await uow.participants.get(participant.id)
        assert again is not None
        assert again.status is ParticipantStatus.REJECTED
        assert again.credit is Credit.ORGANISATION
        assert again.organisation is not None
        assert again.organisation.category is Category.NGO
        [consent] = await uow.participants.consents(participant.id)
        assert consent.kind is ConsentKind.PUBLICATION
        submission = await uow.submissions.get(participant.id, item.id)
        assert submission is not None
        assert submission.status is SubmissionStatus.SUBMITTED
        delivery = await uow.deliveries.get("k")
        assert delivery is not None
        assert delivery.status is DeliveryStatus.SENDING
