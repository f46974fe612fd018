"""`intersessional remind`, `digest` and `seed-demo`, run in-process against the test database."""

from __future__ import annotations

import io
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document

from bot.app import load_into
from config.consultation import load_consultations
from handlers.conversation import EngineOptions
from handlers.engine import Engine
from handlers.ports import FileStore, FixedClock, SystemClock
from storage.models import Delivery
from storage.repositories import Store
from tests.commandline import Run, run, with_store
from tests.conftest import Chat, new_invite


def deliveries(database_url: str) -> list[Delivery]:
    async def read(store: Store) -> list[Delivery]:
        async with store.transaction() as uow:
            return list(await uow.deliveries.everything())

    return with_store(database_url, read, load=False)


def consultation_due_now(folder: Path) -> tuple[Path, datetime]:
    """A consultation whose only reminder (one hour before the deadline) fell due 30 min ago.

    The command line runs on the real clock, so the dates are set relative to it.
    """
    now = SystemClock().now().replace(microsecond=0)
    deadline = now + timedelta(minutes=30)
    folder.mkdir()
    (folder / "test-remind.yaml").write_text(
        textwrap.dedent(
            f"""\
            id: test-remind
            title: {{en: "Reminder test"}}
            working_group: {{en: "Working Group on International Cooperation"}}
            dialogue:
              title: {{en: "A dialogue"}}
              date: {(deadline + timedelta(days=5)).date().isoformat()}
              timezone: UTC
            opens: {(now - timedelta(days=10)).isoformat()}
            deadline: {deadline.isoformat()}
            agenda_items:
              - number: "2"
                title: {{en: "Briefing"}}
                questions:
                  - id: q1
                    type: yes_no
                    required: true
                    text: {{en: "Is it clear?"}}
            reminders:
              offsets: ["1h"]
            """
        ),
        encoding="utf-8",
    )
    return folder, deadline - timedelta(hours=1)


def test_remind_dry_run_lists_what_is_due_and_sends_nothing(
    cli: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, due = consultation_due_now(cli / "consultations")
    monkeypatch.setenv("CONSULTATIONS_PATH", str(folder))

    async def prepare(store: Store) -> None:
        clock = FixedClock(due - timedelta(days=1))
        await load_into(store, load_consultations(folder), clock)
        engine = Engine(store, clock=clock, files=FileStore(cli / "files"), options=EngineOptions())
        code = await new_invite(
            store, clock, organisation="Criminologists without Borders", consultation="test-remind"
        )
        chat = Chat(engine, "alice")
        await chat.say(f"/start {code}")
        for label in ("English", "I agree", "No, do not publish", "This is correct", "Female"):
            await chat.press(label)

    with_store(database_url, prepare, load=False)
    result = run(capsys, "remind", "--dry-run")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "send\ttest-remind\tCriminologists without Borders\tparticipant 1"
        f"\tdue {due:%Y-%m-%d %H:%M} UTC\t1h before the deadline\ttest"
    ]
    assert "dry run, nothing was sent; to send: 1," in result.err
    assert deliveries(database_url) == []

    # Without a running channel in this process, a real run cannot send either: counted.
    result = run(capsys, "remind")
    assert result.code == 0, result.err
    assert "no channel: 1" in result.err
    assert deliveries(database_url) == []


def seed(capsys: pytest.CaptureFixture[str]) -> Run:
    result = run(capsys, "seed-demo")
    assert result.code == 0, result.err
    return result


def test_seed_demo_then_digest_docx_reads_like_a_secretariat_document(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert seed(capsys).out == (
        "29 organisations, 25 participants, 163 answers and 59 submissions stored\n"
    )
    assert seed(capsys).out == (
        "0 organisations, 0 participants, 0 answers and 0 submissions stored; "
        "29 organisations were already there\n"
    )
    result = run(capsys, "digest", "--consultation", "wgic-18-2027", "--format", "docx")
    assert result.code == 0, result.err
    [written] = list(cli.glob("digest-wgic-18-2027-*.docx"))
    assert result.err == f"Digest of wgic-18-2027 written to {written.name}\n"
    document = Document(io.BytesIO(written.read_bytes()))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]  # type: ignore[union-attr]
    assert headings[0] == "Participation"
    assert headings[1].startswith("Agenda item 2: ")
    assert any(
        p.text.startswith("Fourteen non-governmental organizations and six other relevant ")
        for p in document.paragraphs
    )


def test_digest_markdown_to_stdout_since_a_date_and_its_mistakes(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(capsys)
    result = run(
        capsys, "digest", "--consultation", "wgic-18-2027", "--since", "2026-01-01", "--out", "-"
    )
    assert result.code == 0, result.err
    assert result.out.startswith(
        "*Internal — not for publication*\n\n# Digest: Constructive dialogue 2027 (WGIC 18)\n"
    )
    assert "- Period: Since 1 January 2026, 00:00 up to " in result.out
    assert "**NEW**" in result.out
    bad = run(capsys, "digest", "--consultation", "wgic-18-2027", "--since", "soon", "--out", "-")
    assert (bad.code, bad.err) == (
        2,
        "intersessional: --since 'soon' is not a date such as 2027-03-01\n",
    )
    unknown = run(capsys, "digest", "--consultation", "nope")
    assert (unknown.code, unknown.err) == (
        2,
        "intersessional: --consultation nope: no such consultation is loaded; "
        "the consultations are wgic-14-2023, wgic-18-2027\n",
    )


def test_digest_send_delivers_to_the_configured_destinations_and_is_recorded(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(capsys)
    out = cli / "digest.html"
    result = run(
        capsys,
        "digest",
        "--consultation",
        "wgic-18-2027",
        "--format",
        "html",
        "--out",
        str(out),
        "--send",
    )
    assert result.code == 0, result.err
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert result.err.splitlines()[-1] == "directory digests/wgic-18-2027: sent after 1 try"
    assert len(list((cli / "digests" / "wgic-18-2027").glob("digest-wgic-18-2027-*"))) == 3
    [row] = deliveries(database_url)
    assert (row.kind, row.status, row.consultation_id) == ("digest", "sent", "wgic-18-2027")
    assert row.key.startswith("digest:wgic-18-2027:manual:")
    assert row.created_at <= datetime.now(UTC)


def test_each_digest_from_the_command_line_starts_where_the_previous_one_ended(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(capsys)
    first = run(capsys, "digest", "--consultation", "wgic-18-2027", "--out", "-")
    assert first.code == 0, first.err
    assert "- Period: Since the opening on " in first.out
    assert "- 163 answers, of which 163 new in this period\n" in first.out
    assert "All submissions up to" not in first.out
    second = run(capsys, "digest", "--consultation", "wgic-18-2027", "--out", "-")
    assert "- Period: Since the previous digest on " in second.out
    assert "- 163 answers, of which 0 new in this period\n" in second.out

    async def answer_again(store: Store) -> None:
        async with store.transaction() as uow:
            identity = await uow.identities.get("demo", "demo-1")
            assert identity is not None
            assert identity.participant_id is not None
            question = next(
                q
                for q in await uow.consultations.questions_of("wgic-18-2027")
                if q.key == "ai4-suggestions"
            )
            await uow.answers.save(
                participant_id=identity.participant_id,
                question_id=question.id,
                value={"text": "A second thought on the review mechanism."},
                text="A second thought on the review mechanism.",
                language="en",
                confidence=0.9,
                channel="test",
                now=SystemClock().now(),
            )

    with_store(database_url, answer_again, load=False)
    third = run(capsys, "digest", "--consultation", "wgic-18-2027", "--out", "-")
    assert "- 163 answers, of which 1 new in this period\n" in third.out
    assert third.out.count("**NEW**") == 1
    periods = [d.detail for d in deliveries(database_url) if d.kind == "digest"]
    assert [p["destinations"] for p in periods] == [
        [{"kind": "file", "target": "standard output"}]
    ] * 3
    assert periods[1]["since"] == periods[0]["until"]
    assert periods[2]["since"] == periods[1]["until"]
