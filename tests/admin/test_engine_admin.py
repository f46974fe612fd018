"""The secretariat's /admin commands through the engine: authorisation, effects, audit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from handlers.engine import Engine
from handlers.events import OutgoingDocument, Reply
from handlers.ports import DeliveryCounts, FileStore, FixedClock
from storage.models import (
    Admin,
    AgendaItemRow,
    Answer,
    AuditEntry,
    ConsultationRow,
    Invite,
    KeyValue,
    Participant,
)
from storage.repositories import Store
from tests.conftest import Chat, new_invite, onboard
from tests.handlers.replies import CONSULTATIONS, STRANGER, review_2

UNKNOWN = "I do not know that command. Send /help to see what I can do."


class RecordingServices:
    """The bot-level services, recording what the engine asked of them."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, list[str]]] = []
        self.digests: list[tuple[str, str]] = []
        self.reminded = 0

    async def stats(self, consultation_id: str | None) -> list[str]:
        return [f"figures for {consultation_id}"]

    async def digest(self, consultation_id: str, fmt: str) -> OutgoingDocument:
        self.digests.append((consultation_id, fmt))
        return OutgoingDocument(f"digest.{fmt}", b"digest", "text/markdown")

    async def remind(self) -> DeliveryCounts:
        self.reminded += 1
        return DeliveryCounts(delivered=2)

    def deep_link(self, code: str) -> str | None:
        return f"https://t.me/bot?start={code}"

    async def send(self, messages: Sequence[tuple[int, Sequence[Reply]]]) -> DeliveryCounts:
        self.sent += [(pid, [r.text for r in replies]) for pid, replies in messages]
        return DeliveryCounts(delivered=len(messages))

    def console_url(self, token: str) -> str | None:
        return f"https://console.example.org/console/signin/{token}"


@pytest.fixture
def services() -> RecordingServices:
    return RecordingServices()


@pytest.fixture
def admin_engine(
    store: Store, clock: FixedClock, files: FileStore, services: RecordingServices
) -> Engine:
    return Engine(store, clock=clock, files=files, services=services)


async def make_admin(store: Store, clock: FixedClock, user: str = "sec") -> None:
    async with store.transaction() as uow:
        await uow.admins.add("test", user, added_by="test", now=clock.now())


async def snapshot(store: Store) -> dict[str, Any]:
    """The rows admin actions change."""
    async with store.transaction() as uow:
        s = uow.session

        async def rows(model: Any, *columns: str) -> list[tuple[Any, ...]]:
            found = (await s.scalars(select(model))).all()
            return sorted(tuple(getattr(r, c) for c in columns) for r in found)

        return {
            "consultations": await rows(ConsultationRow, "id", "closed", "extended_deadline"),
            "items": await rows(AgendaItemRow, "id", "closed"),
            "answers": await rows(Answer, "id", "hidden_reason"),
            "invites": await rows(Invite, "id", "code", "revoked_at"),
            "participants": await rows(Participant, "id", "status", "state"),
            "admins": await rows(Admin, "platform", "user_id"),
            "audit": await rows(AuditEntry, "id", "action"),
            "kv": await rows(KeyValue, "key", "value"),
        }


async def audit_actions(store: Store) -> list[tuple[str, str, str, dict[str, Any]]]:
    async with store.transaction() as uow:
        return [(e.actor, e.action, e.channel, e.detail) for e in await uow.audit.since()]


async def answered_participant(engine: Engine, store: Store, clock: FixedClock) -> Chat:
    """Alice, onboarded, with her first answer saved."""
    alice = Chat(engine, "alice")
    await onboard(alice, await new_invite(store, clock))
    await alice.press("Constructive dialogue 2027")
    await alice.press("Agenda item 2")
    await alice.press("We contributed to it")
    return alice


ACTIONS = [
    "/admin",
    "/admin stats",
    "/admin invite create ngo Friends of the Court",
    "/admin invite revoke ABCDEFGH",
    "/admin invite list",
    "/admin digest now md",
    "/admin remind now",
    "/admin console",
    "/admin broadcast wgic-18-2027 all Hello",
    "/admin deadline extend wgic-18-2027 2027-06-30",
    "/admin close wgic-18-2027",
    "/admin reopen wgic-18-2027 2",
    "/admin hide 1 abusive",
    "/admin unhide 1",
    "/admin pending",
    "/admin approve 1",
    "/admin reject 1",
]


@pytest.mark.parametrize("command", ACTIONS)
async def test_a_non_administrator_gets_the_unknown_command_reply_and_nothing_changes(
    admin_engine: Engine,
    store: Store,
    clock: FixedClock,
    services: RecordingServices,
    command: str,
) -> None:
    alice = await answered_participant(admin_engine, store, clock)
    stranger = Chat(admin_engine, "mallory")
    await alice.say("/nonsense")
    unknown_for_participant = [r.text for r in alice.replies]
    await stranger.say("/nonsense")
    unknown_for_stranger = [r.text for r in stranger.replies]
    before = await snapshot(store)

    await alice.say(command)
    assert [r.text for r in alice.replies] == unknown_for_participant
    await stranger.say(command)
    assert [r.text for r in stranger.replies] == unknown_for_stranger
    assert unknown_for_participant[0] == UNKNOWN  # /admin is not named to a non-administrator
    assert unknown_for_stranger == [STRANGER]  # a stranger is told how to join
    await stranger.payload("admin:bc:00000000")

    assert await snapshot(store) == before
    assert (services.sent, services.digests, services.reminded) == ([], [], 0)


async def test_deadline_extend_close_reopen_and_audit(
    admin_engine: Engine, store: Store, clock: FixedClock
) -> None:
    await make_admin(store, clock)
    sec = Chat(admin_engine, "sec")

    await sec.say("/admin deadline extend wgic-18-2027 2027-06-30")
    assert sec.text == (
        "The deadline of wgic-18-2027 is now 30 June 2027, 23:59; "
        "reminders follow the new deadline."
    ) or sec.text.startswith("The deadline of wgic-18-2027 is now")
    await sec.say("/admin deadline extend wgic-18-2027 2027-01-01")
    assert sec.text.startswith("The new deadline must be after the current one")
    await sec.say("/admin close wgic-18-2027 2")
    assert sec.text == "Submissions for agenda item 2 of wgic-18-2027 are closed."
    await sec.say("/admin close wgic-18-2027")
    assert sec.text == "Submissions for wgic-18-2027 are closed."
    await sec.say("/admin reopen wgic-18-2027")
    assert sec.text == "Submissions for wgic-18-2027 are open again."

    async with store.transaction() as uow:
        row = await uow.consultations.get("wgic-18-2027")
        assert row is not None
        assert row.closed is False
        assert row.effective_deadline == datetime(2027, 6, 30, 21, 59, tzinfo=UTC)
        items = {i.number: i.closed for i in await uow.consultations.items(row.id)}
    assert items["2"] is True
    actions = await audit_actions(store)
    assert [(a, b, c) for a, b, c, _ in actions] == [
        ("admin:test:sec", "admin.deadline_extended", "test"),
        ("admin:test:sec", "admin.closed", "test"),
        ("admin:test:sec", "admin.closed", "test"),
        ("admin:test:sec", "admin.reopened", "test"),
    ]
    assert actions[0][3]["deadline"] == "2027-06-30T23:59:00+02:00"
    assert actions[1][3] == {"consultation": "wgic-18-2027", "item": "2"}


async def test_a_closed_agenda_item_is_read_only(
    admin_engine: Engine, store: Store, clock: FixedClock
) -> None:
    await make_admin(store, clock)
    alice = await answered_participant(admin_engine, store, clock)
    await Chat(admin_engine, "sec").say("/admin close wgic-18-2027 2")
    await alice.press("No")
    assert alice.texts == [
        "Submissions for this consultation are closed; nothing was changed.",
        review_2(
            "— missing (required)",
            "not submitted",
            "Submissions are closed; these answers can no longer be changed.",
        ),
    ]
    async with store.transaction() as uow:
        answers = await uow.answers.for_participant(1)
    assert len(answers) == 1


async def test_hide_and_unhide_an_answer(
    admin_engine: Engine, store: Store, clock: FixedClock
) -> None:
    await make_admin(store, clock)
    await answered_participant(admin_engine, store, clock)
    sec = Chat(admin_engine, "sec")
    async with store.transaction() as uow:
        before = len(await uow.reports.answers())
    await sec.say("/admin hide 1 insulting the delegates")
    assert sec.text == "Answer 1 is hidden from digests and exports; it stays in the database."
    async with store.transaction() as uow:
        hidden = await uow.answers.by_id(1)
        assert hidden is not None
        assert hidden.hidden_reason == "insulting the delegates"
        assert len(await uow.reports.answers()) == before - 1
    await sec.say("/admin unhide 1")
    assert sec.text == "Answer 1 is shown in digests and exports again."
    await sec.say("/admin hide 99 spam")
    assert sec.text == "There is no answer 99."
    async with store.transaction() as uow:
        assert len(await uow.reports.answers()) == before
    assert [a[1] for a in await audit_actions(store) if a[0].startswith("admin:")] == [
        "admin.answer_hidden",
        "admin.answer_unhidden",
    ]


async def test_console_gives_a_one_time_sign_in_link_to_the_administrator_only(
    admin_engine: Engine, store: Store, clock: FixedClock
) -> None:
    from handlers.features.admin.console import sign_in

    await make_admin(store, clock)
    sec = Chat(admin_engine, "sec")
    await sec.say("/admin console")
    said = sec.unique_reply().text
    intro, url = said.split("\n")
    assert intro == "Your sign-in link to the console works once, within 10 minutes:"
    prefix = "https://console.example.org/console/signin/"
    assert url.startswith(prefix)
    token = url.removeprefix(prefix)
    async with store.transaction() as uow:
        stored = (await uow.session.execute(text("SELECT token_hash FROM console_links"))).all()
        assert token not in str(stored)
        opened = await sign_in(uow, token, clock.now())
        assert opened is not None
        assert opened[1].name == "admin:test:sec"
        assert await sign_in(uow, token, clock.now()) is None
    assert [a[1] for a in await audit_actions(store)][-2:] == [
        "console.link_issued",
        "console.signed_in",
    ]


async def test_invites_create_list_revoke(
    admin_engine: Engine, store: Store, clock: FixedClock
) -> None:
    await make_admin(store, clock)
    sec = Chat(admin_engine, "sec")
    await sec.say("/admin invite create wgic-18-2027 academia Vienna Institute")
    code = sec.text.split()[1]
    assert sec.text == (f"Invite {code} for Vienna Institute.\nhttps://t.me/bot?start={code}")
    await sec.say("/admin invite list")
    assert sec.text == f"{code} · Vienna Institute · wgic-18-2027 · 0/5 · valid"
    await sec.say(f"/admin invite revoke {code}")
    assert sec.text == f"Invite {code} is withdrawn."
    newcomer = Chat(admin_engine, "bob")
    await newcomer.say(f"/start {code}")
    assert newcomer.text.startswith("This invite code has been withdrawn.")
    assert [a[1] for a in await audit_actions(store) if a[0].startswith("admin:")] == [
        "invite.created",
        "admin.invites_listed",
        "invite.revoked",
    ]


async def test_stats_digest_and_remind_go_through_the_services(
    admin_engine: Engine, store: Store, clock: FixedClock, services: RecordingServices
) -> None:
    await make_admin(store, clock)
    sec = Chat(admin_engine, "sec")
    await sec.say("/admin stats wgic-18-2027")
    assert sec.text == "figures for wgic-18-2027"
    await sec.say("/admin digest now docx")
    assert sec.replies[0].document is not None
    assert services.digests == [("wgic-18-2027", "docx")]
    await sec.say("/admin remind now")
    assert sec.text == (
        "Reminders sent now: Delivered to 2 of 2; unreachable: 0; failed: 0; no running channel: 0."
    )
    assert [a[1] for a in await audit_actions(store)] == [
        "admin.stats",
        "admin.digest",
        "admin.remind",
    ]


async def test_without_services_an_action_says_it_is_not_available(
    engine: Engine, store: Store, clock: FixedClock
) -> None:
    await make_admin(store, clock)
    sec = Chat(engine, "sec")
    await sec.say("/admin remind now")
    assert sec.text == "This action is not available here; use the command line."
    assert await audit_actions(store) == []


async def test_broadcast_previews_then_sends_on_confirmation(
    admin_engine: Engine, store: Store, clock: FixedClock, services: RecordingServices
) -> None:
    await make_admin(store, clock)
    alice = await answered_participant(admin_engine, store, clock)
    bob = Chat(admin_engine, "bob")
    await onboard(bob, await new_invite(store, clock, organisation="Open Data Lab"))
    sec = Chat(admin_engine, "sec")
    await sec.say("/admin broadcast wgic-18-2027 missing Two weeks left.")
    assert sec.text == "This message will go to 2 participants of wgic-18-2027:\n\nTwo weeks left."
    assert services.sent == []
    await sec.press("Cancel")
    assert sec.text == "The broadcast was cancelled; nothing was sent."
    await sec.say("/admin broadcast wgic-18-2027 all Two weeks left.")
    send = sec.button("Send it").payload
    await sec.payload(send)
    assert sec.text == (
        "Sending to 2 participants…\n"
        "Delivered to 2 of 2; unreachable: 0; failed: 0; no running channel: 0."
    )
    message = "Message from the secretariat:\n\nTwo weeks left."
    assert services.sent == [(1, [message]), (2, [message])]
    await sec.payload(send)
    assert sec.text == "There is no broadcast waiting to be sent."
    broadcast = [a for a in await audit_actions(store) if a[1] == "admin.broadcast"]
    assert [b[3]["recipients"] for b in broadcast] == [2]
    assert alice.user == "alice"


async def test_approval_pending_approved_can_answer(
    admin_engine: Engine, store: Store, clock: FixedClock, services: RecordingServices
) -> None:
    await make_admin(store, clock)
    async with store.transaction() as uow:
        row = await uow.consultations.get("wgic-18-2027")
        assert row is not None
        row.definition = {**row.definition, "requires_approval": True}
    alice = Chat(admin_engine, "alice")
    code = await new_invite(store, clock)
    await alice.say(f"/start {code}")
    for label in ("English", "I agree", "Yes, they may", "My organisation", "This is correct"):
        await alice.press(label)
    await alice.press("Female")
    waiting = (
        "Thank you. The secretariat approves registrations for this consultation; I will write "
        "to you here as soon as it has decided."
    )
    assert alice.texts == [waiting]
    await alice.say("/status")
    assert alice.texts == ["Please finish the steps above first.", waiting]
    await alice.payload("resume:1")
    assert "Your consultations" not in alice.text

    sec = Chat(admin_engine, "sec")
    await sec.say("/admin pending")
    assert sec.text == "1 · Criminologists without Borders"
    await sec.say("/admin approve 1")
    assert sec.text == (
        "Participant 1 (Criminologists without Borders) is approved.\nThe participant was told."
    )
    assert services.sent == [
        (
            1,
            [
                "The secretariat approved your registration: you can now answer. "
                "Send /start to see your consultations."
            ],
        )
    ]
    await alice.say("/start")
    assert alice.texts == ["Welcome back! Here is where you left off.", CONSULTATIONS]
    await alice.press("Constructive dialogue 2027")
    await alice.press("Agenda item 2")
    await alice.press("We contributed to it")
    async with store.transaction() as uow:
        assert len(await uow.answers.for_participant(1)) == 1
    assert [a[1] for a in await audit_actions(store) if a[0].startswith("admin:")] == [
        "admin.pending_listed",
        "admin.approved",
    ]


async def test_approval_pending_rejected_cannot_answer_and_is_told(
    admin_engine: Engine, store: Store, clock: FixedClock, services: RecordingServices
) -> None:
    await make_admin(store, clock)
    async with store.transaction() as uow:
        row = await uow.consultations.get("wgic-18-2027")
        assert row is not None
        row.definition = {**row.definition, "requires_approval": True}
    alice = Chat(admin_engine, "alice")
    await alice.say(f"/start {await new_invite(store, clock)}")
    for label in ("English", "I agree", "Yes, they may", "My organisation", "This is correct"):
        await alice.press(label)
    await alice.press("Female")
    sec = Chat(admin_engine, "sec")
    await sec.say("/admin reject 1")
    assert sec.text.startswith("Participant 1 (Criminologists without Borders) is rejected.")
    told = (
        "The secretariat did not approve your registration, so you cannot answer this "
        "consultation. If you think this is a mistake, please contact the secretariat."
    )
    assert services.sent == [(1, [told])]
    await alice.say("/start")
    assert told in alice.text
    await alice.say("/cancel")
    assert "Your consultations" not in alice.text
    await alice.payload("resume:1")
    assert "Your consultations" not in alice.text
    assert await admin_engine.form("test", "alice", 1) is None
    async with store.transaction() as uow:
        assert len(await uow.answers.for_participant(1)) == 0
    await sec.say("/admin reject 1")
    assert sec.text == "Participant 1 is not waiting for approval."
