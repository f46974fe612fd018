"""Shared fixtures: a migrated database (SQLite, or PostgreSQL from DATABASE_URL), a fixed
clock, the engine, and `chat` — push a message, read exactly the replies."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import load_into
from config.consultation import Consultation, load_consultations
from config.settings import BUNDLED_CONSULTATIONS, async_database_url
from handlers.conversation import EngineOptions
from handlers.engine import Engine
from handlers.events import Button, Inbound, IncomingDocument, Reply
from handlers.ports import FileStore, FixedClock
from storage import migrate
from storage.db import create_engine, session_factory
from storage.models import Base
from storage.repositories import Store

NOW = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
"""Tests run on this day: the 2027 sample consultation is open, the 2023 one closed."""

_REAL_CONNECT = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("127."):
            raise RuntimeError(f"tests must not reach the network (tried {address!r})")
    return _REAL_CONNECT(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True, scope="session")
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The processes of a test session share one CACHE_DIR of their own, not the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


def database_kind() -> str:
    """'postgresql' when the suite is pointed at PostgreSQL, else 'sqlite'."""
    url = os.environ.get("DATABASE_URL", "")
    return "postgresql" if url.startswith("postgres") else "sqlite"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def prepare() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(engine)
        await engine.dispose()

    asyncio.run(prepare())
    return path


@pytest.fixture(scope="session")
def _postgres_ready() -> str:
    url = async_database_url(os.environ["DATABASE_URL"])

    async def prepare() -> None:
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await migrate.upgrade(engine)
        await engine.dispose()

    asyncio.run(prepare())
    return url


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for one test."""
    if database_kind() == "postgresql":
        url: str = request.getfixturevalue("_postgres_ready")

        async def truncate() -> None:
            engine = create_engine(url)
            names = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
            async with engine.begin() as connection:
                await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            await engine.dispose()

        asyncio.run(truncate())
        yield url
    else:
        template: Path = request.getfixturevalue("_sqlite_template")
        target = tmp_path / "intersessional.db"
        shutil.copy(template, target)
        yield f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def clock() -> FixedClock:
    """The time as tests see it; move it with `clock.set`."""
    return FixedClock(NOW)


@pytest.fixture(scope="session")
def bundled() -> list[Consultation]:
    """The bundled consultations, parsed once."""
    return load_consultations(BUNDLED_CONSULTATIONS)


@pytest.fixture
async def store(
    database_url: str, clock: FixedClock, bundled: list[Consultation]
) -> AsyncIterator[Store]:
    """A store on a fresh database with the bundled consultations loaded."""
    engine = create_engine(database_url)
    store = Store(session_factory(engine))
    await load_into(store, bundled, clock)
    yield store
    await engine.dispose()


@pytest.fixture
def files(tmp_path: Path) -> FileStore:
    """Document storage in a temporary directory."""
    return FileStore(tmp_path / "files")


@pytest.fixture
def engine(store: Store, clock: FixedClock, files: FileStore) -> Engine:
    """The conversation engine with small limits so bad input is cheap to make."""
    return Engine(
        store,
        clock=clock,
        files=files,
        options=EngineOptions(max_text_chars=4000, max_document_bytes=1024 * 1024),
    )


@pytest.fixture
async def second_engine(
    database_url: str, clock: FixedClock, files: FileStore
) -> AsyncIterator[Engine]:
    """The engine as a second process runs it: its own connections and caches, on the same
    database and file store."""
    database = create_engine(database_url)
    yield Engine(
        Store(session_factory(database)),
        clock=clock,
        files=FileStore(files.root),
        options=EngineOptions(max_text_chars=4000, max_document_bytes=1024 * 1024),
    )
    await database.dispose()


class Chat:
    """One participant talking to the engine: push an event, pop the replies."""

    def __init__(
        self, engine: Engine, user: str, platform: str = "test", *, session: str = "1"
    ) -> None:
        self.engine = engine
        self.user = user
        self.platform = platform
        self.session = session
        self.replies: list[Reply] = []
        self._update = 0

    async def _send(self, **fields: Any) -> list[Reply]:
        self._update += 1
        fields.setdefault("update_id", f"{self.user}-{self.session}-{self._update}")
        event = Inbound(self.platform, self.user, f"chat-{self.user}", **fields)
        self.replies = await self.engine.handle(event)
        return self.replies

    async def say(self, text: str, **fields: Any) -> list[Reply]:
        """Send a text message."""
        return await self._send(text=text, **fields)

    async def press(self, label: str) -> list[Reply]:
        """Press the button of the last replies whose label starts with `label`."""
        button = self.button(label)
        return await self._send(payload=button.payload)

    async def payload(self, raw: str, **fields: Any) -> list[Reply]:
        """Send a raw button payload (forged or stale ones too)."""
        return await self._send(payload=raw, **fields)

    async def upload(self, name: str, content: bytes, *, size: int | None = None) -> list[Reply]:
        """Send a document."""

        async def read() -> bytes:
            return content

        document = IncomingDocument(name, len(content) if size is None else size, None, read)
        return await self._send(document=document)

    def button(self, label: str) -> Button:
        """The button of the last replies whose label starts with `label`."""
        buttons = [b for r in self.replies for b in r.all_buttons()]
        wanted = label.removeprefix("✓ ")
        matches = [b for b in buttons if b.label.startswith(wanted)]
        if not matches:
            labels = [b.label for b in buttons]
            raise AssertionError(f"no button {label!r} among {labels}")
        return matches[0]

    @property
    def text(self) -> str:
        """All text of the last replies."""
        return "\n".join(r.text for r in self.replies)

    @property
    def texts(self) -> list[str]:
        """The text of each of the last replies, in order: compare it whole."""
        return [r.text for r in self.replies]

    @property
    def labels(self) -> list[str]:
        """Every button label of the last replies, a chosen option's with a check mark before
        it, as a channel that shows buttons draws it."""
        return [
            ("✓ " if b.selected else "") + b.label for r in self.replies for b in r.all_buttons()
        ]

    def unique_reply(self) -> Reply:
        """The one reply to the last message; fails when the bot answered zero or several
        times (as zulip_bots' `unique_reply`)."""
        texts = [r.text for r in self.replies]
        assert len(self.replies) == 1, f"expected one reply, got {len(texts)}: {texts}"
        return self.replies[0]

    def explained(self, explanation: str) -> Reply:
        """The two replies bad input gets: exactly `explanation`, then the step again, which
        is returned."""
        texts = [r.text for r in self.replies]
        assert len(texts) == 2, texts
        assert texts[0] == explanation, texts
        return self.replies[1]


async def new_invite(
    store: Store,
    clock: FixedClock,
    *,
    organisation: str = "Criminologists without Borders",
    category: str = "ngo",
    country: str | None = "AT",
    consultation: str | None = "wgic-18-2027",
    max_uses: int = 5,
) -> str:
    """Create an invite directly in the store and return its code."""
    from bot.invites import InviteRequest, create
    from storage.models import Category

    invite = await create(
        store,
        InviteRequest(organisation, Category(category), country, consultation, max_uses),
        now=clock.now(),
        actor="test",
    )
    return invite.code


async def onboard(chat: Chat, code: str, *, publish: bool = True) -> None:
    """Go from the invite to the consultations with the usual answers."""
    await chat.say(f"/start {code}")
    await chat.press("English")
    await chat.press("I agree")
    if publish:
        await chat.press("Yes, they may be published")
        await chat.press("My organisation only")
    else:
        await chat.press("No, do not publish")
    await chat.press("This is correct")
    await chat.press("Female")
    done, consultations = chat.texts
    assert done == "Thank you, you are all set."
    assert consultations.startswith("Your consultations:\n• ")


async def answer_agenda_item_2(chat: Chat, comment: str, *, submit: bool = True) -> None:
    """From the consultations, answer agenda item 2's three questions, and submit them."""
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 2")
    await chat.press("We contributed to it")
    await chat.press("Yes")
    await chat.say(comment)
    assert chat.text.startswith("Review — Agenda item 2")
    if submit:
        await chat.press("Submit")
        receipt, _overview = chat.texts
        assert receipt.startswith("Thank you. Your submission on agenda item 2 was received on ")


@pytest.fixture
async def invite(store: Store, clock: FixedClock) -> str:
    """An invite code for the open 2027 consultation."""
    return await new_invite(store, clock)


@pytest.fixture
def chat(engine: Engine) -> Chat:
    """Alice, a participant to be."""
    return Chat(engine, "alice")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Path:
    """The command line pointed at the test database, in an empty working directory."""
    from tests.commandline import point_at  # It imports this module: not at the top.

    return point_at(monkeypatch, tmp_path, database_url)
