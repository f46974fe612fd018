"""Erasure (/forget): the person's data goes, and nobody else's does."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bot.app import load_into
from config.consultation import Consultation
from handlers.engine import Engine
from handlers.events import Reply
from handlers.ports import FileStore, FixedClock, StoredFile
from storage.db import create_engine, session_factory
from storage.models import Answer, Base
from storage.repositories import Store
from tests.conftest import NOW, Chat, answer_agenda_item_2, database_kind, new_invite, onboard
from tests.handlers.replies import ERASED, LINK_OFFER, STRANGER, document_question

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


async def at_document_question(chat: Chat, code: str) -> None:
    """Onboard and open the document question of agenda item 4."""
    await onboard(chat, code)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 4")
    await chat.press("Capacity-building")
    await chat.press("Skip ›")
    await chat.say("Standardised request forms would help civil society follow cases.")
    most = f"{chat.engine.options.max_document_bytes // (1024 * 1024)} MB"
    assert chat.texts == [document_question(most)]


async def stored_file(store: Store, files: FileStore, user: str) -> Path:
    """Where the document of a participant's current answer to the document question is."""
    async with store.transaction() as uow:
        identity = await uow.identities.get("test", user)
        assert identity is not None
        assert identity.participant_id is not None
        answers = await uow.answers.for_participant(identity.participant_id)
        value = next(a.value for a in answers if "document" in a.value)
        document = await uow.answers.document(int(value["document"]))
        assert document is not None
        return files.root / document.storage_path


async def test_trust_01_forget_leaves_a_file_another_participant_also_sent(
    engine: Engine, store: Store, clock: FixedClock, files: FileStore
) -> None:
    alice, bob = Chat(engine, "alice"), Chat(engine, "bob")
    await at_document_question(alice, await new_invite(store, clock))
    await at_document_question(bob, await new_invite(store, clock, organisation="Acme"))
    await alice.upload("ours.pdf", PDF)
    await bob.upload("the same.pdf", PDF)  # identical bytes: one file in the store
    path = await stored_file(store, files, "bob")
    assert path == await stored_file(store, files, "alice")

    await alice.say("/forget")
    await alice.press("Erase my data")
    assert alice.texts == [ERASED]
    assert path.read_bytes() == PDF  # Bob's answer still has its file

    await bob.say("/forget")
    await bob.press("Erase my data")
    assert [p for p in files.root.rglob("*") if p.is_file()] == []  # nobody refers to it now


async def test_trust_01_upload_racing_an_erasure_of_the_same_bytes_keeps_its_file(
    engine: Engine, second_engine: Engine, store: Store, clock: FixedClock, files: FileStore
) -> None:
    for round_ in range(6):
        content = PDF + f"% round {round_}\n".encode()
        leaving, staying = (
            Chat(engine, f"leaving-{round_}"),
            Chat(second_engine, f"staying-{round_}"),
        )
        await at_document_question(leaving, await new_invite(store, clock))
        await at_document_question(staying, await new_invite(store, clock, organisation="Acme"))
        await leaving.upload("ours.pdf", content)
        await leaving.say("/forget")
        erase, upload = leaving.press("Erase my data"), staying.upload("ours.pdf", content)
        # Both orders: each event in its own transaction, on its own connection, at once.
        await asyncio.gather(*((erase, upload) if round_ % 2 else (upload, erase)))
        assert leaving.texts == [ERASED]
        path = await stored_file(store, files, f"staying-{round_}")
        assert path.name == hashlib.sha256(content).hexdigest() + ".pdf"
        assert path.read_bytes() == content, f"round {round_}"


class PausingFiles(FileStore):
    """A file store that stops once it has looked for the file (and written it if it was
    missing), before the upload's transaction goes on to commit, until told to go on."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.looked = asyncio.Event()
        self.go_on = asyncio.Event()

    async def put(
        self, content: bytes, suffix: str, *, hold: Callable[[str], Awaitable[None]]
    ) -> StoredFile:
        stored = await super().put(content, suffix, hold=hold)
        self.looked.set()
        await self.go_on.wait()
        return stored


async def waiting_for_a_lock(store: Store) -> bool:
    """Whether a transaction on this PostgreSQL database waits for another's row lock."""
    async with store.transaction() as uow:
        waiting = await uow.session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


async def test_trust_01_erasure_while_an_upload_of_the_same_bytes_is_uncommitted(
    engine: Engine, store: Store, clock: FixedClock, files: FileStore, database_url: str
) -> None:
    # The narrow case: the upload found the file there and has not committed its document
    # yet when the erasure of the only other document referring to it runs.
    pausing = PausingFiles(files.root)
    database = create_engine(database_url)
    uploader = Engine(Store(session_factory(database)), clock=clock, files=pausing)
    leaving, staying = Chat(engine, "leaving"), Chat(uploader, "staying")
    await at_document_question(leaving, await new_invite(store, clock))
    pausing.go_on.set()
    await at_document_question(staying, await new_invite(store, clock, organisation="Acme"))
    await leaving.upload("ours.pdf", PDF)
    await leaving.say("/forget")

    pausing.go_on.clear()
    upload = asyncio.create_task(staying.upload("ours.pdf", PDF))
    await pausing.looked.wait()
    erase = asyncio.create_task(leaving.press("Erase my data"))
    if database_kind() == "postgresql":
        # Until the erasure is done (it did not wait) or waits for the upload's lock: polled,
        # as another connection's state is the only sign of it.
        for _ in range(1000):
            if erase.done() or await waiting_for_a_lock(store):
                break
            await asyncio.sleep(0.01)
        else:
            pytest.fail("the erasure neither finished nor waited for a lock")
    else:
        await asyncio.sleep(0)  # SQLite: the upload holds the database's one write lock
    pausing.go_on.set()
    await asyncio.gather(upload, erase)
    assert leaving.texts == [ERASED]
    assert (await stored_file(store, files, "staying")).read_bytes() == PDF
    await database.dispose()


_UPDATES = itertools.count(1000)


class Person(Chat):
    """Someone as a platform delivers them: their display name on every event, and update
    ids that are the platform's counter (they do not contain the user id)."""

    def __init__(self, engine: Engine, user: str, *, name: str, platform: str = "test") -> None:
        super().__init__(engine, user, platform)
        self.name = name

    async def _send(self, **fields: object) -> list[Reply]:
        fields.setdefault("update_id", str(next(_UPDATES)))
        fields.setdefault("display_name", self.name)
        return await super()._send(**fields)


COMMENT = "Les autorités nationales devraient associer la société civile à chaque étape."
SUGGESTION = "Standardised request forms would help civil society follow every case."


async def everything_stored(store: Store) -> list[tuple[str, str]]:
    """Every row of every table, as (table, text of the row)."""
    found = []
    async with store.transaction() as uow:
        for table in Base.metadata.sorted_tables:
            for row in (await uow.session.execute(select(table))).mappings():
                found.append((table.name, json.dumps(dict(row), default=str, ensure_ascii=False)))
    return found


def secretariats_invite_record(table: str, row: str) -> bool:
    """The invite and the secretariat's audit of issuing it: issued to an organisation,
    possibly used by several people, they are the secretariat's record, not the person's;
    after erasure nothing links them to the person any more."""
    return table == "invites" or (
        table == "audit_log" and not json.loads(row)["actor"].startswith("participant:")
    )


async def test_trust_04_after_forget_nothing_identifies_the_person(
    engine: Engine, store: Store, clock: FixedClock, files: FileStore
) -> None:
    code = await new_invite(store, clock)
    ana = Person(engine, "u7301001", name="Ana Ruiz Quintero")
    await ana.say("/start WRONGCODE")  # a wrong code first: counted against the account
    await onboard(ana, code)
    await answer_agenda_item_2(ana, COMMENT)
    await ana.press("Agenda item 4")
    await ana.press("Capacity-building")
    await ana.press("Skip ›")
    await ana.say(SUGGESTION)
    await ana.upload("Ana Ruiz - written submission.pdf", PDF)
    await ana.say("/reminders off")
    await ana.say("/link")
    link_code = ana.text.split("/link ", 1)[1].split()[0]
    slack = Person(engine, "U7301001", name="ana.ruiz", platform="slack")
    await slack.say(f"/link {link_code}")
    await slack.say("/link")  # a second link code, never used
    assert slack.texts[0] == LINK_OFFER.format(code=slack.text.split("/link ", 1)[1].split()[0])

    clock.set(NOW + timedelta(hours=1))
    await ana.say("/forget")
    await ana.press("Erase my data")
    assert ana.texts == [ERASED]

    needles = [
        "u7301001",
        "U7301001",
        "chat-u7301001",
        "Ana Ruiz",
        "ana.ruiz",
        COMMENT,
        SUGGESTION,
        link_code,
        code,
    ]
    rows = await everything_stored(store)
    hits = [
        (table, needle, row)
        for table, row in rows
        for needle in needles
        if needle in row and not (needle == code and secretariats_invite_record(table, row))
    ]
    assert hits == []
    audit = [json.loads(row) for table, row in rows if table == "audit_log"]
    erased = [entry for entry in audit if entry["action"] == "participant.erased"]
    assert len(erased) == 1
    assert [p for p in files.root.rglob("*") if p.is_file()] == []

    await ana.say("hello")  # a stranger again
    assert ana.texts == [STRANGER]


async def test_trust_04_sql_parameters_reach_no_log_and_no_exception(
    database_url: str,
    clock: FixedClock,
    files: FileStore,
    bundled: list[Consultation],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    for echo in (False, True):
        database = create_engine(database_url, echo=echo)
        store = Store(session_factory(database))
        await load_into(store, bundled, clock)
        engine = Engine(store, clock=clock, files=files)
        chat = Chat(engine, f"echo-{echo}")
        await onboard(chat, await new_invite(store, clock))
        await answer_agenda_item_2(chat, f"{COMMENT} ({echo})", submit=False)
        with pytest.raises(IntegrityError) as failed:
            async with store.transaction() as uow:
                uow.session.add(
                    Answer(
                        participant_id=None,  # refused by the database, with its parameters
                        question_id=1,
                        value={"text": COMMENT},
                        text=COMMENT,
                        created_at=clock.now(),
                        updated_at=clock.now(),
                    )
                )
        assert COMMENT not in str(failed.value)
        await database.dispose()
    assert len(caplog.records) > 100  # the statements were logged, without their parameters
    assert [r for r in caplog.records if COMMENT in r.getMessage()] == []
