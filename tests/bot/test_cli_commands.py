"""The command line in-process: `invite create|import`, `stats` and `consultations list`.

`main()` runs `asyncio.run`, so these tests are plain functions; data is prepared through the
engine in a separate `asyncio.run` with its own database engine and a fixed clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from handlers.conversation import EngineOptions
from handlers.engine import Engine
from handlers.ports import FileStore, FixedClock
from storage.repositories import INVITE_ALPHABET, Store
from tests.commandline import run, with_store
from tests.conftest import NOW, Chat, new_invite, onboard
from tests.handlers.replies import receipt, review_2

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "invites"
CODE = re.compile(f"^[{INVITE_ALPHABET}]{{8}}$")
CATEGORY_CHOICES = "use one of ngo, academia, private_sector, igo, other"


def stored_invites(database_url: str) -> list[dict[str, Any]]:
    """Every invite in the database, oldest first, with its organisation."""

    async def read(store: Store) -> list[dict[str, Any]]:
        async with store.transaction() as uow:
            return [
                {
                    "code": i.code,
                    "organisation": i.organisation.name,
                    "category": i.organisation.category,
                    "country": i.organisation.country,
                    "consultation": i.consultation_id,
                    "max_uses": i.max_uses,
                    "uses": i.uses,
                    "expires_at": i.expires_at,
                }
                for i in reversed(await uow.invites.list())
            ]

    return with_store(database_url, read)


# --- invite create ------------------------------------------------------------------------


def test_invite_create_prints_the_code(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(
        capsys,
        "invite",
        "create",
        "--org",
        "Criminologists without Borders",
        "--category",
        "ngo",
        "--country",
        "AT",
        "--consultation",
        "wgic-18-2027",
    )
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 1
    assert CODE.match(lines[0]), lines
    assert stored_invites(database_url) == [
        {
            "code": lines[0],
            "organisation": "Criminologists without Borders",
            "category": "ngo",
            "country": "AT",
            "consultation": "wgic-18-2027",
            "max_uses": 5,
            "uses": 0,
            "expires_at": None,
        }
    ]


def test_invite_create_prints_the_telegram_link_when_the_bot_name_is_set(
    cli: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "UNTOCDialogueBot")
    result = run(
        capsys,
        "invite",
        "create",
        "--org",
        "Acme Security Ltd",
        "--category",
        "private sector",
        "--country",
        "Germany",
        "--max-uses",
        "2",
        "--expires",
        "2027-05-31T23:59+02:00",
    )
    assert result.code == 0, result.err
    code, link = result.out.splitlines()
    assert CODE.match(code)
    assert link == f"https://t.me/UNTOCDialogueBot?start={code}"
    assert stored_invites(database_url) == [
        {
            "code": code,
            "organisation": "Acme Security Ltd",
            "category": "private_sector",
            "country": "DE",
            "consultation": None,
            "max_uses": 2,
            "uses": 0,
            "expires_at": datetime(2027, 5, 31, 21, 59, tzinfo=UTC),
        }
    ]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--category", "think tank", f"unknown category 'think tank'; {CATEGORY_CHOICES}"),
        ("--country", "Narnia", "unknown country 'Narnia'; use a two-letter code such as AT"),
        (
            "--consultation",
            "wgic-99-2099",
            "--consultation wgic-99-2099: no such consultation is loaded; "
            "the consultations are wgic-14-2023, wgic-18-2027",
        ),
    ],
)
def test_invite_create_refuses_bad_values_with_exit_2(
    cli: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
    message: str,
) -> None:
    arguments = {"--org": "Acme Security Ltd", "--category": "ngo", option: value}
    result = run(capsys, "invite", "create", *[p for kv in arguments.items() for p in kv])
    assert result.code == 2
    assert result.out == ""
    assert result.err == f"intersessional: {message}\n"
    assert stored_invites(database_url) == []


def test_invite_create_bad_category_names_every_allowed_category(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "invite", "create", "--org", "Acme", "--category", "company")
    assert result.code == 2
    for category in ("ngo", "academia", "private_sector", "igo", "other"):
        assert category in result.err


def test_invite_create_refuses_expires_without_a_time_zone(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(
        capsys,
        "invite",
        "create",
        "--org",
        "Acme Security Ltd",
        "--category",
        "ngo",
        "--expires",
        "2027-05-31T23:59",
    )
    assert result.code == 2
    assert "time zone" in result.err
    assert stored_invites(database_url) == []


def test_invite_create_refuses_max_uses_out_of_range(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(
        capsys,
        "invite",
        "create",
        "--org",
        "Acme Security Ltd",
        "--category",
        "ngo",
        "--max-uses",
        "0",
    )
    assert result.code == 2
    assert "max_uses" in result.err or "max-uses" in result.err
    assert stored_invites(database_url) == []


def test_invite_create_refuses_an_empty_organisation_name(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "invite", "create", "--org", "  ", "--category", "ngo")
    assert result.code == 2
    assert "organisation" in result.err
    assert stored_invites(database_url) == []


# --- invite import ------------------------------------------------------------------------


def test_invite_import_creates_one_invite_per_row(
    cli: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@UNTOCDialogueBot")
    result = run(capsys, "invite", "import", str(FIXTURES / "good.csv"))
    assert result.code == 0, result.err
    assert result.err == "5 invites created\n"
    printed = [line.split("\t") for line in result.out.splitlines()]
    assert [p[1] for p in printed] == [
        "Criminologists without Borders",
        "Acme Security Ltd",
        "University of Vienna",
        "Centre for the Study of Organized Crime, Kyiv",
        "Regional Intergovernmental Body",
    ]
    for code, _, link in printed:
        assert CODE.match(code)
        assert link == f"https://t.me/UNTOCDialogueBot?start={code}"
    stored = stored_invites(database_url)
    assert stored == [
        {
            "code": printed[0][0],
            "organisation": "Criminologists without Borders",
            "category": "ngo",
            "country": "AT",
            "consultation": "wgic-18-2027",
            "max_uses": 3,
            "uses": 0,
            "expires_at": datetime(2027, 5, 31, 21, 59, tzinfo=UTC),
        },
        {
            "code": printed[1][0],
            "organisation": "Acme Security Ltd",
            "category": "private_sector",
            "country": "DE",
            "consultation": None,
            "max_uses": 5,
            "uses": 0,
            "expires_at": None,
        },
        {
            "code": printed[2][0],
            "organisation": "University of Vienna",
            "category": "academia",
            "country": "AT",
            "consultation": "wgic-18-2027",
            "max_uses": 10,
            "uses": 0,
            "expires_at": None,
        },
        {
            "code": printed[3][0],
            "organisation": "Centre for the Study of Organized Crime, Kyiv",
            "category": "ngo",
            "country": "UA",
            "consultation": "wgic-14-2023",
            "max_uses": 5,
            "uses": 0,
            "expires_at": None,
        },
        {
            "code": printed[4][0],
            "organisation": "Regional Intergovernmental Body",
            "category": "igo",
            "country": None,
            "consultation": None,
            "max_uses": 1000,
            "uses": 0,
            "expires_at": datetime(2027, 6, 1, 0, 0, tzinfo=UTC),
        },
    ]


def test_invite_import_without_bot_name_prints_code_and_organisation(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (cli / "two.csv").write_text(
        "\ufefforganisation,category\r\nAcme Security Ltd,private sector\r\nUniversity of "
        "Vienna,academia\r\n",
        encoding="utf-8",
    )
    result = run(capsys, "invite", "import", "two.csv")
    assert result.code == 0, result.err
    printed = [line.split("\t") for line in result.out.splitlines()]
    assert [p[1:] for p in printed] == [["Acme Security Ltd"], ["University of Vienna"]]
    assert [p[0] for p in printed] == [i["code"] for i in stored_invites(database_url)]


def test_invite_import_of_a_file_with_bad_rows_creates_nothing(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FIXTURES / "bad.csv"
    result = run(capsys, "invite", "import", str(path))
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines() == [
        f"{path}: line 5: unknown category 'think tank'; {CATEGORY_CHOICES}",
        f"{path}: line 6: unknown country 'Narnia'; use a two-letter code such as AT",
        f"{path}: line 7: no consultation with id 'wgic-99-2099' is loaded",
        f"{path}: line 8: max_uses must be a whole number from 1 to 1000, not 'ten'",
        f"{path}: line 9: organisation name must have 2 to 300 characters",
        f"{path}: line 10: expires needs a time zone, e.g. 2027-05-31T23:59+02:00",
        f"{path}: line 12: max_uses must be a whole number from 1 to 1000, not '0'",
        "No invites were created: fix the 7 row(s) above and import the file again.",
    ]
    assert stored_invites(database_url) == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (
            "missing_column.csv",
            "line 1: missing column(s) category (columns: organisation, category, country, "
            "consultation, max_uses, expires, email, language)",
        ),
        (
            "unknown_column.csv",
            "line 1: unknown column(s) phone (columns: organisation, category, country, "
            "consultation, max_uses, expires, email, language)",
        ),
        (
            "empty.csv",
            "line 1: missing column(s) organisation, category (columns: organisation, "
            "category, country, consultation, max_uses, expires, email, language)",
        ),
        ("header_only.csv", "line 1: the file has no rows"),
    ],
)
def test_invite_import_of_a_malformed_file_creates_nothing(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str], name: str, problem: str
) -> None:
    path = FIXTURES / name
    result = run(capsys, "invite", "import", str(path))
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines() == [
        f"{path}: {problem}",
        "No invites were created: fix the 1 row(s) above and import the file again.",
    ]
    assert stored_invites(database_url) == []


def test_invite_import_of_a_missing_file_exits_2(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "invite", "import", "no-such-file.csv")
    assert result.code == 2
    assert "no-such-file.csv" in result.err


def test_invite_import_of_a_non_utf8_file_exits_2(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (cli / "excel.csv").write_bytes("organisation,category\nSociété civile,ngo\n".encode("cp1252"))
    result = run(capsys, "invite", "import", "excel.csv")
    assert result.code == 2
    assert "UTF-8" in result.err
    assert stored_invites(database_url) == []


# --- stats --------------------------------------------------------------------------------


def prepare_submissions(database_url: str, files: Path) -> None:
    """Two invited NGOs/companies: Alice submits agenda item 2, Bob only answers it."""

    async def work(store: Store) -> None:
        clock = FixedClock(NOW)
        engine = Engine(
            store,
            clock=clock,
            files=FileStore(files),
            options=EngineOptions(max_text_chars=4000, max_document_bytes=1024 * 1024),
        )
        alice_code = await new_invite(store, clock)
        bob_code = await new_invite(
            store,
            clock,
            organisation="Acme Security Ltd",
            category="private_sector",
            country="DE",
        )
        for chat, code, submit in (
            (Chat(engine, "alice"), alice_code, True),
            (Chat(engine, "bob"), bob_code, False),
        ):
            await onboard(chat, code)
            await chat.press("Constructive dialogue 2027")
            await chat.press("Agenda item 2")
            await chat.press("We contributed to it")
            await chat.press("Yes")
            await chat.press("Skip")
            assert chat.texts == [review_2("Yes", "not submitted")]
            if submit:
                await chat.press("Submit")
                assert receipt(2).fullmatch(chat.texts[0]), chat.texts

    with_store(database_url, work)


def test_stats_counts_invited_registered_and_submitted(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    prepare_submissions(database_url, cli / "setup-files")
    result = run(capsys, "stats", "--consultation", "wgic-18-2027")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[:6] == [
        "wgic-18-2027",
        "  invited organisations: 2",
        "  registered participants: 2",
        "  agenda item 2: 1 submitted",
        "  agenda item 3: 0 submitted",
        "  agenda item 4: 0 submitted",
    ]
    # Only Alice's organisation (an NGO) has submitted anything.
    assert len(lines) == 7
    assert lines[6] == "  submitted by Non-governmental organization: 1 organisation"


def test_stats_without_consultation_covers_every_loaded_one(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    prepare_submissions(database_url, cli / "setup-files")
    result = run(capsys, "stats")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    # By opening date: the 2023 consultation first; the invites were for 2027 only.
    assert lines[0] == "wgic-14-2023"
    assert lines[1:3] == ["  invited organisations: 0", "  registered participants: 0"]
    assert all(line.endswith(": 0 submitted") for line in lines[3 : lines.index("wgic-18-2027")])
    rest = lines[lines.index("wgic-18-2027") :]
    assert rest[:4] == [
        "wgic-18-2027",
        "  invited organisations: 2",
        "  registered participants: 2",
        "  agenda item 2: 1 submitted",
    ]


def test_stats_on_an_empty_database(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "stats", "--consultation", "wgic-18-2027")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "wgic-18-2027",
        "  invited organisations: 0",
        "  registered participants: 0",
        "  agenda item 2: 0 submitted",
        "  agenda item 3: 0 submitted",
        "  agenda item 4: 0 submitted",
    ]


def test_stats_of_an_unknown_consultation_exits_2(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "stats", "--consultation", "nope")
    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        "intersessional: --consultation nope: no such consultation is loaded; "
        "the consultations are wgic-14-2023, wgic-18-2027\n"
    )


# --- consultations list -------------------------------------------------------------------


def test_consultations_list_prints_both_bundled_consultations(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def nothing(store: Store) -> None:
        return None

    with_store(database_url, nothing)  # loads the bundled consultations
    result = run(capsys, "consultations", "list")
    assert result.code == 0, result.err
    rows = [line.split("\t") for line in result.out.splitlines()]
    assert [r[0] for r in rows] == ["wgic-14-2023", "wgic-18-2027"]
    assert rows[1][1] == "2026-11-01 → 2027-05-31 21:59 UTC"
    assert rows[1][2] == (
        "Written comments for the constructive dialogue following the eighteenth meeting "
        "of the Working Group on International Cooperation"
    )
    assert all(len(r) == 3 for r in rows)


def test_consultations_list_after_another_command_loaded_them(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "stats", "--consultation", "wgic-18-2027").code == 0
    result = run(capsys, "consultations", "list")
    assert result.code == 0, result.err
    assert [line.split("\t")[0] for line in result.out.splitlines()] == [
        "wgic-14-2023",
        "wgic-18-2027",
    ]
