"""Exports of answers: who is credited, what may be published, and `export` on the command line.

`main()` runs `asyncio.run`, so the command-line tests are plain functions; the answers are
given through the engine in a separate `asyncio.run` with its own database engine.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import load_workbook

from bot import export
from handlers.conversation import EngineOptions
from handlers.engine import Engine
from handlers.ports import FileStore, FixedClock
from storage.models import Credit
from storage.repositories import Store
from tests.commandline import run, with_store
from tests.conftest import NOW, Chat, answer_agenda_item_2, new_invite, onboard
from tests.handlers.replies import receipt

FRENCH = (
    "Les autorités nationales devraient associer les organisations de la société civile "
    "à chaque étape de l'examen du pays."
)
FORMULA = '=HYPERLINK("http://example.org","Click here for our full submission")'
DAY_ONE = "2027-01-15T10:00:00+00:00"
DAY_TWO = "2027-01-16T10:00:00+00:00"

ALICE = {
    "consultation": "wgic-18-2027",
    "agenda_item": "2",
    "organisation": "Criminologists without Borders",
    "category": "ngo",
    "country": "AT",
}
BOB = {
    "consultation": "wgic-18-2027",
    "agenda_item": "2",
    "organisation": "Acme Security Ltd",
    "category": "private_sector",
    "country": "DE",
}

ALICE_ROWS = [
    {
        **ALICE,
        "question": "ai2-familiarity",
        "question_type": "choice",
        "value": "We contributed to it",
        "answer": "We contributed to it",
        "language": "",
        "revision": 1,
        "answered_at": DAY_ONE,
    },
    {
        **ALICE,
        "question": "ai2-data-platform",
        "question_type": "yes_no",
        "value": "yes",
        "answer": "Yes",
        "language": "",
        "revision": 2,
        "answered_at": DAY_TWO,
    },
    {
        **ALICE,
        "question": "ai2-stakeholder-contribution",
        "question_type": "text",
        "value": FRENCH,
        "answer": FRENCH,
        "language": "fr",
        "revision": 1,
        "answered_at": DAY_ONE,
    },
]
BOB_ROWS = [
    {
        **BOB,
        "question": "ai2-familiarity",
        "question_type": "choice",
        "value": "We were not aware of it",
        "answer": "We were not aware of it",
        "language": "",
        "revision": 1,
        "answered_at": DAY_ONE,
    },
    {
        **BOB,
        "question": "ai2-data-platform",
        "question_type": "yes_no",
        "value": "no",
        "answer": "No",
        "language": "",
        "revision": 1,
        "answered_at": DAY_ONE,
    },
    {
        **BOB,
        "question": "ai2-stakeholder-contribution",
        "question_type": "text",
        "value": FORMULA,
        "answer": FORMULA,
        "language": "en",
        "revision": 1,
        "answered_at": DAY_ONE,
    },
]
ALL_ROWS = [
    row
    for alice, bob in zip(ALICE_ROWS, BOB_ROWS, strict=True)
    for row in ({**alice, "status": "submitted"}, {**bob, "status": "draft"})
]
"""Every answer in agenda and question order (Alice answered each question before Bob),
with where its submission stands: Alice submitted, Bob did not."""
PUBLISHED_ALICE_ROWS = [{**row, "category": "Non-governmental organization"} for row in ALICE_ROWS]
"""Alice's answers as the published export gives them: her category in words."""


# --- helpers ------------------------------------------------------------------------------


def answer_item_2(database_url: str, files: Path) -> None:
    """Alice (publishes, credited by organisation) answers and submits; Bob (refuses
    publication) answers and leaves it a draft."""

    async def work(store: Store) -> None:
        clock = FixedClock(NOW)
        engine = Engine(
            store,
            clock=clock,
            files=FileStore(files),
            options=EngineOptions(max_text_chars=4000, max_document_bytes=1024 * 1024),
        )
        alice, bob = Chat(engine, "alice"), Chat(engine, "bob")
        await onboard(alice, await new_invite(store, clock), publish=True)
        code = await new_invite(
            store,
            clock,
            organisation="Acme Security Ltd",
            category="private_sector",
            country="DE",
        )
        await onboard(bob, code, publish=False)

        await alice.press("Constructive dialogue 2027")
        await alice.press("Agenda item 2")
        await alice.press("We contributed to it")
        await alice.press("No")
        await alice.say(FRENCH)
        assert "Review" in alice.text

        await bob.press("Constructive dialogue 2027")
        await bob.press("Agenda item 2")
        await bob.press("We were not aware of it")
        await bob.press("No")
        await bob.say(FORMULA)
        assert "Review" in bob.text

        # A day later Alice changes her yes/no answer: revision 2 of that answer.
        clock.set(NOW + timedelta(days=1))
        await alice.press("Change answer 2")
        await alice.press("Yes")
        if any(label.startswith("Keep") for label in alice.labels):
            await alice.press("Keep")  # when an edit goes on to the next question
        assert "Review" in alice.text
        await alice.press("Submit")
        assert "Thank you. Your submission on agenda item 2" in alice.text

    with_store(database_url, work)


@pytest.fixture
def answered(cli: Path, database_url: str) -> Path:
    """The command line, on a database where Alice and Bob answered agenda item 2."""
    answer_item_2(database_url, cli / "setup-files")
    return cli


def as_text(row: dict[str, Any]) -> dict[str, str]:
    """A row as a CSV reader gives it back."""
    return {key: str(value) for key, value in row.items()}


# --- credited, publishable, render --------------------------------------------------------


def record(
    *,
    credit: str | None,
    display_name: str | None = "Ana Ruiz",
    organisation: Any = None,
    consent: bool = True,
    spec: dict[str, Any] | None = None,
) -> Any:
    """A stand-in for an AnswerRecord with what credited() and publishable() read."""
    return SimpleNamespace(
        participant=SimpleNamespace(
            credit=credit, display_name=display_name, organisation=organisation
        ),
        organisation=organisation,
        publication_consent=consent,
        question=SimpleNamespace(spec=spec if spec is not None else {}),
    )


NGO = SimpleNamespace(name="Criminologists without Borders", category="ngo", country="AT")


@pytest.mark.parametrize(
    ("credit", "display_name", "organisation", "expected"),
    [
        (Credit.NAMED, "Ana Ruiz", NGO, "Ana Ruiz (Criminologists without Borders)"),
        (Credit.NAMED, None, NGO, "Criminologists without Borders"),
        (Credit.ORGANISATION, "Ana Ruiz", NGO, "Criminologists without Borders"),
        (Credit.ANONYMOUS, "Ana Ruiz", NGO, "Anonymous (ngo)"),
        (None, "Ana Ruiz", NGO, "Anonymous (ngo)"),
        (Credit.ANONYMOUS, None, None, "Anonymous (other)"),
    ],
)
def test_credited_follows_the_authors_choice(
    credit: str | None, display_name: str | None, organisation: Any, expected: str
) -> None:
    assert (
        export.credited(record(credit=credit, display_name=display_name, organisation=organisation))
        == expected
    )


@pytest.mark.parametrize(
    ("consent", "spec", "expected"),
    [
        (True, {}, True),
        (True, {"publishable": True}, True),
        (True, {"publishable": False}, False),
        (False, {}, False),
        (False, {"publishable": True}, False),
    ],
)
def test_publishable_needs_consent_and_a_publishable_question(
    consent: bool, spec: dict[str, Any], expected: bool
) -> None:
    assert export.publishable(record(credit=Credit.ORGANISATION, consent=consent, spec=spec)) is (
        expected
    )


def test_render_csv_neutralises_formulas_in_every_text_column() -> None:
    row = {
        **ALICE_ROWS[0],
        "organisation": "@Risk Foundation",
        "value": "-1 is not an answer",
    }
    plus = {**ALICE_ROWS[1], "value": "+33 1 23 45 67 89"}
    content = export.render([row, plus, ALICE_ROWS[2]], "csv", published=True)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, so spreadsheets read UTF-8
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [r["organisation"] for r in rows] == [
        "'@Risk Foundation",
        "Criminologists without Borders",
        "Criminologists without Borders",
    ]
    assert [r["value"] for r in rows] == ["'-1 is not an answer", "'+33 1 23 45 67 89", FRENCH]
    assert [r["answered_at"] for r in rows] == [DAY_ONE, DAY_TWO, DAY_ONE]


def test_render_of_nothing_and_of_an_unknown_format() -> None:
    assert export.render([], "json") == b"[]\n"
    assert export.render([], "csv").decode("utf-8-sig").splitlines() == [",".join(export.COLUMNS)]
    with pytest.raises(ValueError, match="unknown export format 'pdf'"):
        export.render([], "pdf")


# --- export on the command line -----------------------------------------------------------


def test_export_json_shows_every_answer(answered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "export", "--format", "json")
    assert result.code == 0, result.err
    assert result.err == ""
    assert json.loads(result.out) == ALL_ROWS
    assert list(json.loads(result.out)[0]) == list(export.COLUMNS)


def test_export_json_is_the_default_format_and_keeps_non_ascii_text(
    answered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "export", "--consultation", "wgic-18-2027")
    assert result.code == 0, result.err
    assert json.loads(result.out) == ALL_ROWS
    assert "société civile" in result.out  # not \u00e9-escaped


def test_export_published_keeps_only_consenting_authors_credited_as_chosen(
    answered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "export", "--format", "json", "--published")
    assert result.code == 0, result.err
    # Bob refused publication: none of his answers. Alice chose "My organisation only".
    assert json.loads(result.out) == PUBLISHED_ALICE_ROWS


def test_export_csv_round_trips_and_neutralises_formulas(
    answered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "export", "--format", "csv", "--out", "answers.csv")
    assert result.code == 0, result.err
    assert result.out == ""
    assert result.err == "6 answers written to answers.csv\n"
    with (answered / "answers.csv").open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == list(export.COLUMNS)
        rows = list(reader)
    expected = [as_text(row) for row in ALL_ROWS]
    # A spreadsheet must not run Bob's text as a formula.
    expected[5]["value"] = expected[5]["answer"] = "'" + FORMULA
    assert rows == expected


def test_export_csv_published(answered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "export", "--format", "csv", "--published", "--out", "public.csv")
    assert result.code == 0, result.err
    assert result.err == "3 answers written to public.csv\n"
    with (answered / "public.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.DictReader(handle)) == [as_text(row) for row in PUBLISHED_ALICE_ROWS]


def test_export_xlsx_has_the_header_and_the_rows(
    answered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "export", "--format", "xlsx", "--out", "answers.xlsx")
    assert result.code == 0, result.err
    assert result.err == "6 answers written to answers.xlsx\n"
    workbook = load_workbook(answered / "answers.xlsx")
    try:
        assert workbook.sheetnames == ["answers"]
        sheet = workbook["answers"]
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert values[0] == list(export.COLUMNS)
        # An empty cell (no language for choice and yes/no answers) reads back as None.
        expected = [[None if row[c] == "" else row[c] for c in export.COLUMNS] for row in ALL_ROWS]
        expected[5][export.COLUMNS.index("value")] = "'" + FORMULA
        expected[5][export.COLUMNS.index("answer")] = "'" + FORMULA
        assert values[1:] == expected
        # Stored as text, not as a formula.
        assert sheet.cell(row=7, column=export.COLUMNS.index("value") + 1).data_type == "s"
    finally:
        workbook.close()


def test_export_xlsx_needs_an_output_file(
    answered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "export", "--format", "xlsx")
    assert result.code == 2
    assert result.out == ""
    assert result.err == "intersessional: --format xlsx needs --out FILE\n"


def test_export_of_a_consultation_without_answers_is_empty(
    answered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "export", "--format", "json", "--consultation", "wgic-14-2023")
    assert result.code == 0, result.err
    assert result.out == "[]\n"
    assert json.loads(result.out) == []


# --- what is published: submitted values only ---------------------------------------------


async def test_trust_05_published_export_holds_only_what_was_submitted(
    chat: Chat, invite: str, store: Store, clock: FixedClock
) -> None:
    await onboard(chat, invite, publish=True)
    await answer_agenda_item_2(chat, FRENCH)  # answered and submitted
    # Agenda item 3: submitted, then reopened by an edit and an answer never submitted.
    await chat.press("Agenda item 3")
    await chat.press("Lengthy mutual legal assistance procedures")
    await chat.press("Done")
    await chat.press("4")
    await chat.press("Skip ›")
    await chat.press("Skip ›")
    await chat.press("Submit")
    assert receipt(3).fullmatch(chat.texts[0]), chat.texts
    clock.set(NOW + timedelta(hours=2))
    await chat.press("Agenda item 3")
    await chat.press("Change answer 2")
    await chat.press("2")
    assert chat.texts[0] == (
        "Your change is saved. Your submission for this agenda item is reopened: submit it "
        "again from the review to send the change."
    )
    await chat.press("Change answer 3")
    await chat.press("No")
    # Agenda item 4: a draft, never submitted.
    await chat.press("‹ Agenda items")
    await chat.press("Agenda item 4")
    await chat.press("Capacity-building")

    full = await export.rows(store, consultation=None, published=False)
    assert [(r["question"], r["value"], r["status"]) for r in full] == [
        ("ai2-familiarity", "We contributed to it", "submitted"),
        ("ai2-data-platform", "yes", "submitted"),
        ("ai2-stakeholder-contribution", FRENCH, "submitted"),
        ("ai3-obstacles", "Lengthy mutual legal assistance procedures", "reopened"),
        ("ai3-balance", "2", "reopened"),
        ("ai3-standard-requests", "no", "reopened"),
        ("ai4-priorities", "Capacity-building and technical assistance", "draft"),
    ]
    header = export.render(full, "csv").decode("utf-8-sig").splitlines()[0]
    assert header.split(",") == [*export.PUBLISHED_COLUMNS, "status"]

    published = await export.rows(store, consultation=None, published=True)
    assert [(r["question"], r["value"], r["revision"]) for r in published] == [
        ("ai2-familiarity", "We contributed to it", 1),
        ("ai2-data-platform", "yes", 1),
        ("ai2-stakeholder-contribution", FRENCH, 1),
        ("ai3-obstacles", "Lengthy mutual legal assistance procedures", 1),
        ("ai3-balance", "4", 1),  # as submitted, not the edit that reopened it
    ]
    assert {r["organisation"] for r in published} == {"Criminologists without Borders"}
    assert {r["answered_at"] for r in published} == {DAY_ONE}
    assert all("status" not in r for r in published)
    header = export.render(published, "csv", published=True).decode("utf-8-sig").splitlines()[0]
    assert header.split(",") == list(export.PUBLISHED_COLUMNS)
